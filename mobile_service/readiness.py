"""Readiness checks: named probes that ``/readyz`` runs (see ``api/health.py``).

A check returns None when fine, or a short PII-free reason. A *readiness* check's reason takes
the pod out of service; a *degraded* check's reason is reported while the pod keeps serving.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, current_app
from sqlalchemy import text

from mobile_service.extensions import db

log = logging.getLogger("mobile_service.health")

ReadinessCheck = Callable[[], "str | None"]


def add_readiness_check(app: Flask, name: str, check: ReadinessCheck) -> None:
    """Register a named readiness check (database, migrations, signing keys, ...)."""
    app.extensions.setdefault("readiness_checks", {})[name] = check


def add_degraded_check(app: Flask, name: str, check: ReadinessCheck) -> None:
    """Register a check whose reason means "serving, degraded": reported, never a failed probe."""
    app.extensions.setdefault("degraded_checks", {})[name] = check


def failing(kind: str) -> dict[str, str]:
    """Run the app's checks of one kind ("readiness_checks" or "degraded_checks"): name -> reason."""
    reasons = {}
    for name, check in current_app.extensions.get(kind, {}).items():
        reason = check()
        if reason:
            reasons[name] = reason
    return reasons


def database_check() -> str | None:
    """Check that the database answers and its schema is at the migrations' head."""
    try:
        current = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready", with a reason
        db.session.rollback()
        log.warning("readiness: database check failed", extra={"error_class": type(exc).__name__})
        return "database unreachable or not migrated"
    finally:
        db.session.remove()
    head = current_app.extensions.get("migrations_head")
    if head and current != head:
        return f"database schema at {current}, migrations head is {head}"
    return None
