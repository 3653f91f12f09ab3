"""The indicator "share with a travel plan where a school of origin applies", counted by hand."""
from __future__ import annotations

import datetime as dt

from mobile_service.extensions import db
from mobile_service.models import TravelPlan
from mobile_service.travel import school_of_origin_coverage
from tests.api.student_helpers import enroll
from tests.factories import make_case, make_school, make_student, make_user

TODAY = dt.date(2026, 10, 15)
PLACED = dt.date(2026, 2, 1)


def test_applies_and_with_plan_by_hand(ctx, fixed_today):
    csw = make_user("csw")
    origin, new_school = make_school(), make_school()
    kids = {name: make_student(legal_first_name=name.title()) for name in
            ("stayed", "stayed_planned", "stayed_pending", "stayed_stopped", "moved", "unplaced", "closed",
             "not_enrolled")}
    for name, kid in kids.items():
        enroll(kid, origin, dt.date(2025, 8, 13),
               exit_date=dt.date(2026, 2, 20) if name in ("moved", "not_enrolled") else None,
               exit_reason="T160" if name in ("moved", "not_enrolled") else None)
        status = "closed" if name == "closed" else "open"
        if name == "unplaced":
            make_case(kid, csw)
        else:
            make_case(kid, csw, case_status=status, placement_start_date=PLACED, placement_type="FFH")
    # Moved after the placement to a school that was never a school of origin.
    enroll(kids["moved"], new_school, dt.date(2026, 2, 23))
    for name, status in (("stayed_planned", "approved"), ("stayed_pending", "submitted"),
                         ("stayed_stopped", "stopped"), ("moved", "approved")):
        db.session.add(TravelPlan(student_id=kids[name].id, csw_user_id=csw.id, school_id=origin.id, status=status,
                                  transport="etr"))
    db.session.flush()
    found = school_of_origin_coverage([k.id for k in kids.values()], TODAY)
    # Applies: the four who stayed at their school of origin with a placement on an open case.
    stayed = {kids[n].id for n in ("stayed", "stayed_planned", "stayed_pending", "stayed_stopped")}
    assert found.applies_ids == stayed and found.applies == 4
    # With a plan: the approved one only (moved has one, but no school of origin applies to them).
    assert found.with_plan_ids == {kids["stayed_planned"].id} and found.with_plan == 1
    assert found.awaiting == 1


def test_empty_set(ctx, fixed_today):
    found = school_of_origin_coverage([], TODAY)
    assert (found.applies, found.with_plan, found.awaiting) == (0, 0, 0)
