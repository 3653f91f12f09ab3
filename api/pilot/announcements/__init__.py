"""What's new and known issues, as the app shows them (``GET /api/v1/announcements``)."""
from api.pilot.announcements.routes import blp

__all__ = ["blp"]
