"""Supervisee schemas: explicit allow-lists."""
from __future__ import annotations

from marshmallow import Schema, fields

from api.caseload.schemas import CaseloadArgsSchema
from api.plumbing import PaginationArgsSchema


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
