"""Request and response schemas of the student routes: explicit allow-lists, nothing else leaves.

Every response schema rejects unknown keys (``additionalProperties: false`` in the OpenAPI
document), so a field added to a payload by mistake fails the schema-conformance tests.
"""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate

from api.fields import STUDENT_KEY_EXAMPLE, Text
from api.record_schemas import (  # noqa: F401 (the record tabs' schemas, shared with the caseload sync)
    AttendanceSchema,
    AttendanceYearSchema,
    CourseMarkSchema,
    DemographicsSchema,
    EnrollmentSchema,
    EnrollmentsSchema,
    MobilitySchema,
    ProgressReportSchema,
    ProgressReportsSchema,
    SchoolSchema,
)
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
