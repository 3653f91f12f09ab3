"""Readiness checks: named probes that ``/readyz`` runs (see ``api/health.py``).

A check returns None when fine, or a short PII-free reason. A *readiness* check's reason takes
the pod out of service; a *degraded* check's reason is reported while the pod keeps serving.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, current_app
from sqlalchemy import inspect, text

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
    """Check that the database answers and its schema serves this code (at or ahead of its head)."""
    try:
        current = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
        head = current_app.extensions.get("migrations_head")
        known = current_app.extensions.get("migrations_known") or frozenset()
        recorded = None
        if head and current != head and current not in known:
            recorded = _recorded_history_has(head)
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready", with a reason
        db.session.rollback()
        log.warning("readiness: database check failed", extra={"error_class": type(exc).__name__})
        return "database unreachable or not migrated"
    finally:
        db.session.remove()
    return schema_verdict(current, head, known, recorded)


def schema_verdict(current: str | None, head: str | None, known: frozenset[str],
                   head_recorded: bool | None) -> str | None:
    """None when a database at ``current`` serves code whose migrations end at ``head``, else why not.

    Expand, then contract (infra/RUNBOOK.md): a migration only adds what old code ignores, so
    a pod stays ready while the database is at its head or AHEAD of it, as long as this code's
    migrations are a prefix of the database's history. History is linear, so a revision this
    code knows, other than its head, is behind (not ready: its tables may be missing); an
    unknown revision is ahead only if the database recorded our head on the way there
    (``alembic_version_history``, kept by the migrations' env.py), else it is another history.
    """
    if not head or current == head:
        return None
    if current is None:
        return f"database schema not migrated, this code needs {head}"
    if current in known:
        return f"database schema at {current} is behind this code's head {head}"
    if head_recorded:
        return None
    return f"database schema at {current} is unknown and its history does not include this code's head {head}"


def _recorded_history_has(revision: str) -> bool:
    """Whether the database's applied-revision history holds ``revision`` (False without the table)."""
    if not inspect(db.session.connection()).has_table("alembic_version_history"):
        return False
    found = db.session.execute(text("SELECT 1 FROM alembic_version_history WHERE revision = :r"),
                               {"r": revision}).first()
    return found is not None


def status_of(kind: str) -> dict[str, dict[str, str | bool]]:
    """Every check of one kind by name, passing or not (``/healthz/details``)."""
    out: dict[str, dict[str, str | bool]] = {}
    for name, check in current_app.extensions.get(kind, {}).items():
        reason = check()
        out[name] = {"ok": False, "reason": reason} if reason else {"ok": True}
    return out


def add_health_detail(app: Flask, name: str, reporter: Callable[[], dict]) -> None:
    """Register a PII- and secret-free summary shown under ``name`` in ``/healthz/details``."""
    app.extensions.setdefault("health_details", {})[name] = reporter


def details() -> dict[str, dict]:
    """The registered health details, by name (``/healthz/details``)."""
    return {name: reporter() for name, reporter in current_app.extensions.get("health_details", {}).items()}
