"""Issue report routes: thin views."""
from __future__ import annotations

from flask.views import MethodView

from api.pilot.issues import service
from api.pilot.issues.schemas import IssueArgsSchema, IssueCreateSchema, IssuePageSchema, IssueSchema
from api.quotas import per_user
from api.smorest import Blueprint
from auth.decorators import current_principal, require_auth
from mobile_service.models import FIELD_ROLES

blp = Blueprint("issues", __name__, url_prefix="/api/v1/issues",
                description="Problem and wrong-data reports from pilot participants.")


@blp.route("")
class Issues(MethodView):
    """Report an issue."""

    @require_auth(roles=FIELD_ROLES)
    @per_user("report", "REPORT_RATE_LIMIT")
    @blp.arguments(IssueCreateSchema)
    @blp.response(201, IssueSchema, description="Saved with status `new`.")
    @blp.alt_response(404, description="The SSID or a student key names no student within my caseload or "
                                       "assignments (or, for a key, shown to me by a recent exact lookup).")
    @blp.alt_response(429, description="Too many reports; retry after the Retry-After seconds")
    @blp.doc(operationId="reportIssue")
    def post(self, body):
        """Report a problem, wrong data, or a duplicate/multiple SSID (students named by key) for EPS support."""
        return service.create_issue(current_principal(), **body)


@blp.route("/mine")
class MyIssues(MethodView):
    """My reports."""

    @require_auth(roles=FIELD_ROLES)
    @blp.arguments(IssueArgsSchema, location="query")
    @blp.response(200, IssuePageSchema)
    @blp.doc(operationId="listMyIssues")
    def get(self, args):
        """List my issue reports with their triage status, newest first."""
        return service.my_issues(current_principal(), **args)
