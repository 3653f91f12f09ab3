"""Admin route: a student's record of access."""
from __future__ import annotations

from flask.views import MethodView

from api.audit import service
from api.audit.schemas import AccessHistoryPageSchema, AccessHistoryRequestSchema
from api.smorest import Blueprint
from auth.decorators import current_principal, require_auth
from mobile_service.models import ROLE_ADMIN

blp = Blueprint("access_history", __name__, url_prefix="/api/v1/admin/access-history",
                description="The record of access (FERPA 34 CFR 99.32, Ed Code 49064). Admin only. The student "
                            "is named in the request body, never in the URL.")


@blp.route("")
class AccessHistory(MethodView):
    """Who saw this child's record."""

    @require_auth(roles=(ROLE_ADMIN,))
    @blp.arguments(AccessHistoryRequestSchema)
    @blp.response(200, AccessHistoryPageSchema, description="Newest first.")
    @blp.alt_response(404, description="No student with this SSID or student key.")
    @blp.doc(operationId="getStudentAccessHistory")
    def post(self, args):
        """List who accessed this student's record, when, what and on what basis (itself audited)."""
        return service.access_history(current_principal(), **args)
