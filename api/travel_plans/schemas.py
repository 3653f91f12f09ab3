"""Travel plan schemas: explicit allow-lists. The placement's location is in none of them."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from marshmallow import Schema, fields, post_load, validate

from api.fields import Text, UTCDateTimeField, free_text_field
from api.shared_schemas import PaginationArgsSchema
from mobile_service.travel.eligibility import TRANSPORTS

MILEAGE_MAX = 200
COMMENT_MIN, COMMENT_MAX = 1, 500
CDS_PATTERN = "^[0-9]{14}$"


def _cds(**kwargs: Any) -> Text:
    return Text(strict=True, validate=validate.Regexp(CDS_PATTERN, error="Must be a 14-digit CDS code."),
                metadata={"description": "CDS code of a candidate school of origin", "example": "19647331932334"},
                **kwargs)


def _mileage(**kwargs: Any) -> fields.Float:
    return fields.Float(
        validate=validate.Range(min=0, max=MILEAGE_MAX, error=f"Must be from 0 to {MILEAGE_MAX} miles."),
        metadata={"description": ("One-way miles from the placement to the school, measured on a web-based mapping "
                                  "service as the policy asks (0 to 200; rounded to 0.01). Without it the distance "
                                  "is a straight-line estimate.")}, **kwargs)


def _quantized(data: dict) -> dict:
    if data.get("mileage") is not None:
        data["mileage"] = Decimal(repr(float(data["mileage"]))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return data


_IEP = {"description": "Is transportation part of the child's IEP? (omit: not yet known)"}
_ABSENT = {"description": "Is the child temporarily absent from foster care (runaway, hospitalized)? (omit: not known)"}
_TRANSPORT = {"description": "etr (the monthly rate) or public_transport (passes instead): one, never both"}


class SchoolOfOriginArgsSchema(Schema):
    """Query arguments: a chosen school and the CSW's answers (all optional)."""

    cds_code = _cds(load_default=None)
    mileage = _mileage(load_default=None)
    iep_transport = fields.Boolean(load_default=None, metadata=_IEP)
    temporarily_absent = fields.Boolean(load_default=None, metadata=_ABSENT)
    transport = Text(strict=True, load_default="etr", validate=validate.OneOf(TRANSPORTS), metadata=_TRANSPORT)

    @post_load
    def _round(self, data: dict, **_: Any) -> dict:
        return _quantized(data)


class PlacementSchema(Schema):
    """The current placement as the DCFS feed gives it (never its location)."""

    start_date = fields.Date(required=True)
    initial_start_date = fields.Date(required=True, metadata={"description": "first placement of the open case"})
    placement_type = fields.String(allow_none=True, required=True)
    placement_type_label = fields.String(allow_none=True, required=True)
    situation = fields.String(required=True, metadata={"description": "newly_detained or replaced"})
    location_known = fields.Boolean(required=True, metadata={"description": "whether a distance can be estimated"})


class DefinitionSchema(Schema):
    """The definition of school of origin that applies, and its 15-month window."""

    situation = fields.String(required=True)
    reference_date = fields.Date(required=True)
    window_start = fields.Date(required=True)
    window_end = fields.Date(required=True)
    policy = fields.String(required=True)


class SpanSchema(Schema):
    """An enrollment at the school."""

    start_date = fields.Date(required=True)
    exit_date = fields.Date(allow_none=True, required=True)
    grade_level = fields.String(required=True)


class CandidateSchema(Schema):
    """A candidate school of origin."""

    cds_code = fields.String(required=True)
    name = fields.String(required=True)
    district_name = fields.String(required=True)
    bases = fields.List(fields.String(), required=True,
                        metadata={"description": "prior_school and/or within_15_months"})
    enrollments = fields.List(fields.Nested(SpanSchema), required=True)


