"""Schemas every resource shares: the problem document, the freshness stamp, paging arguments, the rights holder."""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, post_load, validate

from api.fields import Text, UTCDateTimeField


class ProblemSchema(Schema):
    """RFC 9457 problem details, as every error of the API is rendered."""

    type = fields.String(required=True, metadata={"description": "Stable URI naming the kind of problem",
                                                  "example": "https://mobile.eps.lacoe.edu/problems/not-found"})
    title = fields.String(required=True, metadata={"example": "Not found"})
    status = fields.Integer(required=True, metadata={"example": 404})
    detail = fields.String(required=True, metadata={"example": "No such resource, or it is outside your access."})
    request_id = fields.String(allow_none=True, metadata={"description": "Also in X-Request-ID and the logs",
                                                          "example": "4831f0578d284e0e9dce930dca4f6de0"})
    code = fields.String(metadata={"description": "A stable reason within the status: session_ended (401: wipe "
                                                  "every stored record, sign in again), resync (410: full sync)",
                                   "example": "session_ended"})
    errors = fields.Dict(metadata={"description": "Validation errors by location and field",
                                   "example": {"json": {"last_name": ["Not a valid string."]}}})


class RightsHolderSchema(Schema):
    """The education rights holder from the DCFS feed's current case (``mobile_service.rights_holder``)."""

    name = fields.String(required=True, allow_none=True)
    relationship = fields.String(required=True, allow_none=True, metadata={"example": "Grandmother"})
    phone = fields.String(required=True, allow_none=True)
    jv535_order_date = fields.Date(required=True, allow_none=True, metadata={
        "description": "Date of the JV-535 order designating the holder (Judicial Council form JV-535)"})
    parent_rights_limited = fields.Boolean(required=True, allow_none=True, metadata={
        "description": "Whether the court limited the parent's or guardian's educational rights; null if not given"})


class FreshnessSchema(Schema):
    """When each source was last loaded (UTC), or null if never."""

    calpads = UTCDateTimeField(allow_none=True, required=True)
    dcfs = UTCDateTimeField(allow_none=True, required=True)
    district = UTCDateTimeField(allow_none=True, required=True)


class PaginationArgsSchema(Schema):
    """``limit`` and ``cursor`` query arguments; subclasses set LIMIT_DEFAULT / LIMIT_MAX."""

    LIMIT_DEFAULT = 25
    LIMIT_MAX = 100

    limit = fields.Integer(load_default=None, validate=validate.Range(min=1),
                           metadata={"description": "Page size; values above the cap are clamped to it."})
    cursor = Text(strict=True, load_default=None, validate=validate.Length(min=1, max=1024),
                           metadata={"description": "Opaque `next_cursor` from the previous page."})

    @post_load
    def _apply_caps(self, data: dict, **_: Any) -> dict:
        limit = data.get("limit")
        data["limit"] = self.LIMIT_DEFAULT if limit is None else min(limit, self.LIMIT_MAX)
        return data
