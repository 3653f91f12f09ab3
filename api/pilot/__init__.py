"""The pilot coordinators' API (``/api/v1/pilot``), the request-metrics hook and the dashboard."""
from __future__ import annotations

from flask import Flask

from api.pilot.routes import blp

__all__ = ["blp", "init_app"]


def init_app(app: Flask) -> None:
    """Install the ``request`` usage-event hook and the ``/pilot`` web dashboard."""
    import web
    from mobile_service.pilot import request_events

    request_events.init_app(app)
    web.init_app(app)
