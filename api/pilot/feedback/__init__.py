"""In-app feedback from CSWs and SCSWs (``POST /api/v1/feedback``)."""
from api.pilot.feedback.routes import blp

__all__ = ["blp"]
