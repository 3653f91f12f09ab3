"""Caseload request and response schemas: explicit allow-lists, unknown input fields are a 422."""
from __future__ import annotations

from marshmallow import Schema, fields

from api.card_schemas import CaseloadArgsSchema, CaseloadPageSchema
from api.fields import STUDENT_KEY_EXAMPLE, UTCDateTimeField, free_text_field, student_key_field

__all__ = ["CaseloadAddSchema", "CaseloadArgsSchema", "CaseloadEntrySchema", "CaseloadPageSchema", "CaseloadRemoveSchema"]

REASON_MIN, REASON_MAX = 3, 500


class CaseloadAddSchema(Schema):
    """Body of ``POST /caseload``: the key of a caseload card or search result (never an SSID)."""

    student_key = student_key_field(required=True)
    reason = free_text_field(REASON_MIN, REASON_MAX, load_default=None, metadata={
        "description": "Required when the student is not assigned to you in the DCFS feed "
                       "(e.g. new case not yet in the feed, covering for a colleague)."})


class CaseloadRemoveSchema(Schema):
    """Optional body of ``DELETE /caseload/{student_key}``."""

    reason = free_text_field(REASON_MIN, REASON_MAX, load_default=None)


class CaseloadEntrySchema(Schema):
    """The caseload entry after an add."""

    student_key = fields.String(required=True, metadata={"example": STUDENT_KEY_EXAMPLE})
    ssid = fields.String(required=True)
    on_caseload = fields.Boolean(required=True)
    assigned_in_dcfs_feed = fields.Boolean(required=True)
    added_at = UTCDateTimeField(allow_none=True, required=True)
    flagged = fields.Boolean(required=True)
    review_state = fields.String(allow_none=True, required=True, metadata={
        "description": "pending (awaiting the supervisor's review), approved or confirmed (by the DCFS feed); "
                       "null when the student is on the caseload by the DCFS feed alone"})
    expires_at = UTCDateTimeField(allow_none=True, required=True, metadata={
        "description": "when a pending add lapses (access ends) unless approved or confirmed first"})
