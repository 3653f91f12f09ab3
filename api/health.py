"""Liveness and readiness probes, and the API docs page: the only unauthenticated routes."""
from __future__ import annotations

import importlib.util
from pathlib import Path

from flask import Blueprint, current_app, jsonify, send_from_directory

from mobile_service.errors import problem_response
from mobile_service.readiness import details, failing, status_of

bp = Blueprint("health", __name__)
DOCS_DIR = Path(__file__).parent / "docs_assets"
GUIDES_DIR = Path(__file__).resolve().parent.parent / "docs"
# Swagger UI 5 (reads OpenAPI 3.1) as shipped in the pinned swagger-ui-py package's static/ folder.
# Located, not imported: the package's own Python handlers (and their PyYAML import) are not used.
SWAGGER_UI_DIR = Path(importlib.util.find_spec("swagger_ui").submodule_search_locations[0]) / "static"
SWAGGER_UI_FILES = frozenset({"swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png", "favicon-16x16.png"})

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
    failures = failing("readiness_checks")
    degraded = failing("degraded_checks")
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


@bp.get("/healthz/details")
def healthz_details():
    """Report every check by name, degraded dependencies and the identity provider: for operators, no secrets.

    Always 200 (the verdict is ``/readyz``'s); the identity provider is reported here and in
    ``/metrics`` but never pulls the pod: cached keys keep serving sign-ins, app tokens need it not at all.
    """
    readiness = status_of("readiness_checks")
    degraded = status_of("degraded_checks")
    failing = any(not c["ok"] for c in readiness.values())
    status = "unavailable" if failing else ("degraded" if any(not c["ok"] for c in degraded.values()) else "ready")
    return jsonify(status=status, readiness=readiness, degraded=degraded,
                   migrations={"code_head": current_app.extensions.get("migrations_head")}, **details())


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