class DistanceSchema(Schema):
    """The one-way distance: measured (mapping service), estimated (straight line) or none, with why."""

    one_way_miles = fields.Float(allow_none=True, required=True)
    source = fields.String(allow_none=True, required=True,
                           metadata={"description": "mapping_service or straight_line_estimate"})
    estimate = fields.Boolean(required=True)
    reason = fields.String(allow_none=True, required=True)
    policy = fields.String(required=True)


class RateSchema(Schema):
    """The ETR band for the rounded distance."""

    rounded_miles = fields.Integer(required=True)
    monthly_amount = fields.Integer(required=True, metadata={"description": "dollars per month per child"})
    band = fields.String(required=True)
    table_effective_date = fields.Date(required=True)
    rounding_rule = fields.String(required=True)


class ItemSchema(Schema):
    """One checklist item."""

    item = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "pass, fail or unknown"})
    reason = fields.String(required=True)
    policy = fields.String(required=True)


class ChecklistSchema(Schema):
    """The eligibility checklist."""

    eligible = fields.Boolean(allow_none=True, required=True, metadata={"description": "null while an item is unknown"})
    failing = fields.List(fields.String(), required=True)
    unknown = fields.List(fields.String(), required=True)
    items = fields.List(fields.Nested(ItemSchema), required=True)


class TransportSchema(Schema):
    """ETR or public transport: never both."""

    chosen = fields.String(required=True)
    etr_paid = fields.Boolean(required=True)
    passes_for_child = fields.Boolean(required=True, metadata={"description": "false under 5: they ride free"})
    rule = fields.String(required=True)
    under_five_rule = fields.String(required=True)


class ChosenSchema(Schema):
    """The assessment of the chosen school."""

    cds_code = fields.String(required=True)
    name = fields.String(required=True)
    distance = fields.Nested(DistanceSchema, required=True)
    rate = fields.Nested(RateSchema, allow_none=True, required=True)
    monthly_rate = fields.Integer(allow_none=True, required=True,
                                  metadata={"description": "the ETR paid; null with passes or no distance"})
    checklist = fields.Nested(ChecklistSchema, required=True)
    transport = fields.Nested(TransportSchema, required=True)
    effective_start_date = fields.Date(allow_none=True, required=True)
    retroactive_rule = fields.String(required=True)
    payment_route = fields.String(required=True, metadata={"description": "caregiver, ffa or nmd"})
    payment_note = fields.String(required=True)


class SchoolOfOriginSchema(Schema):
    """School-of-origin candidates, and the assessment of a chosen one."""

    placement = fields.Nested(PlacementSchema, allow_none=True, required=True)
    definition = fields.Nested(DefinitionSchema, allow_none=True, required=True)
    candidates = fields.List(fields.Nested(CandidateSchema), required=True)
    reason = fields.String(allow_none=True, required=True, metadata={"description": "why there are no candidates"})
    connection_note = fields.String(required=True)
    chosen = fields.Nested(ChosenSchema, allow_none=True, required=True)


class PlanBodySchema(Schema):
    """A draft plan: the school of origin, the mapped mileage and the checklist answers."""

    cds_code = _cds(required=True)
    mileage = _mileage(load_default=None, allow_none=True)
    transport = Text(strict=True, load_default="etr", validate=validate.OneOf(TRANSPORTS), metadata=_TRANSPORT)
    iep_transport = fields.Boolean(load_default=None, allow_none=True, metadata=_IEP)
    temporarily_absent = fields.Boolean(load_default=None, allow_none=True, metadata=_ABSENT)

    @post_load
    def _round(self, data: dict, **_: Any) -> dict:
        return _quantized(data)


class ReturnBodySchema(Schema):
    """What needs correcting."""

    comment = free_text_field(COMMENT_MIN, COMMENT_MAX, required=True)


class StopBodySchema(Schema):
    """The child stopped attending the school of origin."""

    ended_on = fields.Date(required=True, metadata={"description": "last day of the ETR (not in the future)"})
    reason = free_text_field(COMMENT_MIN, COMMENT_MAX, load_default=None)


