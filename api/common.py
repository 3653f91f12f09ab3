"""Schemas and fields shared by every resource: the problem document, the request text field."""
from __future__ import annotations

from typing import Any, ClassVar

from marshmallow import Schema, fields

from mobile_service.text import REFUSED_MESSAGE, has_refused_characters


class Text(fields.String):
    """The string field of every request schema: refuses lone surrogates and control characters.

    A lone surrogate (``"\\udfff"`` is valid JSON) reached the database driver and answered 500;
    a control character ends up in logs and CSV exports. Both are a 422 naming the field, and the
    message never echoes the value. ``multiline`` free text keeps tab, LF and CR; ``strict``
    (search criteria, identifiers) refuses every invisible character too; ``trim`` strips
    surrounding whitespace before the validators run. The rule is
    :func:`mobile_service.text.has_refused_characters`, shared with the search input rules.
    """

    default_error_messages: ClassVar[dict[str, str]] = {"characters": REFUSED_MESSAGE}

    def __init__(self, *args: Any, multiline: bool = False, strict: bool = False, trim: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.multiline, self.strict, self.trim = multiline, strict, trim

    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs)
        if has_refused_characters(result, multiline=self.multiline, strict=self.strict):
            raise self.make_error("characters")
        return result.strip() if self.trim else result


class ProblemSchema(Schema):
    """RFC 9457 problem details, as every error of the API is rendered."""

    type = fields.String(required=True, metadata={"description": "Stable URI naming the kind of problem",
                                                  "example": "https://mobile.eps.lacoe.edu/problems/not-found"})
    title = fields.String(required=True, metadata={"example": "Not found"})
    status = fields.Integer(required=True, metadata={"example": 404})
    detail = fields.String(required=True, metadata={"example": "No such resource, or it is outside your access."})
    request_id = fields.String(allow_none=True, metadata={"description": "Also in X-Request-ID and the logs",
                                                          "example": "4831f0578d284e0e9dce930dca4f6de0"})
    errors = fields.Dict(metadata={"description": "Validation errors by location and field",
                                   "example": {"json": {"last_name": ["Not a valid string."]}}})
