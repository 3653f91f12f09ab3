"""Saving an assessment on a travel plan: the figures the SCSW approves and the 280 carries."""
from __future__ import annotations

from mobile_service import clock
from mobile_service.models import TravelPlan
from mobile_service.travel.assess import Answers, Chosen
from mobile_service.travel.origin import MAPPING_SERVICE, Placement


def apply_assessment(plan: TravelPlan, placement: Placement | None, chosen: Chosen, answers: Answers) -> None:
    """Write the chosen school's assessment and the CSW's answers on ``plan`` (never the location).

    Only the mapping service's mileage the CSW entered is kept, with the figures that follow from
    it; a straight-line estimate (a function of the placement's location) is never stored, so the
    miles, the rate and its table stay empty until the CSW gives the mapped mileage.
    """
    mapped = chosen.distance.source == MAPPING_SERVICE
    rate = chosen.rate if mapped else None
    plan.school_id = chosen.school.school_id
    plan.transport = answers.transport
    plan.iep_transport, plan.temporarily_absent = answers.iep_transport, answers.temporarily_absent
    plan.one_way_miles, plan.mileage_source = (chosen.distance.miles, MAPPING_SERVICE) if mapped else (None, None)
    plan.rounded_miles = rate.rounded_miles if rate else None
    plan.rate_table_effective = rate.table_effective_date if rate else None
    plan.monthly_rate = chosen.monthly_rate if mapped else None
    plan.placement_start = placement.start_date if placement else None
    plan.placement_type = placement.placement_type if placement else None
    plan.effective_start = chosen.effective_start
    plan.eligible = chosen.checklist.eligible
    plan.failing_items = ",".join(chosen.checklist.failing) or None
    plan.updated_at = clock.utcnow()
