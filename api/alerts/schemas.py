"""Alert request and response schemas: no names in any item (a later push forwards them as they are)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates

from api.fields import UTCDateTimeField
from api.shared_schemas import PaginationArgsSchema
from mobile_service import clock
from mobile_service.alerts import ALL_KINDS
from mobile_service.alerts.kinds import DESCRIPTIONS

ALERT_ID_MAX = 2**31 - 1  # alerts.id is a 32-bit INTEGER
SEEN_MAX = 100
OLDEST_SINCE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
KIND_DOC = "; ".join(f"`{kind}`: {DESCRIPTIONS[kind]}" for kind in ALL_KINDS)


class _SinceArgs(PaginationArgsSchema):
    """``since``, ``limit`` (a clear 422 above the cap, not clamped) and ``cursor``."""

    LIMIT_DEFAULT = 50
    LIMIT_MAX = 200

    since = fields.AwareDateTime(format="iso", load_default=None, metadata={
        "description": "ISO 8601 instant with its offset (e.g. `2026-10-15T16:00:00Z`): only alerts raised or "
                       "cleared after it. Pass back the previous answer's `next_since`. Without it: the open "
                       "alerts now. In the future, or before 2000, is a 422."})
    limit = fields.Integer(load_default=None, validate=validate.Range(min=1, max=LIMIT_MAX),
                           metadata={"description": f"Page size, 1..{LIMIT_MAX} (default {LIMIT_DEFAULT})."})

    @validates("since")
    def _since_in_range(self, value: dt.datetime | None, **_: Any) -> None:
        if value is None:
            return
        try:
            instant = value.astimezone(dt.UTC)
        except (OverflowError, ValueError) as exc:
            raise ValidationError("Not a valid instant.") from exc
        if instant > clock.utcnow():
            raise ValidationError("Is in the future; pass the next_since of the previous answer.")
        if instant < OLDEST_SINCE:
            raise ValidationError("Is before 2000; omit since for the open alerts.")

    @post_load
    def _utc(self, data: dict, **_: Any) -> dict:
        if data.get("since") is not None:
            data["since"] = data["since"].astimezone(dt.UTC)
        return data


class AlertArgsSchema(_SinceArgs):
    """Query arguments of ``GET /alerts``."""


class TeamDigestArgsSchema(_SinceArgs):
    """Query arguments of ``GET /alerts/team`` (pages of CSWs)."""

    LIMIT_DEFAULT = 50
    LIMIT_MAX = 100

    limit = fields.Integer(load_default=None, validate=validate.Range(min=1, max=LIMIT_MAX),
                           metadata={"description": f"CSWs per page, 1..{LIMIT_MAX} (default {LIMIT_DEFAULT})."})


class AlertSchema(Schema):
    """One alert: a kind about a student (by opaque key), when raised and cleared. No names."""

    alert_id = fields.Integer(required=True, metadata={"description": "Stable id: key the app's copy by it"})
    student_key = fields.String(required=True, metadata={"description": "The opaque student key (never an SSID)"})
    kind = fields.String(required=True, validate=validate.OneOf(ALL_KINDS), metadata={"description": KIND_DOC})
    raised_at = UTCDateTimeField(required=True)
    cleared_at = UTCDateTimeField(required=True, allow_none=True,
                                  metadata={"description": "When it stopped being true (drop it); null while open"})
    open = fields.Boolean(required=True)
    seen_at = UTCDateTimeField(required=True, allow_none=True, metadata={"description": "When I marked it seen"})


class AlertPageSchema(Schema):
    """A page of my alerts, oldest change first."""

    items = fields.List(fields.Nested(AlertSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)
    next_since = UTCDateTimeField(required=True, metadata={
        "description": "The `since` of the next poll (a few minutes back: an alert may come twice, keyed by id)"})


class SeenSchema(Schema):
    """Body of ``POST /alerts/seen``."""

    alert_ids = fields.List(fields.Integer(validate=validate.Range(min=1, max=ALERT_ID_MAX), strict=True),
                            required=True, validate=validate.Length(min=1, max=SEEN_MAX),
                            metadata={"description": f"1..{SEEN_MAX} ids of my alerts"})


class SeenResultSchema(Schema):
    """The alerts marked seen."""

    alert_ids = fields.List(fields.Integer(), required=True)
    seen_at = UTCDateTimeField(required=True)


# Alerts per kind, every kind present (0 when none).
KindCountsSchema = Schema.from_dict({kind: fields.Integer(required=True) for kind in ALL_KINDS}, name="KindCounts")


class WorkerDigestSchema(Schema):
    """One supervised CSW's new alerts, counted by kind (no student detail)."""

    user_id = fields.Integer(required=True)
    display_name = fields.String(required=True)
    total = fields.Integer(required=True)
    counts = fields.Nested(KindCountsSchema, required=True)


class TeamDigestSchema(Schema):
    """My team's new alerts: counts per CSW and for the page's team, by kind."""

    items = fields.List(fields.Nested(WorkerDigestSchema), required=True)
    team = fields.Nested(KindCountsSchema, required=True)
    next_cursor = fields.String(allow_none=True, required=True)
    next_since = UTCDateTimeField(required=True)
