"""Manual-add report schemas: explicit allow-lists (no student identifier)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.fields import Text, UTCDateTimeField
from api.manual_adds.service import STATES
from api.shared_schemas import PaginationArgsSchema


class ManualAddArgsSchema(PaginationArgsSchema):
    """Query arguments of the report."""

    LIMIT_DEFAULT = 100
    LIMIT_MAX = 500

    state = Text(load_default=None, validate=validate.OneOf(STATES),
                          metadata={"description": f"only adds in this state: {', '.join(STATES)}"})


class ManualAddSchema(Schema):
    """One manual add: who, when, why, how old and where its review stands."""

    add_id = fields.Integer(required=True)
    worker_id = fields.Integer(required=True)
    worker_email = fields.String(required=True)
    state = fields.String(allow_none=True, required=True,
                          metadata={"description": "effective state: a pending add past its expiry is lapsed"})
    flagged = fields.Boolean(required=True, metadata={"description": "added without a DCFS assignment"})
    reason = fields.String(allow_none=True, required=True)
    added_at = UTCDateTimeField(required=True)
    age_days = fields.Integer(required=True, metadata={"description": "Los Angeles days since the add"})
    expires_at = UTCDateTimeField(allow_none=True, required=True)
    removed_at = UTCDateTimeField(allow_none=True, required=True)
    reviewed_by = fields.Integer(allow_none=True, required=True)
    reviewer_email = fields.String(allow_none=True, required=True)
    reviewed_at = UTCDateTimeField(allow_none=True, required=True)


class ManualAddPageSchema(Schema):
    """A page of the report, newest add first."""

    items = fields.List(fields.Nested(ManualAddSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)
