"""Evaluation, criteria and app-health bodies. Nothing here has a student identifier field."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from api.fields import UTCDateTimeField
from api.pilot.schemas import CohortSchema
from mobile_service.pilot.criteria import CRITERIA, invalid_targets


class _CriteriaUpdateBase(Schema):
    """Targets to change, by criterion key; the others keep their current target."""

    @validates_schema
    def _something(self, data, **_):
        if not data:
            raise ValidationError("Send at least one criterion and its target.", "_schema")
        errors = invalid_targets(data)
        if errors:
            raise ValidationError(errors)


def _target_field(criterion) -> fields.Float:
    return fields.Float(allow_nan=False, validate=validate.Range(criterion.minimum, criterion.maximum),
                        metadata={"description": f"{criterion.label} ({criterion.comparison}, {criterion.unit}; "
                                                 f"default {criterion.default:g})"})


CriteriaUpdateSchema = _CriteriaUpdateBase.from_dict({c.key: _target_field(c) for c in CRITERIA},
                                                     name="CriteriaUpdate")


class CriterionSchema(Schema):
    key = fields.String()
    label = fields.String()
    comparison = fields.String(metadata={"description": ">= (at least) or <= (at most)"})
    unit = fields.String(metadata={"description": "count, ratio (0-1), score or ms"})
    target = fields.Float()
    default = fields.Float()


class CriteriaSchema(Schema):
    cohort = fields.String()
    items = fields.List(fields.Nested(CriterionSchema))


class ReportSchema(Schema):
    """The end-of-pilot report (README, "Pilot evaluation"): aggregates only."""

    cohort = fields.Dict()
    as_of = fields.String()
    status = fields.String()
    days_elapsed = fields.Integer()
    criteria = fields.List(fields.Dict(), metadata={"description": "key, label, value, target, met, trend"})
    met = fields.Integer()
    missed = fields.Integer()
    weeks = fields.List(fields.Dict())
    groups = fields.List(fields.Dict(), metadata={"description": "each office's criteria values"})
    themes = fields.List(fields.Dict(), metadata={"description": "feedback categories beside the issues"})
    app_health = fields.Dict()


class SignatureSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    signature = fields.String()
    error_code = fields.String(allow_none=True)
    screen = fields.String(allow_none=True)
    message = fields.String(allow_none=True)
    first_seen = UTCDateTimeField()
    last_seen = UTCDateTimeField()
    occurrences = fields.Integer()
    participants = fields.Integer()
    app_versions = fields.String(allow_none=True)
    issue_id = fields.Integer(allow_none=True)


class FailedCallSchema(Schema):
    occurred_at = UTCDateTimeField()
    request_id = fields.String()
    app_error = fields.String(allow_none=True)
    screen = fields.String(allow_none=True)
    app_version = fields.String()
    platform = fields.String()
    server_status = fields.Integer(allow_none=True, metadata={"description": "None: no failed call with this "
                                                                             "request id reached the server"})
    server_route = fields.String(allow_none=True)
    server_latency_ms = fields.Float(allow_none=True)


class FailedCallsSchema(Schema):
    total = fields.Integer()
    matched = fields.Integer()
    unmatched = fields.Integer()
    recent = fields.List(fields.Nested(FailedCallSchema))


class AppHealthSchema(Schema):
    """Crash-free sessions per app version, top signatures, failed calls joined to the server's errors."""

    crash_free = fields.Dict(metadata={"description": "versions[], sessions, crashed_sessions, crash_free_rate"})
    top_signatures = fields.List(fields.Nested(SignatureSchema))
    failed_calls = fields.Nested(FailedCallsSchema)


__all__ = ["CohortSchema"]
