"""Server-side usage events for pilot metrics: aggregates only, never student identifiers.

Kept apart from the audit log (different table, different readers). ``record_event`` writes a
row (a plain INSERT, no ORM flush) in the current transaction; the caller's single commit saves
it with the rest of the request.
"""
from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from sqlalchemy import FromClause, bindparam, cast, insert, select
from sqlalchemy.exc import SQLAlchemyError

from mobile_service import clock
from mobile_service.errors import unavailable
from mobile_service.extensions import db
from mobile_service.models import UsageEvent
from mobile_service.scoping import PrincipalLike

EVENTS = {
    "sign_in": "successful token exchange (first one activates a participant)",
    "sign_in_failed": "failed token exchange (detail: reason code)",
    "caseload_view": "opened a caseload (own or a supervisee's)",
    "caseload_sync": "synced the caseload for offline use (full or changes)",
    "search": "ran a search (result_count; detail: criteria kinds)",
    "record_view": "opened a record tab or the brief (detail: demographics/enrollments/attendance/progress_reports/brief)",
    "caseload_add": "added a student to the caseload",
    "caseload_remove": "removed a student from the caseload",
    "feedback": "sent feedback",
    "issue_report": "reported an issue",
    "request": "an API request (route template, status, latency)",
}


# Built once and executed with the row as parameters (no per-call construction; see audit.py).
_INSERT = insert(UsageEvent.__table__)


def client_info() -> tuple[str | None, str | None]:
    """App version and platform the mobile app sends in X-App-Version / X-App-Platform."""
    if not has_request_context():
        return None, None
    version = (request.headers.get("X-App-Version") or "")[:30] or None
    platform = (request.headers.get("X-App-Platform") or "").lower()[:20] or None
    return version, platform


def event_row(event: str, principal: PrincipalLike | None = None, *, route: str | None = None,
              status: int | None = None, latency_ms: float | None = None,
              result_count: int | None = None, detail: str | None = None,
              user_id: int | None = None, role: str | None = None) -> dict[str, Any]:
    """The ``usage_events`` row of one event (``detail``: no PII); every writer uses it."""
    if event not in EVENTS:
        raise ValueError(f"unknown usage event {event!r}")
    version, platform = client_info()
    return {
        "user_id": principal.user_id if principal else user_id,
        "role": principal.role if principal else role,
        "event": event,
        "route": route or (request.url_rule.rule if has_request_context() and request.url_rule else None),
        "status": status,
        "latency_ms": latency_ms,
        "result_count": result_count,
        "detail": detail,
        "app_version": version,
        "platform": platform,
    }


def record_event(event: str, principal: PrincipalLike | None = None, *, route: str | None = None,
                 status: int | None = None, latency_ms: float | None = None,
                 result_count: int | None = None, detail: str | None = None,
                 user_id: int | None = None, role: str | None = None) -> None:
    """Write a usage event in the current transaction (the caller commits). ``detail``: no PII."""
    row = event_row(event, principal, route=route, status=status, latency_ms=latency_ms,
                    result_count=result_count, detail=detail, user_id=user_id, role=role)
    try:
        # The session's connection: same transaction, no autoflush of the caller's changes (see audit.record).
        db.session.connection().execute(_INSERT, row)
    except SQLAlchemyError as exc:
        # Same transaction as the request's audit row and changes: all or nothing, a 503.
        db.session.rollback()
        raise unavailable("The service cannot record this request right now; retry shortly.") from exc


_TABLE = UsageEvent.__table__
_BOUND = [c for c in _TABLE.c if c.name != "id"]


def event_insert(source: FromClause | None = None):
    """``INSERT INTO usage_events ... SELECT ... [FROM source]``: the event rides along in a disclosing
    statement (PostgreSQL), one row per row of ``source`` (one row without); values from
    :func:`event_params`."""
    values = [cast(bindparam("usage_" + c.name), c.type).label(c.name) for c in _BOUND]
    rows = select(*values) if source is None else select(*values).select_from(source)
    return insert(_TABLE).from_select([c.name for c in _BOUND], rows).returning(_TABLE.c.id)


def event_params(event: str, principal: PrincipalLike, *, detail: str | None = None,
                 result_count: int | None = None) -> dict[str, Any]:
    """The bind parameters of :func:`event_insert` (``occurred_at`` from the service clock)."""
    row = {"occurred_at": clock.utcnow(), **event_row(event, principal, detail=detail, result_count=result_count)}
    # A column this row does not set (one a later migration adds) is NULL, as a plain INSERT leaves it.
    return {"usage_" + c.name: row.get(c.name) for c in _BOUND}
