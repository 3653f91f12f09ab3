"""Coordinator routes (pilot_coordinator, admin): thin views over the pilot services."""
from __future__ import annotations

from flask.views import MethodView

from api.pilot import exports, service
from api.pilot.announcements import service as announcements
from api.pilot.announcements.schemas import AnnouncementCreateSchema
from api.pilot.schemas import (
    AnnouncementAdminListSchema,
    AnnouncementAdminSchema,
    CohortArgsSchema,
    CohortListSchema,
    CoordinatorFeedbackPageSchema,
    CoordinatorIssuePageSchema,
    CoordinatorIssueSchema,
    FeedbackListArgsSchema,
    IssueListArgsSchema,
    IssueUpdateSchema,
    SummarySchema,
)
from api.smorest import Blueprint
from auth.decorators import current_principal, require_auth
from mobile_service.models import ROLE_ADMIN, ROLE_COORDINATOR

COORDINATORS = (ROLE_COORDINATOR, ROLE_ADMIN)
INT32_MAX = 2_147_483_647

blp = Blueprint("pilot", __name__, url_prefix="/api/v1/pilot",
                description="Pilot metrics, feedback, issue triage, announcements and CSV exports. "
                            "Aggregates only: never student data.")


@blp.route("/cohorts")
class Cohorts(MethodView):
    """Pilot cohorts."""

    @require_auth(roles=COORDINATORS)
    @blp.response(200, CohortListSchema)
    @blp.doc(operationId="listPilotCohorts")
    def get(self):
        """List pilot cohorts, newest first, with enrolled participants."""
        return service.cohorts()


@blp.route("/summary")
class Summary(MethodView):
    """The pilot's figures."""

    @require_auth(roles=COORDINATORS)
    @blp.arguments(CohortArgsSchema, location="query")
    @blp.response(200, SummarySchema)
    @blp.alt_response(404, description="No such cohort (or no cohort at all).")
    @blp.doc(operationId="getPilotSummary")
    def get(self, args):
        """Summarize one cohort: adoption, activity, feature use, feedback, SUS, issues, latency."""
        return service.pilot_summary(current_principal(), **args)


@blp.route("/issues")
class Issues(MethodView):
    """Issue reports."""

    @require_auth(roles=COORDINATORS)
    @blp.arguments(IssueListArgsSchema, location="query")
    @blp.response(200, CoordinatorIssuePageSchema)
    @blp.doc(operationId="listPilotIssues")
    def get(self, args):
        """List issue reports, newest first, filtered by status, kind and cohort."""
        return service.list_issues(current_principal(), **args)


@blp.route(f"/issues/<int(max={INT32_MAX}):issue_id>")
class IssueById(MethodView):
    """One issue report."""

    @require_auth(roles=COORDINATORS)
    @blp.arguments(IssueUpdateSchema)
    @blp.response(200, CoordinatorIssueSchema)
    @blp.alt_response(404, description="No such issue report.")
    @blp.alt_response(409, description="The status change is not allowed from the current status.")
    @blp.doc(operationId="updatePilotIssue")
    def patch(self, body, issue_id: int):
        """Triage an issue: change its status and/or note."""
        return service.update_issue(current_principal(), issue_id=issue_id, **body)


@blp.route("/feedback")
class FeedbackList(MethodView):
    """Feedback."""

    @require_auth(roles=COORDINATORS)
    @blp.arguments(FeedbackListArgsSchema, location="query")
    @blp.response(200, CoordinatorFeedbackPageSchema)
    @blp.doc(operationId="listPilotFeedback")
    def get(self, args):
        """List feedback, newest first, filtered by category and cohort."""
        return service.list_feedback(current_principal(), **args)


@blp.route("/announcements")
class Announcements(MethodView):
    """Announcements to the app."""

    @require_auth(roles=COORDINATORS)
    @blp.response(200, AnnouncementAdminListSchema)
    @blp.doc(operationId="listPilotAnnouncements")
    def get(self):
        """List every announcement, scheduled and expired ones included."""
        return {"items": announcements.all_announcements()}

    @require_auth(roles=COORDINATORS)
    @blp.arguments(AnnouncementCreateSchema)
    @blp.response(201, AnnouncementAdminSchema, description="Published (or scheduled).")
    @blp.doc(operationId="publishPilotAnnouncement")
    def post(self, body):
        """Publish a what's-new note or a known issue (a future published_at schedules it)."""
        return announcements.publish(current_principal(), **body)


@blp.route("/export/<table>.csv")
class Export(MethodView):
    """CSV exports."""

    @require_auth(roles=COORDINATORS)
    @blp.arguments(CohortArgsSchema, location="query")
    @blp.response(200, description="A CSV attachment (header row, then one row per record).",
                  content_type="text/csv")
    @blp.alt_response(404, description="No such table or cohort.")
    @blp.doc(operationId="exportPilotTable")
    def get(self, args, table: str):
        """Export a pilot table (participants, daily-metrics, feature-use, feedback, issues, announcements)."""
        return exports.export_csv(current_principal(), table=table, **args)
