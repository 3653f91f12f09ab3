"""Saving an assessment on a travel plan: the figures the SCSW approves and the 280 carries."""
from __future__ import annotations

from mobile_service import clock
from mobile_service.models import TravelPlan
from mobile_service.travel.assess import Answers, Chosen
from mobile_service.travel.origin import Placement


def apply_assessment(plan: TravelPlan, placement: Placement | None, chosen: Chosen, answers: Answers) -> None:
    """Write the chosen school's assessment and the CSW's answers on ``plan`` (never the location)."""
    plan.school_id = chosen.school.school_id
    plan.transport = answers.transport
    plan.iep_transport, plan.temporarily_absent = answers.iep_transport, answers.temporarily_absent
    plan.one_way_miles, plan.mileage_source = chosen.distance.miles, chosen.distance.source
    plan.rounded_miles = chosen.rate.rounded_miles if chosen.rate else None
    plan.rate_table_effective = chosen.rate.table_effective_date if chosen.rate else None
    plan.monthly_rate = chosen.monthly_rate
    plan.placement_start = placement.start_date if placement else None
    plan.placement_type = placement.placement_type if placement else None
    plan.effective_start = chosen.effective_start
    plan.eligible = chosen.checklist.eligible
    plan.failing_items = ",".join(chosen.checklist.failing) or None
    plan.updated_at = clock.utcnow()
