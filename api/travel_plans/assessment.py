"""The school-of-origin assessment of one student: read, assess (``mobile_service.travel``), render.

Shared by the ``school-of-origin`` view and the plan services, which save what it computes.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from auth.principal import Principal
from mobile_service import scoping
from mobile_service.enrollments import enrollment_rows
from mobile_service.errors import APIError, not_found
from mobile_service.models import Student
from mobile_service.student_lookup import find_student
from mobile_service.travel import assess, eligibility, origin, placements, rates, records

NO_PLACEMENT = "the DCFS feed gives no placement start date for the child's current case"
NO_SCHOOLS = "no school attended before the placement is in the enrollment records"
CONNECTION_NOTE = ("A candidate is a school of origin when the child feels connected to it: that is the CSW's "
                   "judgement with the child, not the data's.")


@dataclass(frozen=True)
class Assessment:
    """The read and assessed state of one student for one (optional) chosen school."""

    placement: origin.Placement | None
    candidates: list[origin.Candidate]
    chosen: assess.Chosen | None
    candidate: origin.Candidate | None


def resolve_student(principal: Principal, student_key: str) -> tuple[Student, str]:
    """The student in the caller's scope and the basis, or the one identical 404."""
    student = find_student(student_key)
    basis = scoping.basis_for(principal, student.id) if student is not None else None
    if student is None or basis is None:
        raise not_found()
    return student, basis


def not_a_candidate(location: str = "query") -> APIError:
    """The 422 of a CDS code that is no school of origin of this child."""
    return APIError(422, "That school is not a school of origin of this child (see the candidates).",
                    errors={location: {"cds_code": ["Not one of the child's candidate schools of origin."]}})


def assessment(student: Student, *, cds_code: str | None, answers: assess.Answers, today: dt.date,
               location: str = "query", estimate: bool = True) -> Assessment:
    """Placement, candidates and, for ``cds_code``, the chosen school's assessment (422 if no candidate).

    ``estimate=False`` for a plan: no straight-line estimate, only the mapped mileage (or none).
    """
    placement = records.current_placements([student.id], today).get(student.id)
    spans = enrollment_rows([student.id]).get(student.id, [])
    found = origin.candidates(spans, placement) if placement is not None else []
    if cds_code is None:
        return Assessment(placement, found, None, None)
    candidate = assess.choose(found, cds_code)
    school = records.school_by_cds(cds_code) if candidate is not None else None
    if candidate is None or school is None:
        raise not_a_candidate(location)
    point = assess.SchoolPoint(school.id, school.cds_code, school.name, school.latitude, school.longitude)
    chosen = assess.assess_school(school=point, placement=placement, spans=spans, birth_date=student.birth_date,
                                  answers=answers, today=today, estimate=estimate)
    return Assessment(placement, found, chosen, candidate)


def _miles(value) -> float | None:
    return None if value is None else float(value)


def render_chosen(chosen: assess.Chosen) -> dict[str, Any]:
    """The chosen school's assessment as the API shows it."""
    distance, rate, checks = chosen.distance, chosen.rate, chosen.checklist
    return {
        "cds_code": chosen.school.cds_code, "name": chosen.school.name,
        "distance": {"one_way_miles": _miles(distance.miles), "source": distance.source,
                     "estimate": distance.estimate, "reason": distance.reason, "policy": origin.MAPPING_RULE},
        "rate": None if rate is None else {
            "rounded_miles": rate.rounded_miles, "monthly_amount": rate.monthly_amount, "band": rate.band,
            "table_effective_date": rate.table_effective_date, "rounding_rule": rates.ROUNDING_RULE},
        "monthly_rate": chosen.monthly_rate,
        "checklist": {"eligible": checks.eligible, "failing": list(checks.failing), "unknown": list(checks.unknown),
                      "items": [{"item": i.item, "status": i.status, "reason": i.reason, "policy": i.policy}
                                for i in checks.items]},
        "transport": {"chosen": chosen.transport.chosen, "etr_paid": chosen.transport.etr_paid,
                      "passes_for_child": chosen.transport.passes_for_child, "rule": eligibility.EITHER_OR_RULE,
                      "under_five_rule": eligibility.UNDER_FIVE_RULE},
        "effective_start_date": chosen.effective_start, "retroactive_rule": origin.RETROACTIVE_RULE,
        "payment_route": chosen.payment_route, "payment_note": placements.PAYMENT_NOTES[chosen.payment_route],
    }


def render(found: Assessment) -> dict[str, Any]:
    """The ``school-of-origin`` answer: placement (no location), definition, candidates, chosen."""
    placement = found.placement
    payload: dict[str, Any] = {"placement": None, "definition": None, "candidates": [], "reason": NO_PLACEMENT,
                               "connection_note": CONNECTION_NOTE, "chosen": None}
    if placement is None:
        return payload
    first, last = origin.window(placement)
    payload.update(
        placement={"start_date": placement.start_date, "initial_start_date": placement.initial_start,
                   "placement_type": placement.placement_type,
                   "placement_type_label": placements.LABELS.get(placement.placement_type or ""),
                   "situation": placement.situation, "location_known": placement.location_known},
        definition={"situation": placement.situation, "reference_date": placement.reference_date,
                    "window_start": first, "window_end": last, "policy": origin.DEFINITIONS[placement.situation]},
        candidates=[{"cds_code": c.cds_code, "name": c.name, "district_name": c.district_name, "bases": list(c.bases),
                     "enrollments": [{"start_date": s.start_date, "exit_date": s.exit_date,
                                      "grade_level": s.grade_level} for s in c.spans]} for c in found.candidates],
        reason=None if found.candidates else NO_SCHOOLS,
        chosen=render_chosen(found.chosen) if found.chosen is not None else None,
    )
    return payload
