"""School-of-origin assessment schemas: explicit allow-lists. The placement's location is in none of them."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from marshmallow import Schema, fields, post_load, validate

from api.fields import Text
from mobile_service.travel.eligibility import TRANSPORTS

MILEAGE_MAX = 200
CDS_PATTERN = "^[0-9]{14}$"


def cds_field(**kwargs: Any) -> Text:
    """A 14-digit CDS code of a candidate school of origin."""
    return Text(strict=True, validate=validate.Regexp(CDS_PATTERN, error="Must be a 14-digit CDS code."),
                metadata={"description": "CDS code of a candidate school of origin", "example": "19647331932334"},
                **kwargs)


def mileage_field(**kwargs: Any) -> fields.Float:
    """One-way miles from a mapping service: 0 to 200 (more, or negative, is a 422)."""
    return fields.Float(
        validate=validate.Range(min=0, max=MILEAGE_MAX, error=f"Must be from 0 to {MILEAGE_MAX} miles."),
        metadata={"description": ("One-way miles from the placement to the school, measured on a web-based mapping "
                                  "service as the policy asks (0 to 200; rounded to 0.01). Without it the distance "
                                  "is a straight-line estimate.")}, **kwargs)


def quantized(data: dict) -> dict:
    """The loaded data with ``mileage`` as a Decimal to the hundredth (half up)."""
    if data.get("mileage") is not None:
        data["mileage"] = Decimal(repr(float(data["mileage"]))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return data


IEP_HELP = {"description": "Is transportation part of the child's IEP? (omit: not yet known)"}
ABSENT_HELP = {"description": "Is the child temporarily absent from foster care (runaway, hospitalized)? (omit: not known)"}
TRANSPORT_HELP = {"description": "etr (the monthly rate) or public_transport (passes instead): one, never both"}


class SchoolOfOriginArgsSchema(Schema):
    """Query arguments: a chosen school and the CSW's answers (all optional)."""

    cds_code = cds_field(load_default=None)
    mileage = mileage_field(load_default=None)
    iep_transport = fields.Boolean(load_default=None, metadata=IEP_HELP)
    temporarily_absent = fields.Boolean(load_default=None, metadata=ABSENT_HELP)
    transport = Text(strict=True, load_default="etr", validate=validate.OneOf(TRANSPORTS), metadata=TRANSPORT_HELP)

    @post_load
    def _round(self, data: dict, **_: Any) -> dict:
        return quantized(data)


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


def whole_or_float(value: Any) -> float | int:
    """A number of miles as JSON: an integer when whole, else a float."""
    number = float(value)
    return int(number) if number.is_integer() else number


class Miles(fields.Float):
    """One-way miles, an integer when whole (a straight-line estimate always is)."""

    fast_convert = staticmethod(whole_or_float)  # api.fast_dump converts with it: the same output

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> float | int | None:
        return None if value is None else whole_or_float(value)


class DistanceSchema(Schema):
    """The one-way distance: measured (mapping service), estimated (straight line) or none, with why."""

    one_way_miles = Miles(allow_none=True, required=True, metadata={
        "description": ("the mapping service's mileage as given (to 0.01), or a straight-line estimate in whole "
                        "miles (a partial mile of 0.5 and above rounds up); null without a distance")})
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
