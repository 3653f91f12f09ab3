"""The HTTP API: resource blueprints registered on the flask-smorest Api."""
from __future__ import annotations

import importlib

from flask import Flask

# Each resource folder exposes ``blp``; add its module here to publish it.
RESOURCE_MODULES: tuple[str, ...] = (
    "api.students",
    "api.caseload",
    "api.supervisees",
    "api.audit",
    "api.manual_adds",
    "api.me",
    "api.feedback",
    "api.issues",
    "api.announcements",
    "api.pilot",
)


def register(app: Flask) -> None:
    """Register the health/docs routes and every resource blueprint."""
    from api import health, plain_routes_doc
    from mobile_service.extensions import api as smorest_api

    app.register_blueprint(health.bp)
    for name in RESOURCE_MODULES:
        module = importlib.import_module(name)
        smorest_api.register_blueprint(module.blp)
        if hasattr(module, "init_app"):  # hooks and plain blueprints a resource brings along
            module.init_app(app)
    plain_routes_doc.document(smorest_api.spec, app)  # OAuth, JWKS, probes and the HTML dashboard
