"""A hand-built team for the indicator tests: every rule the indicators follow, counted by hand below."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from mobile_service.extensions import db
from mobile_service.models import FOSTER_INACTIVE, TravelPlan
from tests.api.student_helpers import add_to_caseload, attendance_row, enroll, progress_report
from tests.factories import make_case, make_school, make_student, make_supervision, make_user

YEAR = "2026-27"


def _absence(kid, school, expected: int, absent: int) -> None:
    attendance_row(kid, school, YEAR, days_expected=expected, days_attended=expected - absent,
                   days_absent_excused=absent, days_absent_unexcused=0, days_suspended_out=0)


def _marks(kid, school, day: dt.date, *marks: str, year: str = YEAR) -> None:
    progress_report(kid, school, year, f"T{day.isoformat()}", day,
                    [(f"C{n}", f"Course {n}", mark, "5", "5") for n, mark in enumerate(marks)])


def seed_team() -> SimpleNamespace:
    """SCSW Sofia supervises Ann (a1-a4) and Ben (b1, b2, and a4 by a manual add); Cleo is another team's.

    Today is 2026-10-15 (``fixed_today``). Per student (school change / chronic / D-F / no enrollment):
    a1 moved 9/8 (T160); 25 + 16 days at two schools (never over 30: not counted); B, F on 10/1.
    a2 promoted in June (E230, not a move); 4 absent of 40 (10 %: chronic); A, B.
    a3 left on 9/30 (T160) with no new school; 2 of 33; no report.
    a4 no records at all (on both caseloads).
    b1 E155 in June and back at the same school, a summer stay elsewhere (neither a move); 3 of 45;
       D+ this year (an F last year does not count).
    b2 inactive foster status (on the team's caseload, not in the county baseline); moved 8/31; P only.
    c1 (Cleo's) moved 9/8; 4 of 35 (chronic); F.  u1 a worker's nobody here supervises: 1 of 50; A.
    Travel plans (a school of origin applies: placed on the current case, still at a school attended
    before the placement): a1 placed 9/5, then moved to Y (not a school of origin: does not apply);
    a2 placed 9/20, still at X, an approved plan (applies, with a plan); b1 placed 9/1, still at Z,
    no plan (applies, without); b2 placed 9/10, still at Y, a plan only submitted (applies, without);
    c1 placed 9/15 after the move, at Y, approved (applies, with); u1 placed 10/1, at X, no plan.
    """
    scsw, other = make_user("scsw", display_name="Sofia Supervisor"), make_user("scsw")
    ann, ben = make_user("csw", display_name="Ann Worker"), make_user("csw", display_name="Ben Worker")
    cleo = make_user("csw", display_name="Cleo Elsewhere")
    make_supervision(scsw, ann)
    make_supervision(scsw, ben)
    make_supervision(other, cleo)
    x, y, z, mid = (make_school(name=name) for name in ("X High", "Y High", "Z Elementary", "Mid Middle"))
    kids = {name: make_student(legal_first_name=name.upper(), legal_last_name="Teamkid")
            for name in ("a1", "a2", "a3", "a4", "b1", "c1", "u1")}
    kids["b2"] = make_student(legal_first_name="B2", legal_last_name="Teamkid", foster_status=FOSTER_INACTIVE)
    placed = {"a1": dt.date(2026, 9, 5), "a2": dt.date(2026, 9, 20), "b1": dt.date(2026, 9, 1),
              "b2": dt.date(2026, 9, 10), "c1": dt.date(2026, 9, 15), "u1": dt.date(2026, 10, 1)}

    def case(name: str, worker) -> None:
        placement = {"placement_start_date": placed[name], "placement_type": "FFH"} if name in placed else {}
        make_case(kids[name], worker, **placement)

    for name in ("a1", "a2", "a3", "a4"):
        case(name, ann)
    case("b1", ben)
    case("b2", ben)
    add_to_caseload(ben, kids["a4"])
    case("c1", cleo)
    case("u1", make_user("csw"))  # a worker no SCSW here supervises: county only

    a1 = kids["a1"]
    enroll(a1, x, dt.date(2026, 8, 13), exit_date=dt.date(2026, 9, 4), exit_reason="T160")
    enroll(a1, y, dt.date(2026, 9, 8))
    _absence(a1, x, 16, 5)
    _absence(a1, y, 25, 5)
    _marks(a1, y, dt.date(2026, 10, 1), "B", "F")

    a2 = kids["a2"]
    enroll(a2, mid, dt.date(2025, 8, 14), exit_date=dt.date(2026, 6, 4), exit_reason="E230", grade="08")
    enroll(a2, x, dt.date(2026, 8, 13), grade="09")
    _absence(a2, x, 40, 4)
    _marks(a2, x, dt.date(2026, 10, 1), "A", "B")

    a3 = kids["a3"]
    enroll(a3, x, dt.date(2026, 8, 13), exit_date=dt.date(2026, 9, 30), exit_reason="T160")
    _absence(a3, x, 33, 2)

    b1 = kids["b1"]
    enroll(b1, z, dt.date(2025, 8, 14), exit_date=dt.date(2026, 6, 5), exit_reason="E155", grade="04")
    enroll(b1, y, dt.date(2026, 7, 1), exit_date=dt.date(2026, 7, 30), status="30", grade="05")
    enroll(b1, z, dt.date(2026, 8, 12), grade="05")
    _absence(b1, z, 45, 3)
    _marks(b1, z, dt.date(2026, 10, 2), "D+", "A")
    _marks(b1, z, dt.date(2026, 6, 1), "F", year="2025-26")

    b2 = kids["b2"]
    enroll(b2, x, dt.date(2026, 8, 13), exit_date=dt.date(2026, 8, 28), exit_reason="T160")
    enroll(b2, y, dt.date(2026, 8, 31))
    _marks(b2, y, dt.date(2026, 9, 25), "P", "P")

    c1 = kids["c1"]
    enroll(c1, x, dt.date(2026, 8, 13), exit_date=dt.date(2026, 9, 4), exit_reason="T160")
    enroll(c1, y, dt.date(2026, 9, 8))
    _absence(c1, y, 35, 4)
    _marks(c1, y, dt.date(2026, 10, 1), "F")

    u1 = kids["u1"]
    enroll(u1, x, dt.date(2026, 8, 13))
    _absence(u1, x, 50, 1)
    _marks(u1, x, dt.date(2026, 10, 1), "A")

    for name, school, status in (("a2", x, "approved"), ("b2", y, "submitted"), ("c1", y, "approved")):
        db.session.add(TravelPlan(student_id=kids[name].id, csw_user_id=ann.id, school_id=school.id,
                                  status=status, transport="etr"))
    db.session.commit()
    return SimpleNamespace(scsw=scsw, other=other, ann=ann, ben=ben, cleo=cleo, kids=kids)


# By hand from the docstring above: indicator -> (numerator, denominator).
# travel_plan: the team's a2 (with), b1, b2 (without); Ann's a2; Ben's b1, b2; the county's active
# a2, c1 (with), b1, u1 (without) -- b2 is inactive.
TEAM = {"school_change": (2, 5), "chronic_absence": (1, 3), "failing_marks": (2, 3), "no_current_enrollment": (2, 6),
        "travel_plan": (1, 3)}
ANN = {"school_change": (1, 3), "chronic_absence": (1, 2), "failing_marks": (1, 2), "no_current_enrollment": (2, 4),
       "travel_plan": (1, 1)}
BEN = {"school_change": (1, 2), "chronic_absence": (0, 1), "failing_marks": (1, 1), "no_current_enrollment": (1, 3),
       "travel_plan": (0, 2)}
COUNTY = {"school_change": (2, 6), "chronic_absence": (2, 5), "failing_marks": (3, 5), "no_current_enrollment": (2, 7),
          "travel_plan": (2, 4)}
# The team as of each month end: July (nobody enrolled yet; a2 promoted and b1 after E155 are not
# "no enrollment"), August (b2 moved on 8/31), September (a1 moved on 9/8; a3 still there on 9/30).
# Chronic absence and travel plans are today only (no history in the feeds): null before.
TREND = {
    "2026-07": {"school_change": (0, 0), "chronic_absence": None, "failing_marks": (0, 0),
                "no_current_enrollment": (4, 6), "travel_plan": None},
    "2026-08": {"school_change": (1, 5), "chronic_absence": None, "failing_marks": (0, 0),
                "no_current_enrollment": (1, 6), "travel_plan": None},
    "2026-09": {"school_change": (2, 5), "chronic_absence": None, "failing_marks": (0, 0),
                "no_current_enrollment": (1, 6), "travel_plan": None},
    "2026-10": TEAM,
}


def figures(population: dict) -> dict:
    """``{indicator: (numerator, denominator)}`` of a response's population (None: not measurable)."""
    return {f["indicator"]: None if f["denominator"] is None else (f["numerator"], f["denominator"])
            for f in population["figures"]}
