"""Supervisee schemas: explicit allow-lists."""
from __future__ import annotations

from marshmallow import Schema, fields

from api.card_schemas import CaseloadArgsSchema
from api.fields import UTCDateTimeField, free_text_field
from api.shared_schemas import FreshnessSchema, PaginationArgsSchema
from mobile_service.indicators import INDICATORS

REVIEW_NOTE_MIN, REVIEW_NOTE_MAX = 1, 500
INDICATOR_KEYS = "one of " + ", ".join(i.key for i in INDICATORS) + " (in this order)"


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


class PendingAddArgsSchema(PaginationArgsSchema):
    """Query arguments of the review queue."""

    LIMIT_DEFAULT = 50
    LIMIT_MAX = 100


class PendingAddWorkerSchema(Schema):
    """The worker who made the add."""

    user_id = fields.Integer(required=True)
    display_name = fields.String(required=True)
    email = fields.String(required=True)


class PendingAddStudentSchema(Schema):
    """No more of the student than a reviewer needs to recognise them: no SSID, grade or district."""

    first_name = fields.String(required=True, metadata={"description": "legal first name"})
    last_name = fields.String(required=True, metadata={"description": "legal last name"})
    birth_date = fields.Date(required=True)
    school_name = fields.String(allow_none=True, required=True, metadata={"description": "current school"})


class PendingAddSchema(Schema):
    """A manual add awaiting review: it lapses at ``expires_at`` unless approved."""

    add_id = fields.Integer(required=True, metadata={"description": "the add (not a student identifier)"})
    worker = fields.Nested(PendingAddWorkerSchema, required=True)
    student = fields.Nested(PendingAddStudentSchema, required=True)
    reason = fields.String(allow_none=True, required=True)
    added_at = UTCDateTimeField(required=True)
    expires_at = UTCDateTimeField(required=True)
    days_left = fields.Integer(required=True,
                               metadata={"description": "Los Angeles days until the expiry day (0 on the last day)"})


class PendingAddPageSchema(Schema):
    """A page of the review queue, soonest to lapse first."""

    items = fields.List(fields.Nested(PendingAddSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class ReviewSchema(Schema):
    """Optional body of an approval or denial."""

    note = free_text_field(REVIEW_NOTE_MIN, REVIEW_NOTE_MAX, load_default=None,
                           metadata={"description": "kept with the add; the audit records only whether one was given"})


class ReviewResultSchema(Schema):
    """The add after the decision."""

    add_id = fields.Integer(required=True)
    review_state = fields.String(required=True, metadata={"description": "approved or denied"})
    reviewed_at = UTCDateTimeField(required=True)


class IndicatorReferenceSchema(Schema):
    """A published figure to compare with."""

    share = fields.Float(required=True, metadata={"example": 0.42})
    source = fields.String(required=True)


class IndicatorDefinitionSchema(Schema):
    """What one indicator counts, by which rule."""

    indicator = fields.String(required=True, metadata={"example": "school_change", "description": INDICATOR_KEYS})
    label = fields.String(required=True)
    definition = fields.String(required=True)
    reference = fields.Nested(IndicatorReferenceSchema, allow_none=True, required=True,
                              metadata={"description": "REL West's published share, where there is one"})


class IndicatorFigureSchema(Schema):
    """One share with its numerator and denominator (all null when the data cannot say)."""

    indicator = fields.String(required=True, metadata={"example": "travel_plan", "description": INDICATOR_KEYS})
    numerator = fields.Integer(allow_none=True, required=True)
    denominator = fields.Integer(allow_none=True, required=True)
    share = fields.Float(allow_none=True, required=True, metadata={"description": "0..1; null without a denominator"})


class IndicatorPopulationSchema(Schema):
    """The figures of one population."""

    students = fields.Integer(required=True)
    figures = fields.List(fields.Nested(IndicatorFigureSchema), required=True)


class WorkerIndicatorsSchema(Schema):
    """The figures over one supervisee's caseload."""

    user_id = fields.Integer(required=True)
    display_name = fields.String(required=True)
    students = fields.Integer(required=True)
    figures = fields.List(fields.Nested(IndicatorFigureSchema), required=True)


class CountyIndicatorsSchema(Schema):
    """The county baseline: every active foster youth, by the same rules."""

    population = fields.String(required=True)
    students = fields.Integer(allow_none=True, required=True)
    figures = fields.List(fields.Nested(IndicatorFigureSchema), required=True)
    as_of = fields.Date(allow_none=True, required=True, metadata={"description": "the day the baseline is of"})
    current = fields.Boolean(required=True, metadata={
        "description": "computed from today's loads; false: an older stored baseline (or none yet: all null)"})
    computed_at = UTCDateTimeField(allow_none=True, required=True)


class TrendPointSchema(Schema):
    """The team's figures as of one month end (the current month: today)."""

    month = fields.String(required=True, metadata={"example": "2026-09"})
    as_of = fields.Date(required=True)
    figures = fields.List(fields.Nested(IndicatorFigureSchema), required=True)


class TeamIndicatorsSchema(Schema):
    """Team indicators: counts only, never a student."""

    as_of = fields.Date(required=True)
    academic_year = fields.String(required=True, metadata={"example": "2026-27"})
    indicators = fields.List(fields.Nested(IndicatorDefinitionSchema), required=True)
    team = fields.Nested(IndicatorPopulationSchema, required=True,
                         metadata={"description": "every supervisee's caseload, each student once"})
    workers = fields.List(fields.Nested(WorkerIndicatorsSchema), required=True)
    county = fields.Nested(CountyIndicatorsSchema, required=True)
    trend = fields.List(fields.Nested(TrendPointSchema), required=True,
                        metadata={"description": "the team as of each month end of this school year, then today"})
    freshness = fields.Nested(FreshnessSchema, required=True)
