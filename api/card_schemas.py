"""The caseload card, shared by the own caseload (``api/caseload``) and an SCSW's view of a
supervisee's caseload (``api/supervisees``): explicit allow-lists."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.fields import STUDENT_KEY_EXAMPLE, UTCDateTimeField
from api.shared_schemas import FreshnessSchema, PaginationArgsSchema
from mobile_service.education import ALERTS


class CaseloadArgsSchema(PaginationArgsSchema):
    """Query arguments of a caseload list (caseloads are ~15-100 students)."""

    LIMIT_DEFAULT = 100
    LIMIT_MAX = 200


class SchoolBriefSchema(Schema):
    """The student's current school."""

    cds_code = fields.String(required=True)
    name = fields.String(required=True)
    district_name = fields.String(required=True)


class AttendanceBriefSchema(Schema):
    """Attendance this school year: days summed over the year's schools, the chronic flag per school."""

    academic_year = fields.String(required=True, metadata={"example": "2026-27"})
    attendance_rate = fields.Float(allow_none=True, required=True,
                                   metadata={"description": "days attended / days expected, 0..1"})
    days_absent = fields.Integer(required=True)
    days_expected = fields.Integer(required=True)
    chronically_absent = fields.Boolean(
        required=True, metadata={"description": "absent >= 10% of expected days at one of this year's schools, "
                                                "counting only schools with more than 30 expected days"})


class ProgressBriefSchema(Schema):
    """The latest progress report: term, GPA (A=4..F=0, letter marks only) and D/F count."""

    academic_year = fields.String(required=True)
    term = fields.String(required=True)
    report_date = fields.Date(required=True)
    gpa = fields.Float(allow_none=True, required=True)
    df_count = fields.Integer(required=True, metadata={"description": "Number of D and F marks"})


class CaseloadCardSchema(Schema):
    """One student on a caseload: the phone's first screen."""

    student_key = fields.String(required=True, metadata={
        "description": "Opaque key for the record paths and caseload removal", "example": STUDENT_KEY_EXAMPLE})
    ssid = fields.String(required=True)
    first_name = fields.String(required=True, metadata={"description": "legal first name"})
    last_name = fields.String(required=True, metadata={"description": "legal last name"})
    preferred_first_name = fields.String(allow_none=True, required=True, metadata={"description": "alias name"})
    age = fields.Integer(allow_none=True, required=True)
    grade = fields.String(allow_none=True, required=True)
    school = fields.Nested(SchoolBriefSchema, allow_none=True, required=True)
    enrollment_start = fields.Date(allow_none=True, required=True,
                                   metadata={"description": "start of the continuous stay at the current school"})
    days_since_school_change = fields.Integer(allow_none=True, required=True)
    school_changes_this_year = fields.Integer(
        required=True, metadata={"description": "moves between schools within this school year (July-June); "
                                                "promotions (E230) and short-term/summer enrollments are not moves"})
    attendance = fields.Nested(AttendanceBriefSchema, allow_none=True, required=True)
    latest_progress_report = fields.Nested(ProgressBriefSchema, allow_none=True, required=True)
    assigned_in_dcfs_feed = fields.Boolean(required=True)
    added_at = UTCDateTimeField(allow_none=True, required=True,
                           metadata={"description": "when the worker added the student; null for feed-only"})
    alerts = fields.List(fields.String(validate=validate.OneOf(ALERTS)), required=True,
                         metadata={"description": f"any of {', '.join(ALERTS)}"})


class SupervisedCardSchema(CaseloadCardSchema):
    """A card in an SCSW's read-only view of a supervisee's caseload: adds show flag and reason."""

    flagged = fields.Boolean(required=True, metadata={"description": "added without a DCFS assignment"})
    added_reason = fields.String(allow_none=True, required=True)


class CaseloadPageSchema(Schema):
    """A page of caseload cards."""

    items = fields.List(fields.Nested(CaseloadCardSchema), required=True)
    total = fields.Integer(required=True, metadata={"description": "students on the caseload (all pages)"})
    next_cursor = fields.String(allow_none=True, required=True)
    freshness = fields.Nested(FreshnessSchema, required=True)


class SupervisedCaseloadPageSchema(CaseloadPageSchema):
    """A page of a supervisee's caseload, with the worker it belongs to."""

    worker_id = fields.Integer(required=True)
    items = fields.List(fields.Nested(SupervisedCardSchema), required=True)
