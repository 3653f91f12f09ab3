"""The four record tabs' schemas, shared by the record routes (``api/students``) and the caseload
sync (``api/caseload``), which carries the same tabs without their per-tab freshness."""
from __future__ import annotations

from marshmallow import Schema, fields

from api.shared_schemas import FreshnessSchema, RightsHolderSchema


class SchoolSchema(Schema):
    """The school of the current enrollment."""

    name = fields.String(required=True)
    district_name = fields.String(required=True)
    cds_code = fields.String(required=True)
    address = fields.String(required=True, allow_none=True)
    city = fields.String(required=True, allow_none=True)
    zip = fields.String(required=True, allow_none=True)
    phone = fields.String(required=True, allow_none=True)


class DemographicsSchema(Schema):
    """Who the child is and where they go to school now."""

    ssid = fields.String(required=True)
    retired_ssids = fields.List(fields.String(), required=True)
    legal_first_name = fields.String(required=True)
    legal_middle_name = fields.String(required=True, allow_none=True)
    legal_last_name = fields.String(required=True)
    alias_first_name = fields.String(required=True, allow_none=True)
    alias_last_name = fields.String(required=True, allow_none=True)
    birth_date = fields.Date(required=True)
    age = fields.Integer(required=True)
    gender_code = fields.String(required=True, allow_none=True)
    primary_language = fields.String(required=True, allow_none=True)
    foster_status = fields.String(required=True)
    case_type = fields.String(required=True, allow_none=True)
    homeless = fields.Boolean(required=True)
    education_rights_holder = fields.String(required=True, allow_none=True, metadata={
        "description": "The holder's name (kept for older apps; the whole holder is in rights_holder)"})
    rights_holder = fields.Nested(RightsHolderSchema, required=True, allow_none=True, metadata={
        "description": "The education rights holder in full; null when the DCFS feed names nobody"})
    current_school = fields.Nested(SchoolSchema, required=True, allow_none=True)
    grade_level = fields.String(required=True, allow_none=True)
    on_my_caseload = fields.Boolean(required=True)
    access_basis = fields.String(required=True, metadata={
        "description": "Why you may see this record: caseload, dcfs_assignment or supervision"})
    freshness = fields.Nested(FreshnessSchema, required=True)


class EnrollmentSchema(Schema):
    """One enrollment span."""

    school_name = fields.String(required=True)
    district_name = fields.String(required=True)
    cds_code = fields.String(required=True)
    academic_year = fields.String(required=True)
    enrollment_status = fields.String(required=True)
    enrollment_status_label = fields.String(required=True, allow_none=True)
    grade_level = fields.String(required=True)
    start_date = fields.Date(required=True)
    exit_date = fields.Date(required=True, allow_none=True)
    exit_reason_code = fields.String(required=True, allow_none=True)
    exit_reason_label = fields.String(required=True, allow_none=True)


class MobilitySchema(Schema):
    """School stability this school year: moves between schools within the year (July-June).

    Not moves: returning to the same school (E155, E150), promotions (E230), short-term or summer
    (status 30) enrollments, and a new school in a later school year.
    """

    school_changes_this_year = fields.Integer(required=True)
    days_since_school_change = fields.Integer(required=True, allow_none=True,
                                              metadata={"description": "days since the latest move; null without"})
    schools_this_year = fields.Integer(required=True, metadata={"description": "schools of primary enrollment"})


class EnrollmentsSchema(Schema):
    """Enrollment history, newest first, with mobility figures."""

    ssid = fields.String(required=True)
    enrollments = fields.List(fields.Nested(EnrollmentSchema), required=True)
    mobility = fields.Nested(MobilitySchema, required=True)
    freshness = fields.Nested(FreshnessSchema, required=True)


class AttendanceYearSchema(Schema):
    """Attendance at one school in one school year, as of a date."""

    academic_year = fields.String(required=True)
    school_name = fields.String(required=True)
    cds_code = fields.String(required=True)
    as_of_date = fields.Date(required=True)
    days_expected = fields.Integer(required=True)
    days_attended = fields.Integer(required=True)
    days_absent = fields.Integer(required=True)
    days_absent_excused = fields.Integer(required=True)
    days_absent_unexcused = fields.Integer(required=True)
    days_suspended_out = fields.Integer(required=True)
    days_suspended_in = fields.Integer(required=True)
    days_incomplete_study = fields.Integer(required=True)
    attendance_rate = fields.Float(required=True, allow_none=True,
                                   metadata={"description": "days attended / days expected, 0..1"})
    chronically_absent = fields.Boolean(required=True,
                                        metadata={"description": "absent >= 10% of expected days, "
                                                                   "more than 30 expected days at the school"})


class AttendanceSchema(Schema):
    """Attendance per school year and school, newest year first."""

    ssid = fields.String(required=True)
    years = fields.List(fields.Nested(AttendanceYearSchema), required=True)
    freshness = fields.Nested(FreshnessSchema, required=True)


class CourseMarkSchema(Schema):
    """One course on a progress report."""

    course_code = fields.String(required=True)
    course_title = fields.String(required=True)
    mark = fields.String(required=True)
    credits_attempted = fields.Float(required=True, allow_none=True)
    credits_earned = fields.Float(required=True, allow_none=True)


class ProgressReportSchema(Schema):
    """One term's progress report."""

    school_name = fields.String(required=True)
    academic_year = fields.String(required=True)
    term = fields.String(required=True)
    report_date = fields.Date(required=True)
    courses = fields.List(fields.Nested(CourseMarkSchema), required=True)
    gpa = fields.Float(required=True, allow_none=True, metadata={"description": "Unweighted, 4-point scale"})
    df_count = fields.Integer(required=True, metadata={"description": "Number of D and F marks"})


class ProgressReportsSchema(Schema):
    """Progress reports per term, newest first."""

    ssid = fields.String(required=True)
    reports = fields.List(fields.Nested(ProgressReportSchema), required=True)
    freshness = fields.Nested(FreshnessSchema, required=True)
