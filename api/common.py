"""Schemas and helpers shared by every resource: the problem document, pagination."""
from __future__ import annotations

from marshmallow import Schema, fields


class ProblemSchema(Schema):
    """RFC 9457 problem details, as every error of the API is rendered."""

    type = fields.String(required=True, metadata={"description": "Stable URI naming the kind of problem"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    request_id = fields.String(allow_none=True, metadata={"description": "Also in X-Request-ID and the logs"})
    errors = fields.Dict(metadata={"description": "Validation errors by location and field"})
