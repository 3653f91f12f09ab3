"""Travel plans as the API shows them: the fields of the DCFS 63B and the FCSS Auto 280, with the life cycle."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from mobile_service.extensions import db
from mobile_service.models import School, Student, TravelPlan, User
from mobile_service.travel.origin import MAPPING_SERVICE
from mobile_service.travel.placements import payment_route


def workers(ids: set[int]) -> dict[int, dict[str, Any]]:
    """The workers named on plans (CSW, reviewer) by id: id and display name (one query)."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    rows = db.session.execute(select(User.id, User.display_name).where(User.id.in_(sorted(ids))))
    return {row.id: {"user_id": row.id, "display_name": row.display_name} for row in rows}


def mapped_miles(miles: Decimal | None, source: str | None) -> float | None:
    """The one-way miles a plan shows: the mapping service's mileage the CSW entered, else none."""
    # Only the mileage the CSW entered from a mapping service is ever shown from a plan (a row saved
    # before estimates were kept off plans shows none).
    return float(miles) if miles is not None and source == MAPPING_SERVICE else None


def render_plan(plan: TravelPlan, student_key: str, people: dict[int, dict[str, Any]], school: School) -> dict[str, Any]:
    """The plan as the fields of the DCFS 63B and the FCSS Auto 280, with its life cycle."""
    miles = mapped_miles(plan.one_way_miles, plan.mileage_source)
    decision = None
    if plan.reviewed_at is not None:
        decision = {"by": people[plan.reviewed_by], "at": plan.reviewed_at, "comment": plan.review_comment}
    return {
        "plan_key": plan.plan_key, "student_key": student_key, "status": plan.status, "csw": people[plan.csw_user_id],
        "created_at": plan.created_at, "updated_at": plan.updated_at, "submitted_at": plan.submitted_at,
        "decision": decision,
        "end": None if plan.ended_on is None else {"ended_on": plan.ended_on, "reason": plan.end_reason},
        "eligibility": {"eligible": plan.eligible, "failing": plan.failing_items.split(",") if plan.failing_items else []},
        "form_63b": {
            "school_of_origin": {"cds_code": school.cds_code, "name": school.name, "district_name": school.district_name},
            "one_way_miles": miles, "mileage_source": plan.mileage_source, "transport": plan.transport,
            "monthly_rate": plan.monthly_rate, "placement_type": plan.placement_type,
            "placement_start_date": plan.placement_start, "effective_start_date": plan.effective_start,
            "payment_route": payment_route(plan.placement_type)},
        "form_280": {
            "action": "stop_etr" if plan.ended_on is not None else "start_etr", "school_of_origin": school.name,
            "one_way_mileage": plan.rounded_miles, "rate": plan.monthly_rate,
            "rate_table_effective_date": plan.rate_table_effective, "effective_start_date": plan.effective_start,
            "stop_date": plan.ended_on},
    }


def render_one(plan: TravelPlan, student: Student) -> dict[str, Any]:
    """One plan rendered, reading its school and the workers it names."""
    school = db.session.get(School, plan.school_id)
    people = workers({plan.csw_user_id, plan.reviewed_by})
    return render_plan(plan, student.student_key, people, school)
