"""Travel plan routes (DCFS 0900-520.20): thin views; the service scopes, applies the policy, audits, commits."""
from __future__ import annotations

from flask.views import MethodView

from api.etags import NOT_MODIFIED, etag_response, no_store
from api.fields import STUDENT_KEY_EXAMPLE
from api.quotas import per_user
from api.smorest import Blueprint
from api.travel_plans import plan_schemas, schemas, service
from auth.decorators import current_principal, require_auth
from mobile_service.models import FIELD_ROLES, ROLE_CSW, ROLE_SCSW

blp = Blueprint("travel_plans", __name__, url_prefix="/api/v1",
                description="School-of-origin travel plans (DCFS 0900-520.20): candidates, distance, rate, "
                            "checklist; the CSW's plans and the supervising SCSW's approval.")

KEY_PARAM = {"in": "path", "name": "student_key", "required": True,
             "description": "The opaque `student_key`; unknown, malformed or out of scope: 404.",
             "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{22}$", "example": STUDENT_KEY_EXAMPLE}}
PLAN_PARAM = {"in": "path", "name": "plan_key", "required": True,
              "description": "The opaque `plan_key`; unknown, or its student outside your scope: 404.",
              "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{22}$", "example": STUDENT_KEY_EXAMPLE}}
NOT_FOUND = "No such student or plan, or not in your scope (one identical answer)"
TOO_MANY = "Too many travel plan changes; retry after the Retry-After seconds"
UNAVAILABLE = "The access could not be recorded; nothing was disclosed or changed"
NOT_CARRIER = ("You see the child but are not the case-carrying CSW (the assigned worker in the DCFS feed): "
               "a manual caseload add or another worker's case does not let you act on the plan.")


@blp.route("/students/<student_key>/school-of-origin", parameters=[KEY_PARAM])
class SchoolOfOrigin(MethodView):
    """School-of-origin candidates and, for one, distance, rate and checklist."""

    @require_auth(roles=FIELD_ROLES)
    @blp.arguments(schemas.SchoolOfOriginArgsSchema, location="query")
    @blp.response(200, schemas.SchoolOfOriginSchema)
    @blp.alt_response(304, description=NOT_MODIFIED)
    @blp.alt_response(403, description="You see the child but are neither the case-carrying CSW (the assigned "
                                       "worker in the DCFS feed) nor the SCSW supervising them.")
    @blp.alt_response(404, description=NOT_FOUND)
    @blp.alt_response(503, description=UNAVAILABLE)
    @blp.doc(operationId="getSchoolOfOrigin")
    def get(self, args, student_key):
        """Case carrier and their SCSW: candidates; with `cds_code`, distance (estimate: whole miles), ETR, checklist."""
        return etag_response(service.school_of_origin(current_principal(), student_key, **args),
                             schemas.SchoolOfOriginSchema)


@blp.route("/students/<student_key>/travel-plans", parameters=[KEY_PARAM])
class StudentPlans(MethodView):
    """A student's travel plans."""

    @require_auth(roles=FIELD_ROLES)
    @blp.response(200, plan_schemas.PlanListSchema)
    @blp.alt_response(304, description=NOT_MODIFIED)
    @blp.alt_response(404, description=NOT_FOUND)
    @blp.alt_response(503, description=UNAVAILABLE)
    @blp.doc(operationId="listTravelPlans")
    def get(self, student_key):
        """The student's plans, newest first, as the fields of the 63B and the 280."""
        return etag_response(service.student_plans(current_principal(), student_key), plan_schemas.PlanListSchema)

    @no_store
    @require_auth(roles=(ROLE_CSW,))
    @per_user("travel-plan-change", "CASELOAD_CHANGE_RATE_LIMIT")
    @blp.arguments(plan_schemas.PlanBodySchema)
    @blp.response(201, plan_schemas.PlanSchema, description="The draft, with its computed figures.")
    @blp.alt_response(403, description=NOT_CARRIER)
    @blp.alt_response(404, description=NOT_FOUND)
    @blp.alt_response(409, description="The child already has an open plan.")
    @blp.alt_response(503, description=UNAVAILABLE)
    @blp.alt_response(429, description=TOO_MANY)
    @blp.doc(operationId="createTravelPlan")
    def post(self, body, student_key):
        """Save a draft plan for a child whose case I carry (my DCFS assignment; a manual add: 403)."""
        return service.create_plan(current_principal(), student_key, body)


@blp.route("/travel-plans/awaiting-approval")
class AwaitingApproval(MethodView):
    """Plans awaiting my approval."""

    @require_auth(roles=(ROLE_SCSW,))
    @blp.arguments(plan_schemas.AwaitingArgsSchema, location="query")
    @blp.response(200, plan_schemas.AwaitingPageSchema, description="Oldest submission first; ETag set.")
    @blp.alt_response(304, description=NOT_MODIFIED)
    @blp.alt_response(503, description=UNAVAILABLE)
    @blp.doc(operationId="listTravelPlansAwaitingApproval")
    def get(self, args):
        """The submitted plans of the CSWs I currently supervise."""
        return etag_response(service.awaiting_approval(current_principal(), **args), plan_schemas.AwaitingPageSchema)


