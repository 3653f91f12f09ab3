"""The pilot coordinators' web dashboard (``/pilot``): server-rendered pages with SVG charts."""
from __future__ import annotations

from flask import Flask

from web import landing
from web.dashboard import bp

__all__ = ["bp", "init_app"]


def init_app(app: Flask) -> None:
    """Register the dashboard and the landing page ``/`` (sign-in routes live in ``auth.web``)."""
    app.register_blueprint(bp)
    app.register_blueprint(landing.bp)
