"""Access-history schemas: explicit allow-lists."""
from __future__ import annotations

from marshmallow import Schema, fields

from api.plumbing import PaginationArgsSchema, UTCDateTime


class AccessHistoryArgsSchema(PaginationArgsSchema):
    """Query arguments of a student's access history."""

    LIMIT_DEFAULT = 50
    LIMIT_MAX = 200

    since = fields.Date(load_default=None, metadata={"description": "only events on or after this date (Los Angeles)"})


class AccessEventSchema(Schema):
    """One access to the student's record: who, when, what, on what basis."""

    occurred_at = UTCDateTime(required=True)
    user_id = fields.Integer(allow_none=True, required=True)
    user_display_name = fields.String(allow_none=True, required=True)
    user_email = fields.String(allow_none=True, required=True)
    role = fields.String(allow_none=True, required=True, metadata={"description": "role at the time"})
    action = fields.String(required=True)
    action_description = fields.String(required=True)
    basis = fields.String(allow_none=True, required=True,
                          metadata={"description": "caseload, dcfs_assignment, supervision, exact_lookup, ..."})
    endpoint = fields.String(allow_none=True, required=True)
    request_id = fields.String(allow_none=True, required=True)
    details = fields.Dict(allow_none=True, required=True)


class AccessHistoryPageSchema(Schema):
    """A page of a student's access history, newest first."""

    ssid = fields.String(required=True)
    items = fields.List(fields.Nested(AccessEventSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)
