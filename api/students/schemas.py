"""Request and response schemas of the student routes: explicit allow-lists, nothing else leaves.

Every response schema rejects unknown keys (``additionalProperties: false`` in the OpenAPI
document), so a field added to a payload by mistake fails the schema-conformance tests.
"""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate

from api.fields import STUDENT_KEY_EXAMPLE, Text
from api.shared_schemas import FreshnessSchema, RightsHolderSchema
from api.students.search import (
    DEFAULT_LIMIT,
    MAX_FIELD_LENGTH,
    MAX_LIMIT,
    SearchInputError,
    SearchValidationError,
    build_criteria,
    name_words,
    parse_dob,
    parse_ssid,
)
from mobile_service.identifiers import SSID_PART_OPENAPI_PATTERN
from mobile_service.scoping import SEARCH_RULE_EXACT, SEARCH_RULE_SCOPE, SEARCH_RULES

NAME_HELP = ("Words of at least 2 letters; each must match the start of a part of a legal or alias "
             "name (case- and accent-insensitive). Punctuation and wildcard characters are not patterns.")


def _rule(parse):
    """A field validator applying one of the search input rules (so every bad field is reported)."""
    def check(value: str) -> None:
        try:
            parse(value)
        except SearchInputError as exc:
            raise ValidationError(str(exc)) from exc
    return check


def _text(description: str, **kwargs: Any) -> fields.String:
    return Text(strict=True, validate=[validate.Length(min=1, max=MAX_FIELD_LENGTH), _rule(name_words)],
                metadata={"description": description, **kwargs})


class SearchRequestSchema(Schema):
    """Search criteria (JSON body so names and birth dates never appear in URLs or logs)."""

    ssid = Text(
        strict=True, validate=[validate.Regexp(SSID_PART_OPENAPI_PATTERN, error="Must be 4 to 10 digits (0-9 only)."), _rule(parse_ssid)],
        metadata={"description": "4-10 digits of a current or retired SSID; 10 digits is an exact match. "
                                 "A full SSID with last_name or dob is the exact lookup (outside your scope "
                                 "too); alone it searches your scope only.", "example": "40000012"})
    name = _text("Any part of the first or last name (legal or alias). " + NAME_HELP, example="mar gar")
    first_name = _text("Narrows to first names (legal or alias). " + NAME_HELP, example="Maria")
    last_name = _text("Narrows to last names (legal or alias). " + NAME_HELP, example="Garcia")
    dob = Text(
        strict=True, validate=[validate.Regexp(r"^([0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{1,2}/[0-9]{1,2}/[0-9]{4})$",
                                  error="Must be a date as YYYY-MM-DD or MM/DD/YYYY."), _rule(parse_dob)],
        metadata={"description": "Exact date of birth, YYYY-MM-DD (MM/DD/YYYY also accepted). With first_name "
                                 "and last_name given in full, or with a full ssid, it is the exact lookup: "
                                 "students outside your scope are found too, as reduced cards.",
                  "example": "2012-03-04"})
    limit = fields.Integer(
        load_default=DEFAULT_LIMIT, strict=True, validate=validate.Range(min=1, max=MAX_LIMIT),
        metadata={"description": f"Maximum results (default {DEFAULT_LIMIT}, at most {MAX_LIMIT}; more is a 422)."})

    @post_load
    def _criteria(self, data: dict, **_: Any):
        try:
            return build_criteria(**data)
        except SearchValidationError as exc:
            raise ValidationError(exc.errors) from exc


class SearchCardSchema(Schema):
    """A minimal identification card: enough to tell children apart, nothing of their record.

    In scope (``in_scope: true``): the full card. Outside the scope (found only by the exact
    lookup, ``in_scope: false``): the reduced card, without ``ssid``, ``grade_level`` and
    ``on_my_caseload``; add the student with ``POST /api/v1/caseload {"student_key", "reason"}``.
    """

    student_key = fields.String(required=True, metadata={
        "description": "Opaque key for the record paths and caseload add/remove", "example": STUDENT_KEY_EXAMPLE})
    in_scope = fields.Boolean(required=True, metadata={
        "description": "True: a student you may see (full card). False: found only by the exact lookup "
                       "(reduced card: no SSID, grade or district)."})
    legal_first_name = fields.String(required=True)
    legal_last_name = fields.String(required=True)
    birth_date = fields.Date(required=True)
    school_name = fields.String(required=True, allow_none=True, metadata={"description": "Current school"})
    ssid = fields.String(metadata={"description": "Current SSID (full cards only)", "example": "4000000001"})
    grade_level = fields.String(allow_none=True, metadata={"description": "Current grade (full cards only)"})
    on_my_caseload = fields.Boolean(metadata={"description": "On my own caseload list (full cards only)"})


FULL_CARD_EXAMPLE = {"student_key": STUDENT_KEY_EXAMPLE, "in_scope": True, "legal_first_name": "María",
                     "legal_last_name": "García", "birth_date": "2012-03-04", "school_name": "Garey High",
                     "ssid": "4000000001", "grade_level": "07", "on_my_caseload": True}
REDUCED_CARD_EXAMPLE = {"student_key": "Zk81pQ0rT6yWm3nB5vC2xA", "in_scope": False, "legal_first_name": "María",
                        "legal_last_name": "García", "birth_date": "2012-03-04", "school_name": "Emerson Middle"}
# An exact lookup (first + last name + birth date) with one card in scope and one outside it.
SEARCH_EXAMPLE = {"results": [FULL_CARD_EXAMPLE, REDUCED_CARD_EXAMPLE], "count": 2, "limit": 25,
                  "rule": SEARCH_RULE_EXACT}


class SearchResponseSchema(Schema):
    """Ranked search results: exact SSID, exact name, then prefix matches."""

    results = fields.List(fields.Nested(SearchCardSchema), required=True)
    count = fields.Integer(required=True)
    limit = fields.Integer(required=True)
    rule = fields.String(
        required=True, validate=validate.OneOf(SEARCH_RULES),
        metadata={"description": "Which rule answered: `scope` (a partial search: only students in your scope, "
                                 "full cards) or `exact_lookup` (exact first name + last name + birth date, or a "
                                 "full SSID with the last name or the birth date: students outside your scope "
                                 "too, as reduced cards).", "example": SEARCH_RULE_SCOPE})


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
