"""Demo school-of-origin travel plans, after the feeds are loaded (the demo CSW's, for the demo SCSW).

One plan per life-cycle state and checklist outcome the demo shows (the placements are in
``placements.DEMO_PLACEMENTS``): approved, awaiting approval, and drafts that fail an item the
CSW answers (transport in the IEP, temporarily absent) or the distance. Computed by the travel
rules themselves, so the figures are the ones the API would give.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from mobile_service import clock
from mobile_service.enrollments import enrollment_rows
from mobile_service.extensions import db
from mobile_service.models import School, Student, TravelPlan, User
from mobile_service.models.travel import PLAN_APPROVED, PLAN_DRAFT, PLAN_SUBMITTED
from mobile_service.travel import assess, origin, records
from mobile_service.travel.plans import apply_assessment
from tools.seed.demo import DEMO_STUDENTS
from tools.seed.workforce import DEMO_CSW, DEMO_SCSW

ROAD_FACTOR = Decimal("1.25")  # a mapping service's road miles, about a quarter over the straight line
# demo key -> (status, iep_transport, temporarily_absent)
DEMO_PLANS = {
    "steady": (PLAN_APPROVED, False, False),
    "chronic_absence": (PLAN_SUBMITTED, False, False),
    "failing_marks": (PLAN_DRAFT, False, False),  # about 2 miles: the distance item fails
    "twin_1": (PLAN_DRAFT, True, False),  # transport is in the IEP
    "twin_2": (PLAN_DRAFT, False, True),  # temporarily absent from foster care
}


def _student(key: str) -> Student | None:
    row = next(r for r in DEMO_STUDENTS if r[0] == key)
    return db.session.execute(select(Student).where(Student.legal_first_name == row[1],
                                                    Student.legal_last_name == row[3])).scalars().first()


def seed_travel_plans(today: dt.date | None = None) -> int | None:
    """Write the demo plans; None (nothing written) when the demo CSW already has plans or is missing."""
    today = today or clock.today()
    csw = db.session.execute(select(User).where(User.email == DEMO_CSW.email)).scalar_one_or_none()
    scsw = db.session.execute(select(User).where(User.email == DEMO_SCSW.email)).scalar_one_or_none()
    if csw is None or scsw is None or db.session.execute(
            select(TravelPlan.id).where(TravelPlan.csw_user_id == csw.id).limit(1)).first() is not None:
        return None
    now, written = clock.utcnow(), 0
    for key, (status, iep, absent) in DEMO_PLANS.items():
        student = _student(key)
        placement = records.current_placements([student.id], today).get(student.id) if student else None
        spans = enrollment_rows([student.id]).get(student.id, []) if student else []
        found = origin.candidates(spans, placement) if placement else []
        if not found:
            continue
        school = db.session.execute(select(School).where(School.cds_code == found[0].cds_code)).scalar_one()
        point = assess.SchoolPoint(school.id, school.cds_code, school.name, school.latitude, school.longitude)
        estimate = origin.one_way_distance(None, placement, school.latitude, school.longitude).miles
        if estimate is None:
            continue
        answers = assess.Answers(mileage=(estimate * ROAD_FACTOR).quantize(Decimal("0.1")), iep_transport=iep,
                                 temporarily_absent=absent)
        chosen = assess.assess_school(school=point, placement=placement, spans=spans, birth_date=student.birth_date,
                                      answers=answers, today=today)
        plan = TravelPlan(student_id=student.id, csw_user_id=csw.id, school_id=school.id, status=status,
                          transport=answers.transport, created_at=now - dt.timedelta(days=3))
        apply_assessment(plan, placement, chosen, answers)
        if status in (PLAN_SUBMITTED, PLAN_APPROVED):
            plan.submitted_at = now - dt.timedelta(days=2)
        if status == PLAN_APPROVED:
            plan.reviewed_by, plan.reviewed_at = scsw.id, now - dt.timedelta(days=1)
        db.session.add(plan)
        written += 1
    db.session.commit()
    return written