@blp.route("/travel-plans/<plan_key>", parameters=[PLAN_PARAM])
class Plan(MethodView):
    """One travel plan."""

    @require_auth(roles=FIELD_ROLES)
    @blp.response(200, plan_schemas.PlanSchema)
    @blp.alt_response(304, description=NOT_MODIFIED)
    @blp.alt_response(404, description=NOT_FOUND)
    @blp.alt_response(503, description=UNAVAILABLE)
    @blp.doc(operationId="getTravelPlan")
    def get(self, plan_key):
        """The plan as the fields of the DCFS 63B and the FCSS Auto 280."""
        return etag_response(service.get_plan(current_principal(), plan_key), plan_schemas.PlanSchema)

    @no_store
    @require_auth(roles=(ROLE_CSW,))
    @per_user("travel-plan-change", "CASELOAD_CHANGE_RATE_LIMIT")
    @blp.arguments(plan_schemas.PlanBodySchema)
    @blp.response(200, plan_schemas.PlanSchema)
    @blp.alt_response(403, description="Not the plan's CSW, or no longer the case-carrying CSW.")
    @blp.alt_response(404, description=NOT_FOUND)
    @blp.alt_response(409, description="The plan is no longer a draft or returned.")
    @blp.alt_response(503, description=UNAVAILABLE)
    @blp.alt_response(429, description=TOO_MANY)
    @blp.doc(operationId="updateTravelPlan")
    def put(self, body, plan_key):
        """Change my draft or returned plan (the figures are recomputed)."""
        return service.update_plan(current_principal(), plan_key, body)


@blp.route("/travel-plans/<plan_key>/submit", parameters=[PLAN_PARAM])
class SubmitPlan(MethodView):
    """Submit to the SCSW."""

    @no_store
    @require_auth(roles=(ROLE_CSW,))
    @per_user("travel-plan-change", "CASELOAD_CHANGE_RATE_LIMIT")
    @blp.response(200, plan_schemas.PlanSchema)
    @blp.alt_response(403, description="Not the plan's CSW, or no longer the case-carrying CSW.")
    @blp.alt_response(404, description=NOT_FOUND)
    @blp.alt_response(409, description="Not a draft or returned plan, or no active supervisor.")
    @blp.alt_response(422, description="Not ready: a checklist item fails or is unanswered, or the mileage is an estimate.")
    @blp.alt_response(503, description=UNAVAILABLE)
    @blp.alt_response(429, description=TOO_MANY)
    @blp.doc(operationId="submitTravelPlan")
    def post(self, plan_key):
        """Submit my plan for approval: 422 naming what is missing (a failing item, an estimate)."""
        return service.submit_plan(current_principal(), plan_key)


@blp.route("/travel-plans/<plan_key>/approve", parameters=[PLAN_PARAM])
class ApprovePlan(MethodView):
    """Approve."""

    @no_store
    @require_auth(roles=(ROLE_SCSW,))
    @per_user("travel-plan-change", "CASELOAD_CHANGE_RATE_LIMIT")
    @blp.response(200, plan_schemas.PlanSchema)
    @blp.alt_response(403, description="Not the current supervisor of the plan's CSW.")
    @blp.alt_response(404, description=NOT_FOUND)
    @blp.alt_response(409, description="The plan is not awaiting approval.")
    @blp.alt_response(503, description=UNAVAILABLE)
    @blp.alt_response(429, description=TOO_MANY)
    @blp.doc(operationId="approveTravelPlan")
    def post(self, plan_key):
        """Approve a submitted plan of a CSW I currently supervise."""
        return service.review_plan(current_principal(), plan_key, approve=True, comment=None)


@blp.route("/travel-plans/<plan_key>/return", parameters=[PLAN_PARAM])
class ReturnPlan(MethodView):
    """Return for correction."""

    @no_store
    @require_auth(roles=(ROLE_SCSW,))
    @per_user("travel-plan-change", "CASELOAD_CHANGE_RATE_LIMIT")
    @blp.arguments(plan_schemas.ReturnBodySchema)
    @blp.response(200, plan_schemas.PlanSchema)
    @blp.alt_response(403, description="Not the current supervisor of the plan's CSW.")
    @blp.alt_response(404, description=NOT_FOUND)
    @blp.alt_response(409, description="The plan is not awaiting approval.")
    @blp.alt_response(503, description=UNAVAILABLE)
    @blp.alt_response(429, description=TOO_MANY)
    @blp.doc(operationId="returnTravelPlan")
    def post(self, body, plan_key):
        """Return a submitted plan to its CSW for corrective action, with a comment."""
        return service.review_plan(current_principal(), plan_key, approve=False, comment=body["comment"])


@blp.route("/travel-plans/<plan_key>/stop", parameters=[PLAN_PARAM])
class StopPlan(MethodView):
    """The child left the school of origin."""

    @no_store
    @require_auth(roles=(ROLE_CSW,))
    @per_user("travel-plan-change", "CASELOAD_CHANGE_RATE_LIMIT")
    @blp.arguments(plan_schemas.StopBodySchema)
    @blp.response(200, plan_schemas.PlanSchema)
    @blp.alt_response(403, description="Neither the plan's CSW nor the child's current case-carrying CSW.")
    @blp.alt_response(404, description=NOT_FOUND)
    @blp.alt_response(409, description="Only an approved plan can stop.")
    @blp.alt_response(503, description=UNAVAILABLE)
    @blp.alt_response(429, description=TOO_MANY)
    @blp.doc(operationId="stopTravelPlan")
    def post(self, body, plan_key):
        """End an approved plan (its CSW or the current case carrier): the 280 becomes a request to stop the ETR."""
        return service.stop_plan(current_principal(), plan_key, **body)
