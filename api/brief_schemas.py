"""The pre-visit brief (``mobile_service.brief``), shared by the record route (``api/students``)
and the caseload sync payload: explicit allow-lists, under 5 KB for any record."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.fields import STUDENT_KEY_EXAMPLE
from api.shared_schemas import FreshnessSchema, RightsHolderSchema
from mobile_service.education import ALERTS


class BriefSchoolSchema(Schema):
    """The current school of record, with the contact a worker calls from the door."""

    name = fields.String(required=True)
    district_name = fields.String(required=True)
    cds_code = fields.String(required=True)
    phone = fields.String(allow_none=True, required=True, metadata={"description": "CDE school directory"})
    address = fields.String(allow_none=True, required=True)
    city = fields.String(allow_none=True, required=True)
    zip = fields.String(allow_none=True, required=True)
    since = fields.Date(allow_none=True, required=True,
                        metadata={"description": "start of the continuous stay at this school"})
    days_at_school = fields.Integer(allow_none=True, required=True,
                                    metadata={"description": "calendar days since `since`"})


class BriefMoveSchema(Schema):
    """One school change this school year."""

    date = fields.Date(required=True, metadata={"description": "start date at the new school"})
    from_school = fields.String(required=True)
    to_school = fields.String(required=True)


class BriefChangesSchema(Schema):
    """School changes within this school year (July-June), newest first."""

    academic_year = fields.String(required=True, metadata={"example": "2026-27"})
    count = fields.Integer(required=True, metadata={
        "description": "moves between schools this school year; promotions (E230), summer/short-term stays and "
                       "returns to the same school are not moves"})
    moves = fields.List(fields.Nested(BriefMoveSchema), required=True,
                        metadata={"description": "the newest moves (at most 6; `count` is the whole year)"})


class BriefRecentSchema(Schema):
    """Attendance over the most recent school days (at most 30)."""

    school_days = fields.Integer(required=True, metadata={"description": "school days the figure covers (1-30)"})
    days_absent = fields.Integer(required=True)
    attendance_rate = fields.Float(allow_none=True, required=True)


class BriefAttendanceSchema(Schema):
    """Attendance this school year, summed over its schools; the chronic flag per school."""

    academic_year = fields.String(required=True)
    as_of_date = fields.Date(required=True, metadata={"description": "the newest date the counts run to"})
    days_expected = fields.Integer(required=True)
    days_absent = fields.Integer(required=True)
    attendance_rate = fields.Float(allow_none=True, required=True,
                                   metadata={"description": "days attended / days expected, 0..1"})
    chronically_absent = fields.Boolean(
        required=True, metadata={"description": "absent >= 10% of expected days at one of this year's schools, "
                                                "counting only schools with more than 30 expected days"})
    last_30_school_days = fields.Nested(BriefRecentSchema, allow_none=True, required=True, metadata={
        "description": "only where the data allows: the feed is year-to-date per school, so this is the current "
                       "school's figure when the stay there is 30 school days or fewer; otherwise null"})


class BriefCourseSchema(Schema):
    """One mark of the latest term."""

    title = fields.String(required=True)
    mark = fields.String(required=True)
    credits_earned = fields.Float(allow_none=True, required=True)


class BriefTermSchema(Schema):
    """The latest progress report."""

    academic_year = fields.String(required=True)
    term = fields.String(required=True)
    report_date = fields.Date(required=True)
    school_name = fields.String(required=True)
    gpa = fields.Float(allow_none=True, required=True, metadata={"description": "A=4..F=0, letter marks only"})
    df_count = fields.Integer(required=True, metadata={"description": "number of D and F marks"})
    credits_attempted = fields.Float(allow_none=True, required=True)
    credits_earned = fields.Float(allow_none=True, required=True)
    course_count = fields.Integer(required=True)
    courses = fields.List(fields.Nested(BriefCourseSchema), required=True,
                          metadata={"description": "D/F marks first, at most 12 (`course_count` is the whole term)"})


class BriefSchema(Schema):
    """Everything a worker needs at the door, in one call (under 5 KB)."""

    student_key = fields.String(required=True, metadata={"example": STUDENT_KEY_EXAMPLE})
    first_name = fields.String(required=True, metadata={"description": "legal first name"})
    last_name = fields.String(required=True, metadata={"description": "legal last name"})
    preferred_first_name = fields.String(allow_none=True, required=True, metadata={"description": "alias name"})
    age = fields.Integer(allow_none=True, required=True)
    grade = fields.String(allow_none=True, required=True)
    school = fields.Nested(BriefSchoolSchema, allow_none=True, required=True)
    awaiting_next_school = fields.Boolean(required=True, metadata={
        "description": "no current school, but promoted (E230/480) and between schools until Census Day"})
    school_changes = fields.Nested(BriefChangesSchema, required=True)
    attendance = fields.Nested(BriefAttendanceSchema, allow_none=True, required=True)
    latest_term = fields.Nested(BriefTermSchema, allow_none=True, required=True)
    rights_holder = fields.Nested(RightsHolderSchema, allow_none=True, required=True)
    alerts = fields.List(fields.String(validate=validate.OneOf(ALERTS)), required=True,
                         metadata={"description": f"open alerts: any of {', '.join(ALERTS)}"})
    freshness = fields.Nested(FreshnessSchema, required=True)
