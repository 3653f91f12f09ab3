"""Steward queue routes (eps_support only): thin views."""
from __future__ import annotations

from flask.views import MethodView

from api.smorest import Blueprint
from api.steward import service
from api.steward.schemas import QueueArgsSchema, QueuePageSchema, ResolveSchema, StewardReportSchema
from auth.decorators import current_principal, require_auth
from mobile_service.models import ROLE_EPS_SUPPORT

INT32_MAX = 2_147_483_647
STEWARDS = (ROLE_EPS_SUPPORT,)

blp = Blueprint("steward", __name__, url_prefix="/api/v1/steward",
                description="EPS support (LACOE data stewards): the queue of data-quality reports "
                            "(two students, one SSID; one student, two SSIDs).")


@blp.route("/reports")
class Queue(MethodView):
    """The queue."""

    @require_auth(roles=STEWARDS)
    @blp.arguments(QueueArgsSchema, location="query")
    @blp.response(200, QueuePageSchema)
    @blp.doc(operationId="listStewardReports")
    def get(self, args):
        """List the data-quality reports of the queue, oldest first (no student data)."""
        return service.queue(current_principal(), **args)


@blp.route(f"/reports/<int(max={INT32_MAX}):issue_id>")
class Report(MethodView):
    """One report of the queue."""

    @require_auth(roles=STEWARDS)
    @blp.response(200, StewardReportSchema)
    @blp.alt_response(404, description="No such report in the queue.")
    @blp.alt_response(503, description="The view could not be recorded; nothing was shown.")
    @blp.doc(operationId="getStewardReport")
    def get(self, issue_id: int):
        """Show a report with the named students' identification cards (audited per child)."""
        return service.report(current_principal(), issue_id)


@blp.route(f"/reports/<int(max={INT32_MAX}):issue_id>/resolve")
class Resolve(MethodView):
    """Resolve a report."""

    @require_auth(roles=STEWARDS)
    @blp.arguments(ResolveSchema)
    @blp.response(200, StewardReportSchema)
    @blp.alt_response(404, description="No such report in the queue.")
    @blp.alt_response(409, description="The report is already resolved.")
    @blp.doc(operationId="resolveStewardReport")
    def post(self, body, issue_id: int):
        """Resolve a report: merged, corrected at the source, or not a duplicate, with a note to the reporter."""
        return service.resolve(current_principal(), issue_id, **body)
