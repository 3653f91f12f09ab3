"""Admin route: a student's record of access."""
from __future__ import annotations

from flask.views import MethodView

from api.audit import service
from api.audit.schemas import AccessHistoryArgsSchema, AccessHistoryPageSchema
from api.etags import NOT_MODIFIED, etag_response
from api.smorest import Blueprint
from auth.decorators import current_principal, require_auth
from mobile_service.models import ROLE_ADMIN

blp = Blueprint("access_history", __name__, url_prefix="/api/v1/admin/students",
                description="The record of access (FERPA 34 CFR 99.32, Ed Code 49064). Admin only.")


@blp.route("/<ssid>/access-history")
class AccessHistory(MethodView):
    """Who saw this child's record."""

    @require_auth(roles=(ROLE_ADMIN,))
    @blp.arguments(AccessHistoryArgsSchema, location="query")
    @blp.response(200, AccessHistoryPageSchema, description="Newest first; ETag set.")
    @blp.alt_response(304, description=NOT_MODIFIED)
    @blp.alt_response(404, description="No student with this SSID.")
    @blp.doc(operationId="getStudentAccessHistory")
    def get(self, args, ssid: str):
        """List who accessed this student's record, when, what and on what basis (itself audited)."""
        return etag_response(service.access_history(current_principal(), ssid, **args), AccessHistoryPageSchema)
