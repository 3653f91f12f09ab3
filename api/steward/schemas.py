"""Steward queue request and response bodies: explicit allow-lists."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates

from api.fields import STUDENT_KEY_EXAMPLE, Text, UTCDateTimeField, free_text_field
from api.shared_schemas import PaginationArgsSchema
from mobile_service.data_quality import IDENTIFIER_REFUSED, contains_identifier
from mobile_service.pilot.domain import DATA_QUALITY_KINDS, DATA_QUALITY_OUTCOMES, NOTE_MAX

QUEUE_STATUSES = ("open", "resolved", "all")


class QueueArgsSchema(PaginationArgsSchema):
    """Which reports of the queue to list."""

    LIMIT_DEFAULT = 50
    LIMIT_MAX = 100

    status = Text(strict=True, load_default="open", validate=validate.OneOf(QUEUE_STATUSES),
                  metadata={"description": "open (default: new, triaged, in progress), resolved, or all"})


class StewardReporterSchema(Schema):
    """Who sent the report (registry data, for follow-up)."""

    display_name = fields.String(required=True)
    office = fields.String(allow_none=True, required=True)
    role = fields.String(required=True)


class QueueItemSchema(Schema):
    """A report in the queue: no student data (the cards are on the report itself)."""

    id = fields.Integer(required=True)
    created_at = UTCDateTimeField(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(DATA_QUALITY_KINDS))
    status = fields.String(required=True)
    students_named = fields.Integer(required=True)
    outcome = fields.String(allow_none=True, required=True, validate=validate.OneOf(DATA_QUALITY_OUTCOMES))
    status_changed_at = UTCDateTimeField(allow_none=True, required=True)
    reporter = fields.Nested(StewardReporterSchema, required=True)


class QueuePageSchema(Schema):
    """A page of the queue, oldest first (first come, first served)."""

    items = fields.List(fields.Nested(QueueItemSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class IdentificationCardSchema(Schema):
    """What a data steward needs to tell two records apart."""

    student_key = fields.String(required=True, metadata={"example": STUDENT_KEY_EXAMPLE})
    ssid = fields.String(required=True)
    other_ssids = fields.List(fields.String(), required=True, metadata={"description": "retired or replaced SSIDs"})
    legal_first_name = fields.String(required=True)
    legal_middle_name = fields.String(allow_none=True, required=True)
    legal_last_name = fields.String(required=True)
    alias_first_name = fields.String(allow_none=True, required=True)
    alias_last_name = fields.String(allow_none=True, required=True)
    birth_date = fields.Date(required=True)
    gender_code = fields.String(allow_none=True, required=True)
    foster_status = fields.String(required=True)
    school_name = fields.String(allow_none=True, required=True)
    district_name = fields.String(allow_none=True, required=True)
    grade_level = fields.String(allow_none=True, required=True)


class StewardReportSchema(QueueItemSchema):
    """One report: the reporter's words and, while it is open, the named students' cards."""

    description = fields.String(required=True)
    screen = fields.String(allow_none=True, required=True)
    app_version = fields.String(allow_none=True, required=True)
    status_note = fields.String(allow_none=True, required=True, metadata={"description": "note to the reporter"})
    students = fields.List(fields.Nested(IdentificationCardSchema), required=True, metadata={
        "description": "Identification cards, in the reporter's order, while the report is open (each view "
                       "is audited per child); empty once resolved"})


class ResolveSchema(Schema):
    """Resolve a report with an outcome and a note the reporter sees (no SSIDs or dates in it)."""

    outcome = Text(strict=True, required=True, validate=validate.OneOf(DATA_QUALITY_OUTCOMES),
                   metadata={"description": "merged, corrected_at_source or not_a_duplicate"})
    note = free_text_field(1, NOTE_MAX, required=True)

    @validates("note")
    def _no_identifiers(self, value: str, **_: object) -> None:
        if contains_identifier(value):
            raise ValidationError(IDENTIFIER_REFUSED)
