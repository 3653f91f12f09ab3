"""Announcement route for the app (every signed-in role)."""
from __future__ import annotations

from flask.views import MethodView

from api.pilot.announcements import service
from api.pilot.announcements.schemas import AnnouncementArgsSchema, AnnouncementListSchema
from api.smorest import Blueprint
from auth.decorators import require_auth

blp = Blueprint("announcements", __name__, url_prefix="/api/v1/announcements",
                description="What's new and known issues, published by pilot coordinators.")


@blp.route("")
class Announcements(MethodView):
    """Current announcements."""

    @require_auth()
    @blp.arguments(AnnouncementArgsSchema, location="query")
    @blp.response(200, AnnouncementListSchema)
    @blp.doc(operationId="listAnnouncements")
    def get(self, args):
        """List current what's-new notes and known issues, newest first."""
        return service.current_announcements(**args)
