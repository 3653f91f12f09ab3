"""Student routes: search, the four record tabs and the pre-visit brief (CSW and SCSW only).

Views are thin: the decorators state the contract (roles, body, responses), the service does
scope + query + audit + one commit, and ``etag_response`` renders the allow-listed body.
"""
from __future__ import annotations

from flask.views import MethodView

from api.brief_schemas import BriefSchema
from api.etags import NOT_MODIFIED, etag_response, json_response, no_store
from api.fields import STUDENT_KEY_EXAMPLE
from api.quotas import per_user
from api.smorest import Blueprint
from api.students import schemas, service
from auth.decorators import current_principal, require_auth
from mobile_service.models import FIELD_ROLES

blp = Blueprint("students", __name__, url_prefix="/api/v1/students",
                description="Search for students and read the records of students in your scope.")

KEY_PARAM = {"in": "path", "name": "student_key", "required": True,
             "description": "The opaque `student_key` of a caseload card or search result (never an SSID); "
                            "a malformed or unknown key, or a student outside your scope, answers 404.",
             "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{22}$", "example": STUDENT_KEY_EXAMPLE}}
NOT_FOUND = "No such student, or not in your scope (one identical answer)"


@blp.route("/search")
class StudentSearch(MethodView):
    """Search across students (results are identification cards only)."""

    @no_store
    @require_auth(roles=FIELD_ROLES)
    @per_user("search", "SEARCH_RATE_LIMIT")
    @blp.arguments(schemas.SearchRequestSchema)
    @blp.response(200, schemas.SearchResponseSchema, example=schemas.SEARCH_EXAMPLE)
    @blp.alt_response(429, description="Too many searches; retry after the Retry-After seconds")
    @blp.alt_response(503, description="The access could not be recorded; nothing was disclosed")
    @blp.doc(operationId="searchStudents")
    def post(self, criteria):
        """Search your scope by SSID, name and/or date of birth (AND); the exact lookup also finds others.

        A partial search (partial or full SSID alone, name prefixes, birth date, any mix short of
        the exact lookup) returns only students in your scope: `rule` is `scope`. The "Search
        Entire Foster Youth Database" rule of EPS (exact first name + last name + birth date, or
        a full 10-digit SSID with the last name or the birth date) also finds students outside
        your scope, as reduced cards (`in_scope: false`: name, birth date, current school's
        name and the key to add them with a reason; no SSID, grade or district): `rule` is
        `exact_lookup`.
        """
        return json_response(service.search(current_principal(), criteria), schemas.SearchResponseSchema)


@blp.route("/<student_key>", parameters=[KEY_PARAM])
class StudentDemographics(MethodView):
    """Demographics of one student."""

    @require_auth(roles=FIELD_ROLES, session_in_statement=True)
    @blp.response(200, schemas.DemographicsSchema)
    @blp.alt_response(304, description=NOT_MODIFIED)
    @blp.alt_response(404, description=NOT_FOUND)
    @blp.alt_response(503, description="The access could not be recorded; nothing was disclosed")
    @blp.doc(operationId="getStudentDemographics")
    def get(self, student_key):
        """Demographics, current school and grade, and why you may see them."""
        return etag_response(service.demographics(current_principal(), student_key), schemas.DemographicsSchema)


@blp.route("/<student_key>/enrollments", parameters=[KEY_PARAM])
class StudentEnrollments(MethodView):
    """Enrollment history of one student."""

    @require_auth(roles=FIELD_ROLES, session_in_statement=True)
    @blp.response(200, schemas.EnrollmentsSchema)
    @blp.alt_response(304, description=NOT_MODIFIED)
    @blp.alt_response(404, description=NOT_FOUND)
    @blp.alt_response(503, description="The access could not be recorded; nothing was disclosed")
    @blp.doc(operationId="getStudentEnrollments")
    def get(self, student_key):
        """Enrollment history, newest first, with mobility figures."""
        return etag_response(service.enrollments(current_principal(), student_key), schemas.EnrollmentsSchema)


@blp.route("/<student_key>/attendance", parameters=[KEY_PARAM])
class StudentAttendance(MethodView):
    """Attendance of one student."""

    @require_auth(roles=FIELD_ROLES, session_in_statement=True)
    @blp.response(200, schemas.AttendanceSchema)
    @blp.alt_response(304, description=NOT_MODIFIED)
    @blp.alt_response(404, description=NOT_FOUND)
    @blp.alt_response(503, description="The access could not be recorded; nothing was disclosed")
    @blp.doc(operationId="getStudentAttendance")
    def get(self, student_key):
        """Attendance per school year and school, with rate and chronic-absence flag."""
        return etag_response(service.attendance(current_principal(), student_key), schemas.AttendanceSchema)


@blp.route("/<student_key>/progress-reports", parameters=[KEY_PARAM])
class StudentProgressReports(MethodView):
    """Progress reports of one student."""

    @require_auth(roles=FIELD_ROLES, session_in_statement=True)
    @blp.response(200, schemas.ProgressReportsSchema)
    @blp.alt_response(304, description=NOT_MODIFIED)
    @blp.alt_response(404, description=NOT_FOUND)
    @blp.alt_response(503, description="The access could not be recorded; nothing was disclosed")
    @blp.doc(operationId="getStudentProgressReports")
    def get(self, student_key):
        """Progress reports per term, newest first: courses, marks, credits, GPA, D/F count."""
        return etag_response(service.progress_reports(current_principal(), student_key), schemas.ProgressReportsSchema)


@blp.route("/<student_key>/brief", parameters=[KEY_PARAM])
class StudentBrief(MethodView):
    """The pre-visit brief of one student."""

    @require_auth(roles=FIELD_ROLES)
    @blp.response(200, BriefSchema)
    @blp.alt_response(304, description=NOT_MODIFIED)
    @blp.alt_response(404, description=NOT_FOUND)
    @blp.alt_response(503, description="The access could not be recorded; nothing was disclosed")
    @blp.doc(operationId="getStudentBrief")
    def get(self, student_key):
        """Everything needed at the door in one call (under 5 KB): school and its phone, moves, attendance, marks."""
        return etag_response(service.brief(current_principal(), student_key), BriefSchema)