class PersonSchema(Schema):
    """A worker named on a plan."""

    user_id = fields.Integer(required=True)
    display_name = fields.String(required=True)


class SchoolNameSchema(Schema):
    """The school of origin."""

    cds_code = fields.String(required=True)
    name = fields.String(required=True)
    district_name = fields.String(required=True)


class Form63BSchema(Schema):
    """The fields of the DCFS 63B, School-of-Origin Travel Plan."""

    school_of_origin = fields.Nested(SchoolNameSchema, required=True)
    one_way_miles = fields.Float(allow_none=True, required=True)
    mileage_source = fields.String(allow_none=True, required=True)
    transport = fields.String(required=True)
    monthly_rate = fields.Integer(allow_none=True, required=True)
    placement_type = fields.String(allow_none=True, required=True)
    placement_start_date = fields.Date(allow_none=True, required=True)
    effective_start_date = fields.Date(allow_none=True, required=True)
    payment_route = fields.String(required=True)


class Form280Schema(Schema):
    """The fields of the FCSS Auto 280, Technical Assistance Action Request."""

    action = fields.String(required=True, metadata={"description": "start_etr or stop_etr"})
    school_of_origin = fields.String(required=True)
    one_way_mileage = fields.Integer(allow_none=True, required=True, metadata={"description": "rounded miles"})
    rate = fields.Integer(allow_none=True, required=True)
    rate_table_effective_date = fields.Date(allow_none=True, required=True)
    effective_start_date = fields.Date(allow_none=True, required=True)
    stop_date = fields.Date(allow_none=True, required=True)


class DecisionSchema(Schema):
    """The SCSW's decision."""

    by = fields.Nested(PersonSchema, required=True)
    at = UTCDateTimeField(required=True)
    comment = fields.String(allow_none=True, required=True)


class EndSchema(Schema):
    """When and why the plan stopped."""

    ended_on = fields.Date(required=True)
    reason = fields.String(allow_none=True, required=True)


class PlanEligibilitySchema(Schema):
    """The checklist as saved."""

    eligible = fields.Boolean(allow_none=True, required=True)
    failing = fields.List(fields.String(), required=True)


class PlanSchema(Schema):
    """A school-of-origin travel plan."""

    plan_key = fields.String(required=True)
    student_key = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "draft, submitted, returned, approved or stopped"})
    csw = fields.Nested(PersonSchema, required=True)
    created_at = UTCDateTimeField(required=True)
    updated_at = UTCDateTimeField(required=True)
    submitted_at = UTCDateTimeField(allow_none=True, required=True)
    decision = fields.Nested(DecisionSchema, allow_none=True, required=True)
    end = fields.Nested(EndSchema, allow_none=True, required=True)
    eligibility = fields.Nested(PlanEligibilitySchema, required=True)
    form_63b = fields.Nested(Form63BSchema, required=True)
    form_280 = fields.Nested(Form280Schema, required=True)


class PlanListSchema(Schema):
    """A student's plans, newest first."""

    items = fields.List(fields.Nested(PlanSchema), required=True)


class AwaitingArgsSchema(PaginationArgsSchema):
    """Query arguments of the approval queue."""

    LIMIT_DEFAULT = 50
    LIMIT_MAX = 100


class AwaitingStudentSchema(Schema):
    """Enough of the child to recognise them."""

    student_key = fields.String(required=True)
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)


class AwaitingSchema(Schema):
    """A plan awaiting my approval."""

    plan_key = fields.String(required=True)
    student = fields.Nested(AwaitingStudentSchema, required=True)
    csw = fields.Nested(PersonSchema, required=True)
    submitted_at = UTCDateTimeField(required=True)
    school_name = fields.String(required=True)
    one_way_miles = fields.Float(allow_none=True, required=True)
    monthly_rate = fields.Integer(allow_none=True, required=True)
    transport = fields.String(required=True)


class AwaitingPageSchema(Schema):
    """A page of the approval queue, oldest submission first."""

    items = fields.List(fields.Nested(AwaitingSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)
