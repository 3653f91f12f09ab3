"""Evaluation routes (pilot_coordinator, admin): thin views over the evaluation services."""
from __future__ import annotations

from flask.views import MethodView

from api.pilot.evaluation import service
from api.pilot.evaluation.schemas import AppHealthSchema, CriteriaSchema, CriteriaUpdateSchema, ReportSchema
from api.pilot.schemas import CohortArgsSchema, CoordinatorIssueSchema
from api.smorest import Blueprint
from auth.decorators import current_principal, require_auth
from mobile_service.models import ROLE_ADMIN, ROLE_COORDINATOR

COORDINATORS = (ROLE_COORDINATOR, ROLE_ADMIN)
INT32_MAX = 2_147_483_647

blp = Blueprint("pilot_evaluation", __name__, url_prefix="/api/v1/pilot",
                description="End-of-pilot evaluation, success criteria and app health. Aggregates only.")


@blp.route("/report")
class Report(MethodView):
    """The end-of-pilot report."""

    @require_auth(roles=COORDINATORS)
    @blp.arguments(CohortArgsSchema, location="query")
    @blp.response(200, ReportSchema)
    @blp.alt_response(404, description="No such cohort (or no cohort at all).")
    @blp.doc(operationId="getPilotReport")
    def get(self, args):
        """Evaluate a cohort: each criterion's value, target, met or missed and trend; offices; themes."""
        return service.get_report(**args)


@blp.route("/criteria")
class Criteria(MethodView):
    """The cohort's success criteria."""

    @require_auth(roles=COORDINATORS)
    @blp.arguments(CohortArgsSchema, location="query")
    @blp.response(200, CriteriaSchema)
    @blp.alt_response(404, description="No such cohort (or no cohort at all).")
    @blp.doc(operationId="getPilotCriteria")
    def get(self, args):
        """List the cohort's success criteria with their targets and defaults."""
        return service.criteria(**args)

    @require_auth(roles=COORDINATORS)
    @blp.arguments(CohortArgsSchema, location="query")
    @blp.arguments(CriteriaUpdateSchema)
    @blp.response(200, CriteriaSchema)
    @blp.alt_response(404, description="No such cohort (or no cohort at all).")
    @blp.doc(operationId="updatePilotCriteria")
    def patch(self, args, body):
        """Change some criteria's targets (the others keep theirs)."""
        return service.change_criteria(current_principal(), changes=body, **args)


@blp.route("/app-health")
class AppHealth(MethodView):
    """App error reports, aggregated."""

    @require_auth(roles=COORDINATORS)
    @blp.arguments(CohortArgsSchema, location="query")
    @blp.response(200, AppHealthSchema)
    @blp.alt_response(404, description="No such cohort (or no cohort at all).")
    @blp.doc(operationId="getPilotAppHealth")
    def get(self, args):
        """Crash-free sessions per app version, top signatures, failed calls joined to server errors."""
        return service.health(**args)


@blp.route(f"/client-signatures/<int(max={INT32_MAX}):signature_id>/issue")
class TrackSignature(MethodView):
    """A signature as a tracked issue."""

    @require_auth(roles=COORDINATORS)
    @blp.arguments(CohortArgsSchema, location="query")
    @blp.response(201, CoordinatorIssueSchema, description="The issue, status triaged, linked to the signature.")
    @blp.alt_response(404, description="No such signature or cohort.")
    @blp.alt_response(409, description="The signature is already tracked by an issue.")
    @blp.doc(operationId="trackClientSignature")
    def post(self, args, signature_id: int):
        """Turn an error signature into a tracked issue in one step."""
        return service.track_signature(current_principal(), signature_id=signature_id, **args)
