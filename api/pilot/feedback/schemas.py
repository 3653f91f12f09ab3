"""Feedback request and response bodies."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.fields import Text, UTCDateTimeField, app_version_field, free_text_field, platform_field, screen_field
from mobile_service.pilot.domain import COMMENT_MAX, FEEDBACK_CATEGORIES, SUS_ITEMS


class FeedbackCreateSchema(Schema):
    """A rating with an optional comment and optional SUS questionnaire answers."""

    rating = fields.Integer(required=True, strict=True, validate=validate.Range(1, 5),
                            metadata={"description": "1 (poor) to 5 (excellent)"})
    category = Text(required=True, validate=validate.OneOf(FEEDBACK_CATEGORIES))
    comment = free_text_field(0, COMMENT_MAX, load_default=None, allow_none=True)
    screen = screen_field(allow_none=True)
    app_version = app_version_field(allow_none=True)
    platform = platform_field(allow_none=True)
    sus_answers = fields.List(
        fields.Integer(strict=True, validate=validate.Range(1, 5)),
        validate=validate.Length(equal=SUS_ITEMS), load_default=None, allow_none=True,
        metadata={"description": "System Usability Scale: exactly 10 answers, 1 (strongly disagree) to 5, "
                                 "in questionnaire order"},
    )


class FeedbackSchema(Schema):
    """Feedback as stored."""

    id = fields.Integer()
    created_at = UTCDateTimeField()
    rating = fields.Integer()
    category = fields.String()
    comment = fields.String(allow_none=True)
    screen = fields.String(allow_none=True)
    app_version = fields.String(allow_none=True)
    platform = fields.String(allow_none=True)
    sus_score = fields.Float(allow_none=True, metadata={"description": "0-100, when SUS answers were sent"})
