"""Student routes: search and the four record tabs (CSW and SCSW only).

Views are thin: the decorators state the contract (roles, body, responses), the service does
scope + query + audit + one commit, and ``etag_response`` renders the allow-listed body.
"""
from __future__ import annotations

from flask.views import MethodView

from api.plumbing import NOT_MODIFIED, etag_response
from api.quotas import per_user
from api.smorest import Blueprint
from api.students import schemas, service
from auth.decorators import current_principal, require_auth
from mobile_service.identifiers import SSID_OPENAPI_PATTERN
from mobile_service.models import FIELD_ROLES

blp = Blueprint("students", __name__, url_prefix="/api/v1/students",
                description="Search for students and read the records of students in your scope.")

SSID_PARAM = {"in": "path", "name": "ssid", "required": True,
              "description": "Current or retired 10-digit SSID; anything else, or a student outside your "
                             "scope, answers 404.",
              "schema": {"type": "string", "pattern": SSID_OPENAPI_PATTERN, "example": "4000000001"}}
NOT_FOUND = "No such student, or not in your scope (one identical answer)"


@blp.route("/search")
class StudentSearch(MethodView):
    """Search across students (results are identification cards only)."""

    @require_auth(roles=FIELD_ROLES)
    @per_user("search", "SEARCH_RATE_LIMIT")
    @blp.arguments(schemas.SearchRequestSchema)
    @blp.response(200, schemas.SearchResponseSchema)
    @blp.alt_response(429, description="Too many searches; retry after the Retry-After seconds")
    @blp.alt_response(503, description="The access could not be recorded; nothing was disclosed")
    def post(self, criteria):
        """Search by SSID, name and/or date of birth (criteria combine with AND)."""
        return service.search(current_principal(), criteria)


@blp.route("/<ssid>", parameters=[SSID_PARAM])
class StudentDemographics(MethodView):
    """Demographics of one student."""

    @require_auth(roles=FIELD_ROLES)
    @blp.response(200, schemas.DemographicsSchema)
    @blp.alt_response(304, description=NOT_MODIFIED)
    @blp.alt_response(404, description=NOT_FOUND)
    @blp.alt_response(503, description="The access could not be recorded; nothing was disclosed")
    def get(self, ssid):
        """Demographics, current school and grade, and why you may see them."""
        return etag_response(service.demographics(current_principal(), ssid), schemas.DemographicsSchema)


@blp.route("/<ssid>/enrollments", parameters=[SSID_PARAM])
class StudentEnrollments(MethodView):
    """Enrollment history of one student."""

    @require_auth(roles=FIELD_ROLES)
    @blp.response(200, schemas.EnrollmentsSchema)
    @blp.alt_response(304, description=NOT_MODIFIED)
    @blp.alt_response(404, description=NOT_FOUND)
    @blp.alt_response(503, description="The access could not be recorded; nothing was disclosed")
    def get(self, ssid):
        """Enrollment history, newest first, with mobility figures."""
        return etag_response(service.enrollments(current_principal(), ssid), schemas.EnrollmentsSchema)


@blp.route("/<ssid>/attendance", parameters=[SSID_PARAM])
class StudentAttendance(MethodView):
    """Attendance of one student."""

    @require_auth(roles=FIELD_ROLES)
    @blp.response(200, schemas.AttendanceSchema)
    @blp.alt_response(304, description=NOT_MODIFIED)
    @blp.alt_response(404, description=NOT_FOUND)
    @blp.alt_response(503, description="The access could not be recorded; nothing was disclosed")
    def get(self, ssid):
        """Attendance per school year and school, with rate and chronic-absence flag."""
        return etag_response(service.attendance(current_principal(), ssid), schemas.AttendanceSchema)


@blp.route("/<ssid>/progress-reports", parameters=[SSID_PARAM])
class StudentProgressReports(MethodView):
    """Progress reports of one student."""

    @require_auth(roles=FIELD_ROLES)
    @blp.response(200, schemas.ProgressReportsSchema)
    @blp.alt_response(304, description=NOT_MODIFIED)
    @blp.alt_response(404, description=NOT_FOUND)
    @blp.alt_response(503, description="The access could not be recorded; nothing was disclosed")
    def get(self, ssid):
        """Progress reports per term, newest first: courses, marks, credits, GPA, D/F count."""
        return etag_response(service.progress_reports(current_principal(), ssid), schemas.ProgressReportsSchema)
