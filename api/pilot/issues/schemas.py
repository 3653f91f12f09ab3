"""Issue report request and response bodies."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.fields import (
    Text,
    UTCDateTimeField,
    app_version_field,
    free_text_field,
    platform_field,
    screen_field,
    ssid_field,
)
from api.shared_schemas import PaginationArgsSchema
from mobile_service.pilot.domain import DESCRIPTION_MAX, ISSUE_KINDS
from mobile_service.requestlog import REQUEST_ID_RE


class IssueCreateSchema(Schema):
    """A problem (something failed) or wrong data (a record looks wrong)."""

    kind = Text(required=True, validate=validate.OneOf(ISSUE_KINDS))
    description = free_text_field(1, DESCRIPTION_MAX, required=True)
    request_id = Text(
        strict=True, load_default=None, allow_none=True,
        validate=validate.Regexp(REQUEST_ID_RE, error="Must be the X-Request-ID of the failing call."),
        metadata={"description": "X-Request-ID (or problem `request_id`) of the failing call"},
    )
    ssid = ssid_field(load_default=None, allow_none=True)
    screen = screen_field(allow_none=True)
    app_version = app_version_field(allow_none=True)
    platform = platform_field(allow_none=True)


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
    concerns_student_record = fields.Method("_concerns", metadata={"description": "Whether it names a student"})

    def _concerns(self, obj) -> bool:
        return obj.student_id is not None


class IssueArgsSchema(PaginationArgsSchema):
    """Paging of my reports."""

    LIMIT_DEFAULT = 25
    LIMIT_MAX = 100


class IssuePageSchema(Schema):
    """A page of issue reports, newest first."""

    items = fields.List(fields.Nested(IssueSchema))
    next_cursor = fields.String(allow_none=True)
