"""The ``request`` usage event: one row per authenticated ``/api/v1`` call, for latency and error rates.

Recorded in an ``after_request`` hook, in its own short transaction: the request's own work is
committed by its service (or discarded on error) before this runs, so the hook rolls back
anything left pending (teardown would do the same) and commits a single INSERT. A failure is
logged and swallowed: metrics never break a response. The row holds the route *template*
(``/api/v1/students/<ssid>``), never the path, query string or any student identifier.
"""
from __future__ import annotations

import logging
import time

from flask import Flask, Response, g, request
from sqlalchemy import insert
from sqlalchemy.exc import SQLAlchemyError

from mobile_service import clock
from mobile_service.extensions import db
from mobile_service.models import UsageEvent
from mobile_service.usage import client_info

log = logging.getLogger("mobile_service.pilot")
API_PREFIX = "/api/v1/"


def _latency_ms() -> float | None:
    if g.get("latency_ms") is not None:
        return round(float(g.latency_ms), 2)
    started = g.get("started")
    return round((time.perf_counter() - started) * 1000, 2) if started is not None else None


def record_request(response: Response) -> Response:
    """Record a ``request`` event for an authenticated API call; never raise."""
    principal = g.get("principal")
    if principal is None or not request.path.startswith(API_PREFIX) or request.url_rule is None:
        return response
    version, platform = client_info()
    try:
        db.session.rollback()
        db.session.execute(insert(UsageEvent).values(
            occurred_at=clock.utcnow(), user_id=principal.user_id, role=principal.role, event="request",
            route=request.url_rule.rule[:120], status=response.status_code, latency_ms=_latency_ms(),
            app_version=version, platform=platform,
        ))
        db.session.commit()
    except SQLAlchemyError as exc:
        db.session.rollback()
        log.warning("request usage event not recorded", extra={"error_class": type(exc).__name__})
    return response


def init_app(app: Flask) -> None:
    """Register the hook (after requestlog's, so it runs before the access-log line is written)."""
    app.after_request(record_request)
