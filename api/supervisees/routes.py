"""Supervisee routes (SCSW only): thin views over the service."""
from __future__ import annotations

from flask.views import MethodView

from api.caseload.schemas import SupervisedCaseloadPageSchema
from api.plumbing import NOT_MODIFIED, etag_response
from api.smorest import Blueprint
from api.supervisees import service
from api.supervisees.schemas import SuperviseeArgsSchema, SuperviseeCaseloadArgsSchema, SuperviseePageSchema
from auth.decorators import current_principal, require_auth
from mobile_service.models import ROLE_SCSW

blp = Blueprint("supervisees", __name__, url_prefix="/api/v1/supervisees",
                description="An SCSW's team under active supervision, and their caseloads (read-only).")


@blp.route("")
class Supervisees(MethodView):
    """My team."""

    @require_auth(roles=(ROLE_SCSW,))
    @blp.arguments(SuperviseeArgsSchema, location="query")
    @blp.response(200, SuperviseePageSchema, description="CSWs under my active supervision; ETag set.")
    @blp.alt_response(304, description=NOT_MODIFIED)
    def get(self, args):
        """List the CSWs I actively supervise, with caseload size and flagged adds."""
        return etag_response(service.list_supervisees(current_principal(), **args), SuperviseePageSchema)


@blp.route("/<int(signed=True):user_id>/caseload")
class SuperviseeCaseload(MethodView):
    """A supervisee's caseload."""

    @require_auth(roles=(ROLE_SCSW,))
    @blp.arguments(SuperviseeCaseloadArgsSchema, location="query")
    @blp.response(200, SupervisedCaseloadPageSchema, description="Read-only cards with flagged adds; ETag set.")
    @blp.alt_response(304, description=NOT_MODIFIED)
    @blp.alt_response(404, description="Not a CSW under my active supervision.")
    def get(self, args, user_id: int):
        """Show a supervisee's caseload, read-only (404 unless I actively supervise them)."""
        return etag_response(service.supervisee_caseload(current_principal(), user_id, **args),
                             SupervisedCaseloadPageSchema)
