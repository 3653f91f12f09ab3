"""The team indicator "share with a travel plan where a school of origin applies" (issue 16 item 2).

A school of origin APPLIES to a student, on a day, when all of these hold:
- the student's current case (open, unexpired; see ``records.current_placements``) carries a
  placement start date in the DCFS feed;
- the student's current enrollment that day (``education.current_enrollment``) is at a school
  that is a school-of-origin candidate for that placement (policy 0900-520.20's definition:
  attended before the reference placement, or within the 15 months before it), i.e. the child
  stayed in a school of origin after being placed.
Of those, a student HAS A TRAVEL PLAN when a plan for them is approved and not stopped; a
submitted plan still awaiting the SCSW is counted apart (``awaiting``), not as a plan.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import bindparam, select

from mobile_service.education import current_enrollment
from mobile_service.extensions import db
from mobile_service.models import TravelPlan
from mobile_service.models.travel import PLAN_APPROVED, PLAN_SUBMITTED
from mobile_service.travel.origin import candidates
from mobile_service.travel.records import current_placements, enrollment_spans

_PLANS = (select(TravelPlan.student_id, TravelPlan.status)
          .where(TravelPlan.student_id.in_(bindparam("student_ids", expanding=True)),
                 TravelPlan.status.in_((PLAN_APPROVED, PLAN_SUBMITTED))))


@dataclass(frozen=True)
class Coverage:
    """How many of the students a school of origin applies to, and how many of those have a plan."""

    applies: int  # the denominator
    with_plan: int  # the numerator: an approved, unstopped plan
    awaiting: int  # applies, no approved plan, a submitted one awaiting approval
    applies_ids: frozenset[int]
    with_plan_ids: frozenset[int]


def applies_to(student_ids: Iterable[int], today: dt.date) -> set[int]:
    """The students to whom a school of origin applies today (definition: the module docstring)."""
    ids = sorted(set(student_ids))
    placements = current_placements(ids, today)
    spans = enrollment_spans(list(placements))
    found = set()
    for student_id, placement in placements.items():
        rows = spans.get(student_id, [])
        now = current_enrollment(rows, today)
        if now is not None and any(c.cds_code == now.cds_code for c in candidates(rows, placement)):
            found.add(student_id)
    return found


def school_of_origin_coverage(student_ids: Iterable[int], today: dt.date) -> Coverage:
    """For a set of students: how many a school of origin applies to, how many of those have a plan.

    A constant number of statements whatever the set's size (cases, enrollments, plans).
    """
    applies = applies_to(student_ids, today)
    approved, submitted = set(), set()
    if applies:
        for row in db.session.execute(_PLANS, {"student_ids": sorted(applies)}):
            (approved if row.status == PLAN_APPROVED else submitted).add(row.student_id)
    return Coverage(applies=len(applies), with_plan=len(approved), awaiting=len(submitted - approved),
                    applies_ids=frozenset(applies), with_plan_ids=frozenset(approved))
