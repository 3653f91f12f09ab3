"""Announcement bodies."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from api.fields import Text, UTCDateTimeField, free_text_field
from mobile_service.pilot.domain import ANNOUNCEMENT_KINDS


class AnnouncementSchema(Schema):
    """A what's-new note or a known issue."""

    id = fields.Integer()
    kind = fields.String(metadata={"description": "whats_new or known_issue"})
    title = fields.String()
    body = fields.String()
    published_at = UTCDateTimeField()
    expires_at = UTCDateTimeField(allow_none=True)


class AnnouncementListSchema(Schema):
    """Current announcements, newest first."""

    items = fields.List(fields.Nested(AnnouncementSchema))


class AnnouncementArgsSchema(Schema):
    """How many to return."""

    limit = fields.Integer(load_default=20, validate=validate.Range(1, 50))


class AnnouncementCreateSchema(Schema):
    """A coordinator's announcement; ``published_at`` in the future schedules it."""

    kind = Text(strict=True, required=True, validate=validate.OneOf(ANNOUNCEMENT_KINDS))
    title = free_text_field(1, 120, required=True)
    body = free_text_field(1, 4000, required=True)
    published_at = fields.AwareDateTime(load_default=None, allow_none=True, default_timezone=None)
    expires_at = fields.AwareDateTime(load_default=None, allow_none=True, default_timezone=None)

    @validates_schema
    def _dates(self, data, **_):
        published, expires = data.get("published_at"), data.get("expires_at")
        if published and expires and expires <= published:
            raise ValidationError("Must be after published_at.", "expires_at")
