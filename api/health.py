"""Liveness and readiness probes, and the API docs page: the only unauthenticated routes."""
from __future__ import annotations

import importlib.util
import logging
from collections.abc import Callable
from pathlib import Path

from flask import Blueprint, Flask, current_app, jsonify, send_from_directory
from sqlalchemy import inspect, text

from mobile_service.errors import problem_response
from mobile_service.extensions import db

log = logging.getLogger("mobile_service.health")
bp = Blueprint("health", __name__)
DOCS_DIR = Path(__file__).parent / "docs_assets"
GUIDES_DIR = Path(__file__).resolve().parent.parent / "docs"
# Swagger UI 5 (reads OpenAPI 3.1) as shipped in the pinned swagger-ui-py package's static/ folder.
# Located, not imported: the package's own Python handlers (and their PyYAML import) are not used.
SWAGGER_UI_DIR = Path(importlib.util.find_spec("swagger_ui").submodule_search_locations[0]) / "static"
SWAGGER_UI_FILES = frozenset({"swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png", "favicon-16x16.png"})

# A readiness check returns None when fine, or a short PII-free reason.
ReadinessCheck = Callable[[], "str | None"]


def add_readiness_check(app: Flask, name: str, check: ReadinessCheck) -> None:
    """Register a named readiness check (database, migrations, signing keys, ...)."""
    app.extensions.setdefault("readiness_checks", {})[name] = check


def add_degraded_check(app: Flask, name: str, check: ReadinessCheck) -> None:
    """Register a check whose reason means "serving, degraded": reported, never a failed probe."""
    app.extensions.setdefault("degraded_checks", {})[name] = check


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


def _status(checks: dict[str, ReadinessCheck]) -> dict[str, dict[str, str | bool]]:
    out: dict[str, dict[str, str | bool]] = {}
    for name, check in checks.items():
        reason = check()
        out[name] = {"ok": False, "reason": reason} if reason else {"ok": True}
    return out


@bp.get("/healthz")
def healthz():
    """Report that the process is alive (touches nothing external)."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """Report whether the service can serve traffic: 200 (ready or degraded), or 503 with the failing checks.

    A degraded dependency (rate limits counted per process, identity-provider keys served from
    the last-known-good cache) is named under ``degraded`` but keeps the pod in service: every
    pod shares the same fault, and pulling them all would turn a degraded service into none.
    """
    failures = _run(current_app.extensions.get("readiness_checks", {}))
    degraded = _run(current_app.extensions.get("degraded_checks", {}))
    if failures:
        body = {"status": "unavailable", "checks": failures}
        if degraded:
            body["degraded"] = degraded
        response = jsonify(body)
        response.status_code = 503
        response.headers["Retry-After"] = "5"
        return response
    if degraded:
        return jsonify(status="degraded", degraded=degraded)
    return jsonify(status="ready")


def _run(checks: dict[str, ReadinessCheck]) -> dict[str, str]:
    reasons = {}
    for name, check in checks.items():
        reason = check()
        if reason:
            reasons[name] = reason
    return reasons


@bp.get("/healthz/details")
def healthz_details():
    """Report every check by name, degraded dependencies and the identity provider: for operators, no secrets.

    Always 200 (the verdict is ``/readyz``'s); the identity provider is reported here and in
    ``/metrics`` but never pulls the pod: cached keys keep serving sign-ins, app tokens need it not at all.
    """
    readiness = _status(current_app.extensions.get("readiness_checks", {}))
    degraded = _status(current_app.extensions.get("degraded_checks", {}))
    details = {name: reporter() for name, reporter in current_app.extensions.get("health_details", {}).items()}
    failing = any(not c["ok"] for c in readiness.values())
    status = "unavailable" if failing else ("degraded" if any(not c["ok"] for c in degraded.values()) else "ready")
    return jsonify(status=status, readiness=readiness, degraded=degraded,
                   migrations={"code_head": current_app.extensions.get("migrations_head")}, **details)


def add_health_detail(app: Flask, name: str, reporter: Callable[[], dict]) -> None:
    """Register a PII- and secret-free summary shown under ``name`` in ``/healthz/details``."""
    app.extensions.setdefault("health_details", {})[name] = reporter


@bp.get("/docs")
def docs():
    """Serve the API documentation page (Swagger UI from an installed package, no CDN)."""
    return send_from_directory(DOCS_DIR, "index.html", mimetype="text/html")


@bp.get("/docs/assets/<path:filename>")
def docs_assets(filename: str):
    """Serve Swagger UI's files from the swagger-ui-py package, and our init script and styles."""
    if filename in ("init.js", "docs.css"):
        return send_from_directory(DOCS_DIR, filename)
    if filename == "mobile-integration.md":
        return send_from_directory(GUIDES_DIR, filename, mimetype="text/markdown")
    if filename in SWAGGER_UI_FILES:
        return send_from_directory(SWAGGER_UI_DIR, filename)
    return problem_response(404, "No such documentation asset.")
