"""Travel plan request and response schemas: explicit allow-lists (the plan as 63B / 280 fields)."""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, post_load, validate

from api.fields import Text, UTCDateTimeField, free_text_field
from api.shared_schemas import PaginationArgsSchema
from api.travel_plans.schemas import ABSENT_HELP, IEP_HELP, TRANSPORT_HELP, cds_field, mileage_field, quantized
from mobile_service.travel.eligibility import TRANSPORTS

COMMENT_MIN, COMMENT_MAX = 1, 500


class PlanBodySchema(Schema):
    """A draft plan: the school of origin, the mapped mileage and the checklist answers."""

    cds_code = cds_field(required=True)
    mileage = mileage_field(load_default=None, allow_none=True)
    transport = Text(strict=True, load_default="etr", validate=validate.OneOf(TRANSPORTS), metadata=TRANSPORT_HELP)
    iep_transport = fields.Boolean(load_default=None, allow_none=True, metadata=IEP_HELP)
    temporarily_absent = fields.Boolean(load_default=None, allow_none=True, metadata=ABSENT_HELP)

    @post_load
    def _round(self, data: dict, **_: Any) -> dict:
        return quantized(data)


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
