"""Issue report request and response bodies."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from api.fields import (
    Text,
    UTCDateTimeField,
    app_version_field,
    free_text_field,
    platform_field,
    screen_field,
    ssid_field,
    student_key_field,
)
from api.shared_schemas import PaginationArgsSchema
from mobile_service.data_quality import IDENTIFIER_REFUSED, contains_identifier
from mobile_service.pilot.domain import (
    DATA_QUALITY_KINDS,
    DATA_QUALITY_OUTCOMES,
    DATA_QUALITY_STUDENTS,
    DESCRIPTION_MAX,
    ISSUE_KINDS,
)
from mobile_service.requestlog import REQUEST_ID_RE


class IssueCreateSchema(Schema):
    """A problem (something failed), wrong data (a record looks wrong) or a data-quality report.

    ``duplicate_ssid`` (two students under one SSID: the record, and the other child's if found)
    and ``multiple_ssids`` (one student under two SSIDs: both records) name the students by
    ``student_keys`` from the caller's caseload or search results, never by SSID; their
    description must not contain an SSID or a date (of birth).
    """

    kind = Text(required=True, validate=validate.OneOf(ISSUE_KINDS))
    description = free_text_field(1, DESCRIPTION_MAX, required=True)
    request_id = Text(
        strict=True, load_default=None, allow_none=True,
        validate=validate.Regexp(REQUEST_ID_RE, error="Must be the X-Request-ID of the failing call."),
        metadata={"description": "X-Request-ID (or problem `request_id`) of the failing call"},
    )
    ssid = ssid_field(load_default=None, allow_none=True)
    student_keys = fields.List(
        student_key_field(), load_default=None, allow_none=True, validate=validate.Length(min=1, max=2),
        metadata={"description": "duplicate_ssid (1-2) and multiple_ssids (2) only: the students' opaque keys, "
                                 "each in my scope or shown to me by an exact lookup in the last hours"})
    screen = screen_field(allow_none=True)
    app_version = app_version_field(allow_none=True)
    platform = platform_field(allow_none=True)

    @validates_schema
    def _data_quality_rules(self, data: dict, **_: object) -> None:
        kind, keys = data.get("kind"), data.get("student_keys")
        if kind not in DATA_QUALITY_KINDS:
            if keys is not None:
                raise ValidationError("Only duplicate_ssid and multiple_ssids reports name students by key.",
                                      "student_keys")
            return
        errors: dict[str, list[str]] = {}
        if data.get("ssid") is not None:
            errors["ssid"] = ["Name the students by their keys, never by SSID."]
        fewest, most = DATA_QUALITY_STUDENTS[kind]
        if not keys or not fewest <= len(set(keys)) <= most or len(set(keys)) != len(keys):
            errors["student_keys"] = [f"A {kind} report names {fewest if fewest == most else f'{fewest} to {most}'} "
                                      "different students by key."]
        if contains_identifier(data.get("description")):
            errors["description"] = [IDENTIFIER_REFUSED]
        if errors:
            raise ValidationError(errors)


class IssueSchema(Schema):
    """An issue report as its reporter sees it (the student, if any, is not echoed back)."""

    id = fields.Integer()
    created_at = UTCDateTimeField()
    kind = fields.String()
    description = fields.String()
    request_id = fields.String(allow_none=True)
    screen = fields.String(allow_none=True)
    app_version = fields.String(allow_none=True)
    platform = fields.String(allow_none=True)
    status = fields.String()
    status_note = fields.String(allow_none=True)
    status_changed_at = UTCDateTimeField(allow_none=True)
    outcome = fields.String(allow_none=True, validate=validate.OneOf(DATA_QUALITY_OUTCOMES), metadata={
        "description": "Data-quality reports: the EPS support steward's outcome (its note is `status_note`)"})
    concerns_student_record = fields.Method("_concerns", metadata={"description": "Whether it names a student"})

    def _concerns(self, obj) -> bool:
        return concerns_student(obj)


def concerns_student(issue) -> bool:
    """Whether an issue report names a student (a wrong-data report's one, a data-quality report's)."""
    return issue.student_id is not None or issue.kind in DATA_QUALITY_KINDS


class IssueArgsSchema(PaginationArgsSchema):
    """Paging of my reports."""

    LIMIT_DEFAULT = 25
    LIMIT_MAX = 100


class IssuePageSchema(Schema):
    """A page of issue reports, newest first."""

    items = fields.List(fields.Nested(IssueSchema))
    next_cursor = fields.String(allow_none=True)
