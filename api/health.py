"""Liveness and readiness probes, and the API docs page: the only unauthenticated routes."""
from __future__ import annotations

from pathlib import Path

import swagger_ui_bundle
from flask import Blueprint, jsonify, send_from_directory

from mobile_service.readiness import failing

bp = Blueprint("health", __name__)
DOCS_DIR = Path(__file__).parent / "docs_assets"
GUIDES_DIR = Path(__file__).resolve().parent.parent / "docs"


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


@bp.get("/docs")
def docs():
    """Serve the API documentation page (Swagger UI from an installed package, no CDN)."""
    return send_from_directory(DOCS_DIR, "index.html", mimetype="text/html")


@bp.get("/docs/assets/<path:filename>")
def docs_assets(filename: str):
    """Serve Swagger UI's files from the swagger-ui-bundle package, and our init script."""
    if filename in ("init.js", "docs.css"):
        return send_from_directory(DOCS_DIR, filename)
    if filename == "mobile-integration.md":
        return send_from_directory(GUIDES_DIR, filename, mimetype="text/markdown")
    return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename)
