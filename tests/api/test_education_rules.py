"""The education rules, one row per rule, through the caseload card and the record tabs.

Each row's id names the CALPADS Data Guide v11.0 passage it follows (seed
calpads-data-guide-v11.txt; sections and pages from its table of contents). Every row is loaded
into the database (SQLite, and PostgreSQL with ``--require-postgres``) and read back through
``GET /api/v1/caseload`` and the enrollment and attendance tabs: the card and the tabs must agree.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest

from mobile_service.extensions import db
from tests.api.caseload_helpers import bearer
from tests.api.student_helpers import attendance_row, enroll
from tests.factories import app_token_for, make_case, make_school, make_student, make_user

D = dt.date
OCT15 = D(2026, 10, 15)


@dataclass(frozen=True)
class Rule:
    """One rule: the history, the day it is read, and what the card and the tabs must say."""

    spans: tuple[tuple, ...]     # (school, start, exit, reason, status, grade)
    today: dt.date = OCT15
    current: str | None = None   # the current school's name ("A", "B", "C") or None
    grade: str | None = None
    changes: int = 0             # school_changes_this_year
    days_since: int | None = None
    schools: int | None = None   # schools_this_year, when the row checks it
    alerts: tuple[str, ...] = ()
    attendance: tuple[dict, ...] = ()   # attendance rows of the current year (school, counts)
    chronic_rows: tuple[bool, ...] = field(default=())  # the tab's flag per row, in the order given


def span(school, start, exit_date=None, reason=None, status="10", grade="07"):
    return (school, start, exit_date, reason, status, grade)


RULES = {
    # E450 is a withdrawal: "This code may be used for all infants, toddlers, pre-K, K-6 exits."
    "E450-mid-year-is-a-withdrawal[Guide 5.3 App C p.246 E450: 'may be used for all ... K-6 exits']": Rule(
        (span("A", D(2026, 8, 13), D(2026, 10, 1), "E450", grade="03"),), today=D(2026, 12, 1),
        alerts=("no_current_enrollment",), schools=1),
    "E450-year-end-is-a-summer-break[Guide 5.3 App C E450: 'temporary break such as summer vacation']": Rule(
        (span("A", D(2025, 8, 14), D(2026, 6, 5), "E450", grade="03"),), today=D(2026, 7, 20),
        current="A", grade="03"),
    "E155-summer-expected-back[Guide 5.3 App C E155: 'expected to return to the same school']": Rule(
        (span("A", D(2025, 8, 14), D(2026, 6, 5), "E155", grade="06"),), today=D(2026, 7, 20),
        current="A", grade="06"),
    "E155-not-back-by-census-day[Guide 2.1.1 p.37 'must re-enroll all students'; 1.4.5 Census Day]": Rule(
        (span("A", D(2025, 8, 14), D(2026, 6, 5), "E155", grade="06"),), alerts=("no_current_enrollment",)),
    "E155-mid-year-is-no-grace[Guide 3.1.8 p.202: 'E155 ... restricted to May 15 through August 15']": Rule(
        (span("A", D(2026, 8, 13), D(2026, 10, 1), "E155"),), alerts=("no_current_enrollment",)),
    "E150-split-same-school[Guide 5.3 App C E150: 'The student is not exiting the school']": Rule(
        (span("A", D(2026, 8, 13), D(2026, 9, 1), "E150", grade="07"), span("A", D(2026, 9, 2), grade="08")),
        current="A", grade="08", schools=1),
    "E150-awaiting-next-record[Guide 2.1.1 p.37: 'generally within 14 days']": Rule(
        (span("A", D(2026, 8, 13), D(2026, 10, 8), "E150"),), current="A"),
    "E230-promotion-is-not-a-move[Guide 5.3 App C note to E155: 'use ... E230 ... 480 Promoted']": Rule(
        (span("A", D(2025, 8, 14), D(2026, 6, 5), "E230", grade="05"), span("B", D(2026, 8, 13), grade="06")),
        today=D(2026, 9, 1), current="B", grade="06", schools=1),
    "E230-summer-between-schools[Guide 5.3 App C E230: 'completing his/her academic program']": Rule(
        (span("A", D(2025, 8, 14), D(2026, 6, 5), "E230", grade="08"),), today=D(2026, 7, 20)),
    "E230-graduate-has-no-school[Guide 5.3 App C E230 with grade 12]": Rule(
        (span("A", D(2025, 8, 14), D(2026, 6, 5), "E230", grade="12"),), today=D(2026, 7, 20),
        alerts=("no_current_enrollment",)),
    "status30-E490-summer-school-is-not-a-move[Guide 3.1.9.2 p.211 'E490 Summer or Intersession Exit']": Rule(
        (span("A", D(2025, 8, 14), D(2026, 6, 5), "E155", grade="04"),
         span("B", D(2026, 6, 15), D(2026, 7, 17), "E490", status="30", grade="04"),
         span("A", D(2026, 8, 13), grade="05")),
        today=D(2026, 8, 25), current="A", grade="05", schools=1),
    "status30-during-summer-school-of-record-stays[Guide 2.1.1 field 1.23 'Short-term enrollment']": Rule(
        (span("A", D(2025, 8, 14), D(2026, 6, 5), "E155", grade="04"),
         span("B", D(2026, 6, 15), D(2026, 7, 17), status="30", grade="04")),
        today=D(2026, 7, 1), current="A", grade="04"),
    "T160-move-within-the-year[REL West 'changed schools at least once during the school year']": Rule(
        (span("A", D(2026, 8, 13), D(2026, 9, 25), "T160"), span("B", D(2026, 9, 28))),
        current="B", changes=1, days_since=17, schools=2, alerts=("school_change_30d",)),
    "summer-change-is-not-within-a-school-year[REL West 'during the school year'; Guide 3.1.5 7/1-6/30]": Rule(
        (span("A", D(2025, 8, 14), D(2026, 6, 5), "T160"), span("B", D(2026, 8, 13))), today=D(2026, 8, 20),
        current="B", schools=1),
    "T160-without-receiving-school[Guide 3.1.8 lost transfer; App C T160 'subsequent enrollment']": Rule(
        (span("A", D(2026, 8, 13), D(2026, 10, 1), "T160"),), alerts=("no_current_enrollment",)),
    "N470-no-show-never-happened[Guide 5.3 App C N470: 'nullifies a pre-enrollment record']": Rule(
        (span("A", D(2026, 8, 13)), span("B", D(2026, 9, 1), D(2026, 9, 1), "N470")), current="A", schools=1),
    "status20-secondary-is-not-a-move[Guide 5.3 App C E170: 'secondary Enrollment Status Code (20)']": Rule(
        (span("A", D(2026, 8, 13)), span("B", D(2026, 9, 1), status="20")), current="A", schools=1),
    "chronic-10-percent-ISS-is-attendance[Guide 2.1.6 p.75 13.16, 13.18 'in attendance'; Report 14.1]": Rule(
        (span("A", D(2026, 8, 13)),), current="A", alerts=("chronic_absence",),
        attendance=({"school": "A", "days_expected": 40, "days_attended": 36, "days_suspended_in": 3,
                     "days_absent_excused": 1, "days_absent_unexcused": 1, "days_suspended_out": 1,
                     "days_incomplete_study": 1},),
        chronic_rows=(True,)),
    "under-10-percent-not-chronic[Guide 2.1.6 'absent 10 percent or more of the scheduled days']": Rule(
        (span("A", D(2026, 8, 13)),), current="A",
        attendance=({"school": "A", "days_expected": 41, "days_attended": 37, "days_absent_excused": 4,
                     "days_absent_unexcused": 0, "days_suspended_out": 0},),
        chronic_rows=(False,)),
    "chronic-per-school-30-days[Guide 2.1.6: 'enrolled at a school for 30 days or less' not included]": Rule(
        (span("A", D(2026, 8, 13), D(2026, 9, 10), "T160"), span("B", D(2026, 9, 11))), current="B",
        changes=1, days_since=34, schools=2,
        attendance=({"school": "A", "days_expected": 20, "days_attended": 17, "days_absent_excused": 3,
                     "days_absent_unexcused": 0, "days_suspended_out": 0},
                    {"school": "B", "days_expected": 25, "days_attended": 22, "days_absent_excused": 3,
                     "days_absent_unexcused": 0, "days_suspended_out": 0}),
        chronic_rows=(False, False)),
}


@pytest.mark.parametrize("rule", RULES.values(), ids=list(RULES))
def test_rule_through_card_and_tabs(client, app, service_clock, rule: Rule):
    service_clock.fix_today(rule.today)
    with app.app_context():
        csw = make_user("csw")
        schools = {name: make_school(name=name) for name in ("A", "B", "C")}
        kid = make_student()
        make_case(kid, csw, assignment_start=D(2025, 1, 6))
        for school, start, exit_date, reason, status, grade in rule.spans:
            enroll(kid, schools[school], start, exit_date=exit_date, exit_reason=reason, status=status, grade=grade)
        for row in rule.attendance:
            values = dict(row)
            attendance_row(kid, schools[values.pop("school")], "2026-27", **values)
        db.session.commit()
        headers, key = bearer(app_token_for(csw)), kid.student_key

    card = client.get("/api/v1/caseload", headers=headers).get_json()["items"][0]
    tab = client.get(f"/api/v1/students/{key}/enrollments", headers=headers).get_json()["mobility"]
    demographics = client.get(f"/api/v1/students/{key}", headers=headers).get_json()

    assert (card["school"] or {}).get("name") == rule.current
    assert (demographics["current_school"] or {}).get("name") == rule.current
    if rule.grade is not None:
        assert card["grade"] == demographics["grade_level"] == rule.grade
    assert card["school_changes_this_year"] == tab["school_changes_this_year"] == rule.changes
    assert card["days_since_school_change"] == tab["days_since_school_change"] == rule.days_since
    if rule.schools is not None:
        assert tab["schools_this_year"] == rule.schools
    assert card["alerts"] == [a for a in ("school_change_30d", "chronic_absence", "no_current_enrollment",
                                          "failing_marks") if a in rule.alerts]
    if rule.attendance:
        years = client.get(f"/api/v1/students/{key}/attendance", headers=headers).get_json()["years"]
        by_school = {y["school_name"]: y["chronically_absent"] for y in years}
        assert [by_school[row["school"]] for row in rule.attendance] == list(rule.chronic_rows)
        # The card's flag is the tab's per-school flag, never a sum over schools.
        assert card["attendance"]["chronically_absent"] == any(rule.chronic_rows)
        assert card["attendance"]["days_expected"] == sum(row["days_expected"] for row in rule.attendance)
