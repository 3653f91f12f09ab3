"""Schemas of ``GET /api/v1/caseload/changes``: the offline sync of my caseload (allow-lists)."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from api.brief_schemas import BriefSchema
from api.card_schemas import CaseloadCardSchema
from api.fields import Text, UTCDateTimeField
from api.record_schemas import AttendanceSchema, DemographicsSchema, EnrollmentsSchema, ProgressReportsSchema
from api.shared_schemas import FreshnessSchema
from mobile_service.models.sync import TAB_KINDS
from mobile_service.sync.feed import ADDED, CHANGED, DELTA, FULL, TOMBSTONE_REASONS

LIMIT_DEFAULT, LIMIT_MAX = 50, 100
_TOKEN = validate.Regexp(r"^[A-Za-z0-9_-]+$", error="Not a sync token or cursor of this service.")


class SyncArgsSchema(Schema):
    """Query arguments: ``since`` (a sync token) or ``cursor`` (the next page), and ``limit``."""

    since = Text(strict=True, load_default=None, validate=[validate.Length(min=40, max=8192), _TOKEN], metadata={
        "description": "The `sync_token` of your last complete sync; without it, a full sync. Expired, "
                       "another user's or otherwise unusable: 410 (resync)."})
    cursor = Text(strict=True, load_default=None, validate=[validate.Length(min=40, max=8192), _TOKEN], metadata={
        "description": "The `next_cursor` of the previous page of this sync; send it alone (without since)."})
    limit = fields.Integer(load_default=LIMIT_DEFAULT, validate=validate.Range(min=1, max=LIMIT_MAX), metadata={
        "description": f"Students and tombstones per page (default {LIMIT_DEFAULT}, at most {LIMIT_MAX})."})

    @validates_schema
    def _one_of(self, data: dict, **_) -> None:
        if data.get("since") and data.get("cursor"):
            raise ValidationError("Send since to start a sync, or cursor to continue one, not both.", "cursor")


# The tabs as the record routes return them, without their freshness (the sync has one stamp).
class SyncDemographicsSchema(DemographicsSchema):
    """The demographics tab (as ``GET /students/{key}``, without freshness)."""

    class Meta:
        exclude = ("freshness",)


class SyncEnrollmentsSchema(EnrollmentsSchema):
    """The enrollments tab (as ``GET /students/{key}/enrollments``, without freshness)."""

    class Meta:
        exclude = ("freshness",)


class SyncAttendanceSchema(AttendanceSchema):
    """The attendance tab (as ``GET /students/{key}/attendance``, without freshness)."""

    class Meta:
        exclude = ("freshness",)


class SyncProgressReportsSchema(ProgressReportsSchema):
    """The progress-reports tab (as ``GET /students/{key}/progress-reports``, without freshness)."""

    class Meta:
        exclude = ("freshness",)


class SyncBriefSchema(BriefSchema):
    """The pre-visit brief as the sync carries it: without its own freshness (the page has one)."""

    class Meta:
        exclude = ("freshness",)


class SyncStudentSchema(Schema):
    """A student to store (added) or update (changed): the card always, the tabs that changed."""

    student_key = fields.String(required=True)
    change = fields.String(required=True, validate=validate.OneOf((ADDED, CHANGED)), metadata={
        "description": "added: new to what you hold (store every tab); changed: replace the tabs given and the card"})
    tabs_changed = fields.List(fields.String(validate=validate.OneOf(TAB_KINDS)), required=True, metadata={
        "description": "The tabs present below; the card is always present and replaces the stored one"})
    card = fields.Nested(CaseloadCardSchema, required=True)
    brief = fields.Nested(SyncBriefSchema, required=True, metadata={
        "description": "The pre-visit brief, always present and replacing the stored one"})
    demographics = fields.Nested(SyncDemographicsSchema)
    enrollments = fields.Nested(SyncEnrollmentsSchema)
    attendance = fields.Nested(SyncAttendanceSchema)
    progress_reports = fields.Nested(SyncProgressReportsSchema)


class TombstoneSchema(Schema):
    """A student to delete from the device now, with why."""

    student_key = fields.String(required=True)
    reason = fields.String(required=True, validate=validate.OneOf(TOMBSTONE_REASONS), metadata={
        "description": "removed (you removed them from your caseload), access_ended (DCFS assignment ended, "
                       "manual add lapsed or denied, or otherwise no longer on your caseload) or record_deleted "
                       "(the source withdrew the record, e.g. a DCFS case deleted)"})


class SyncPageSchema(Schema):
    """One page of a sync. Store ``sync_token`` only from the last page (``next_cursor`` null)."""

    kind = fields.String(required=True, validate=validate.OneOf((FULL, DELTA)), metadata={
        "description": "full: replace everything you hold with these pages; delta: apply them to what you hold"})
    students = fields.List(fields.Nested(SyncStudentSchema), required=True)
    tombstones = fields.List(fields.Nested(TombstoneSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True, metadata={
        "description": "Continue with ?cursor=...; null on the last page"})
    sync_token = fields.String(allow_none=True, required=True, metadata={
        "description": "The since of your next sync (last page only; null before)"})
    generated_at = UTCDateTimeField(required=True)
    cache_until = UTCDateTimeField(required=True, metadata={
        "description": "Purge every stored record after this time unless a later sync succeeded"})
    freshness = fields.Nested(FreshnessSchema, required=True)
