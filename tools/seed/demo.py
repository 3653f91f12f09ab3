"""The demo caseload: fictitious students with fixed names and scenarios, at every scale.

``csw.demo`` has twelve DCFS-assigned active foster youth in Pomona Unified, each showing
something the app must handle (a school change this month, chronic absence, D/F marks, no
current enrollment, twins, a retired SSID...). One more active foster youth is assigned to a
worker who is not in the registry, so the demo CSW can find and add them by search.
``csw2.demo`` gets six ordinary active foster youth.
"""
from __future__ import annotations

import datetime as dt

from tools.seed.calendar import SchoolYear, weekday_on_or_before, year_start_for
from tools.seed.placements import DEMO_PLACEMENTS, TODDLER_PLACEMENT
from tools.seed.places import POMONA
from tools.seed.student_plans import DEMO_BASE, Holder, Plan, StudentFactory
from tools.seed.workforce import DEMO_CSW, DEMO_CSW2, UNREGISTERED_WORKER

# key, first, middle, last, alias first, gender, grade index, language, case type
DEMO_STUDENTS = (
    ("school_change", "María José", None, "Ñúñez García", "Majo", "F", 7, "Spanish", "FR"),
    ("chronic_absence", "Liam", "Patrick", "O'Brien", None, "M", 4, "English", "PP"),
    ("failing_marks", "Sofía", "Isabel", "De La Cruz", None, "F", 10, "English", "FR"),
    ("no_current_enrollment", "Mateo", None, "Smith-Jones", None, "M", 9, "English", "FM"),
    ("twin_1", "Isabella", "Rose", "Hernández", "Bella", "F", 2, "Spanish", "FR"),
    ("twin_2", "Camila", "Grace", "Hernández", None, "F", 2, "Spanish", "FR"),
    ("steady", "Jayden", "Malik", "Washington", None, "M", 11, "English", "PP"),
    ("homeless", "Ximena", None, "Ramírez-Torres", None, "F", 6, "Spanish", "FR"),
    ("retired_ssid", "José Luis", None, "Martínez", "Pepe", "M", 8, "English", "PP"),
    ("kindergarten", "Ángel", None, "Peña", None, "M", 0, "Spanish", "FR"),
    ("grade_change", "Aaliyah", "Simone", "Jackson", None, "F", 3, "English", "FM"),
    ("mobile", "Thảo", "Vy", "Nguyễn", "Tina", "F", 12, "Vietnamese", "PP"),
    ("unassigned", "Diego", "Alejandro", "Zúñiga", None, "M", 8, "Spanish", "FR"),
)
CSW2_STUDENTS = 6


def demo_plans(factory: StudentFactory, today: dt.date) -> list[Plan]:
    """The demo students' plans, in a fixed order (SSIDs from a reserved index range)."""
    rng = factory.rng
    year = SchoolYear.of(year_start_for(today))
    plans: list[Plan] = []
    twin_birth: dt.date | None = None
    holder = Holder(f"Rosa {DEMO_STUDENTS[4][3]}", "grandmother")
    for k, (key, first, middle, last, alias, gender, grade, language, case_type) in enumerate(DEMO_STUDENTS):
        birth = factory.birth_date(grade, False)
        if key == "twin_2":
            birth = twin_birth
        twin_birth = birth if key == "twin_1" else twin_birth
        csw = UNREGISTERED_WORKER if key == "unassigned" else DEMO_CSW.dcfs_employee_id
        rights = holder if key.startswith("twin") else factory.rights_holder(last, language == "Spanish")
        p = Plan(
            ssid=factory.ssid(DEMO_BASE + k), first=first, middle=middle, last=last, alias_first=alias,
            alias_last=None, birth_date=birth, gender=gender, language=language,
            client_id=factory.client_id(DEMO_BASE + k), homeless=key == "homeless", grade=grade,
            district=POMONA, active=True,
            cases=factory.cases_for(True, case_type, "Pomona", csw, rights),
            progress=grade >= 1, ability="strong" if key == "steady" else "average",
        )
        if key == "school_change":
            change = weekday_on_or_before(today - dt.timedelta(days=12), 4)
            p.move_dates_cur = [change] if change > year.first_day + dt.timedelta(days=3) else []
        elif key == "chronic_absence":
            p.chronic, p.absence_rate = True, 0.22
        elif key == "failing_marks":
            p.ability, p.force_df = "struggling", True
        elif key == "no_current_enrollment":
            p.no_current, p.moves_prev = "no_show", 1
        elif key == "retired_ssid":
            p.previous_ssids = [factory.ssid(DEMO_BASE + 100 + k)]
        elif key == "grade_change":
            p.e150 = "cur"
        elif key == "mobile":
            p.moves_prev = 2
            move = weekday_on_or_before(year.first_day + dt.timedelta(days=30), 4)
            p.move_dates_cur = [move] if move < today - dt.timedelta(days=35) else []
        else:
            p.absence_rate = rng.uniform(0.01, 0.06)
        p.placement = DEMO_PLACEMENTS.get(key)
        plans.append(p)
    for k in range(CSW2_STUDENTS):
        p = factory.plan(DEMO_BASE + 50 + k, 1)
        p.district, p.active = POMONA, True
        p.cases = factory.cases_for(True, "FR" if k % 2 else "PP", "Pomona", DEMO_CSW2.dcfs_employee_id,
                                    factory.rights_holder(p.last, p.language == "Spanish"))
        p.no_current = None
        if k == 0:  # a TK-age child (4): the travel checklist's "school aged" item fails
            p.grade, p.birth_date, p.placement = -1, dt.date(factory.year - 5, 12, 2), TODDLER_PLACEMENT
        p.progress = 1 <= p.grade <= 12
        plans.append(p)
    factory.family = None
    return plans
