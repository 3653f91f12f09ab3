"""Supervisee routes (SCSW only): thin views over the service."""
from __future__ import annotations

from flask.views import MethodView

from api.card_schemas import SupervisedCaseloadPageSchema
from api.etags import NOT_MODIFIED, etag_response
from api.smorest import Blueprint
from api.supervisees import indicators, pending, service
from api.supervisees.schemas import (
    PendingAddArgsSchema,
    PendingAddPageSchema,
    ReviewResultSchema,
    ReviewSchema,
    SuperviseeArgsSchema,
    SuperviseeCaseloadArgsSchema,
    SuperviseePageSchema,
    TeamIndicatorsSchema,
)
from auth.decorators import current_principal, require_auth
from mobile_service.models import ROLE_ADMIN, ROLE_SCSW

# An SCSW reviews their supervisees' adds; an admin those of workers without an active supervisor.
REVIEWERS = (ROLE_SCSW, ROLE_ADMIN)

blp = Blueprint("supervisees", __name__, url_prefix="/api/v1/supervisees",
                description="An SCSW's team under active supervision, and their caseloads (read-only).")


@blp.route("")
class Supervisees(MethodView):
    """My team."""

    @require_auth(roles=(ROLE_SCSW,))
    @blp.arguments(SuperviseeArgsSchema, location="query")
    @blp.response(200, SuperviseePageSchema, description="CSWs under my active supervision; ETag set.")
    @blp.alt_response(304, description=NOT_MODIFIED)
    @blp.doc(operationId="listSupervisees")
    def get(self, args):
        """List the CSWs I actively supervise, with caseload size and flagged adds."""
        return etag_response(service.list_supervisees(current_principal(), **args), SuperviseePageSchema)


@blp.route("/indicators")
class TeamIndicators(MethodView):
    """My team's indicators."""

    @require_auth(roles=(ROLE_SCSW,))
    @blp.response(200, TeamIndicatorsSchema, description="Counts only; ETag set.")
    @blp.alt_response(304, description=NOT_MODIFIED)
    @blp.alt_response(503, description="The access could not be recorded; nothing was shown")
    @blp.doc(operationId="getTeamIndicators")
    def get(self):
        """School changes, chronic absence, D/F marks and no enrollment over my team's caseloads, with the county."""
        return etag_response(indicators.team_indicators(current_principal()), TeamIndicatorsSchema)


@blp.route("/pending-adds")
class PendingAdds(MethodView):
    """Manual adds awaiting my review."""

    @require_auth(roles=REVIEWERS)
    @blp.arguments(PendingAddArgsSchema, location="query")
    @blp.response(200, PendingAddPageSchema, description="Soonest to lapse first; ETag set.")
    @blp.alt_response(304, description=NOT_MODIFIED)
    @blp.doc(operationId="listPendingAdds")
    def get(self, args):
        """List the pending adds I review (SCSW: my supervisees'; admin: those of unsupervised workers)."""
        return etag_response(pending.pending_adds(current_principal(), **args), PendingAddPageSchema)


@blp.route("/pending-adds/<int(signed=True):add_id>/approve")
class ApproveAdd(MethodView):
    """Approve one add."""

    @require_auth(roles=REVIEWERS)
    @blp.arguments(ReviewSchema, required=False)
    @blp.response(200, ReviewResultSchema, description="Approved: the access holds past the expiry.")
    @blp.alt_response(404, description="No such add, or not one I review.")
    @blp.alt_response(409, description="The add is no longer awaiting review (decided, lapsed or removed).")
    @blp.doc(operationId="approvePendingAdd")
    def post(self, body, add_id: int):
        """Approve a pending add: the worker keeps access past its expiry."""
        return pending.review_add(current_principal(), add_id, approve=True, note=(body or {}).get("note"))


@blp.route("/pending-adds/<int(signed=True):add_id>/deny")
class DenyAdd(MethodView):
    """Deny one add."""

    @require_auth(roles=REVIEWERS)
    @blp.arguments(ReviewSchema, required=False)
    @blp.response(200, ReviewResultSchema, description="Denied: the worker's access through the add ends now.")
    @blp.alt_response(404, description="No such add, or not one I review.")
    @blp.alt_response(409, description="The add is no longer awaiting review (decided, lapsed or removed).")
    @blp.doc(operationId="denyPendingAdd")
    def post(self, body, add_id: int):
        """Deny a pending add: it leaves the worker's caseload and stops being a basis for access at once."""
        return pending.review_add(current_principal(), add_id, approve=False, note=(body or {}).get("note"))


@blp.route("/<int(signed=True):user_id>/caseload")
class SuperviseeCaseload(MethodView):
    """A supervisee's caseload."""

    @require_auth(roles=(ROLE_SCSW,))
    @blp.arguments(SuperviseeCaseloadArgsSchema, location="query")
    @blp.response(200, SupervisedCaseloadPageSchema, description="Read-only cards with flagged adds; ETag set.")
    @blp.alt_response(304, description=NOT_MODIFIED)
    @blp.alt_response(404, description="Not a CSW under my active supervision.")
    @blp.doc(operationId="getSuperviseeCaseload")
    def get(self, args, user_id: int):
        """Show a supervisee's caseload, read-only (404 unless I actively supervise them)."""
        return etag_response(service.supervisee_caseload(current_principal(), user_id, **args),
                             SupervisedCaseloadPageSchema)
