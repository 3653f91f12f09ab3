"""App error reports from the app's development tools (``POST /api/v1/client-events``)."""
from api.client_events.routes import blp

__all__ = ["blp"]
