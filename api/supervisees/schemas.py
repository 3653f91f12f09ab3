"""Supervisee schemas: explicit allow-lists."""
from __future__ import annotations

from marshmallow import Schema, fields

from api.card_schemas import CaseloadArgsSchema
from api.fields import UTCDateTimeField, free_text_field
from api.shared_schemas import PaginationArgsSchema

REVIEW_NOTE_MIN, REVIEW_NOTE_MAX = 1, 500


class SuperviseeArgsSchema(PaginationArgsSchema):
    """Query arguments of the supervisee list."""

    LIMIT_DEFAULT = 50
    LIMIT_MAX = 100


class SuperviseeCaseloadArgsSchema(CaseloadArgsSchema):
    """Query arguments of a supervisee's caseload."""


class SuperviseeSchema(Schema):
    """A CSW under my active supervision."""

    user_id = fields.Integer(required=True)
    display_name = fields.String(required=True)
    email = fields.String(required=True)
    office = fields.String(allow_none=True, required=True)
    supervision_start = fields.Date(required=True)
    caseload_size = fields.Integer(required=True)
    flagged_adds = fields.Integer(required=True,
                                  metadata={"description": "open adds of students not assigned in the DCFS feed"})


class SuperviseePageSchema(Schema):
    """A page of supervisees."""

    items = fields.List(fields.Nested(SuperviseeSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class PendingAddArgsSchema(PaginationArgsSchema):
    """Query arguments of the review queue."""

    LIMIT_DEFAULT = 50
    LIMIT_MAX = 100


class PendingAddWorkerSchema(Schema):
    """The worker who made the add."""

    user_id = fields.Integer(required=True)
    display_name = fields.String(required=True)
    email = fields.String(required=True)


class PendingAddStudentSchema(Schema):
    """No more of the student than a reviewer needs to recognise them: no SSID, grade or district."""

    first_name = fields.String(required=True, metadata={"description": "legal first name"})
    last_name = fields.String(required=True, metadata={"description": "legal last name"})
    birth_date = fields.Date(required=True)
    school_name = fields.String(allow_none=True, required=True, metadata={"description": "current school"})


class PendingAddSchema(Schema):
    """A manual add awaiting review: it lapses at ``expires_at`` unless approved."""

    add_id = fields.Integer(required=True, metadata={"description": "the add (not a student identifier)"})
    worker = fields.Nested(PendingAddWorkerSchema, required=True)
    student = fields.Nested(PendingAddStudentSchema, required=True)
    reason = fields.String(allow_none=True, required=True)
    added_at = UTCDateTimeField(required=True)
    expires_at = UTCDateTimeField(required=True)
    days_left = fields.Integer(required=True,
                               metadata={"description": "Los Angeles days until the expiry day (0 on the last day)"})


class PendingAddPageSchema(Schema):
    """A page of the review queue, soonest to lapse first."""

    items = fields.List(fields.Nested(PendingAddSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class ReviewSchema(Schema):
    """Optional body of an approval or denial."""

    note = free_text_field(REVIEW_NOTE_MIN, REVIEW_NOTE_MAX, load_default=None,
                           metadata={"description": "kept with the add; the audit records only whether one was given"})


class ReviewResultSchema(Schema):
    """The add after the decision."""

    add_id = fields.Integer(required=True)
    review_state = fields.String(required=True, metadata={"description": "approved or denied"})
    reviewed_at = UTCDateTimeField(required=True)
