"""The generator produces every education case of issue 12, and the rules read them truthfully.

Generated early in the school year (1 September), when every promotion's new school started
less than 30 days ago: a promotion or a summer stay counted as a move would raise
``school_change_30d`` here. The rules are the app's own (``mobile_service.education``).
"""
from __future__ import annotations

import csv
import datetime as dt
import itertools
from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace

import pytest

from mobile_service import education
from tools.seed import write_csvs
from tools.seed.calendar import SchoolYear

EARLY = dt.date(2026, 9, 1)
YEAR = SchoolYear.of(2026)


def _rows(directory: Path, kind: str) -> list[dict[str, str]]:
    with (directory / f"{kind}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


@pytest.fixture(scope="module")
def early(tmp_path_factory) -> SimpleNamespace:
    directory = tmp_path_factory.mktemp("early")
    write_csvs(directory, students=600, seed=7, today=EARLY, workers=1)
    spans: dict[str, list[SimpleNamespace]] = defaultdict(list)
    for e in _rows(directory, "enrollments"):
        spans[e["ssid"]].append(SimpleNamespace(
            school_id=e["cds_code"], enrollment_status=e["enrollment_status"], grade_level=e["grade_level"],
            start_date=_date(e["start_date"]), exit_date=_date(e["exit_date"]),
            exit_reason_code=e["exit_reason_code"] or None))
    return SimpleNamespace(students=_rows(directory, "students"), spans=spans)


def _alerts(history) -> list[str]:
    figures = education.mobility(history, EARLY)
    return education.alerts(mobility_figures=figures, attendance_figures=None, marks_figures=None)


def test_promotions_and_summer_stays_never_raise_school_change_30d(early):
    promoted = summer = 0
    for ssid, history in early.spans.items():
        primary = sorted((s for s in history if s.enrollment_status == "10"), key=lambda s: s.start_date)
        pairs = list(itertools.pairwise(primary))
        # A move within this school year: the only thing allowed to raise the alert.
        moved = any(a.school_id != b.school_id and a.exit_reason_code != "E230" and b.start_date >= YEAR.first_day
                    for a, b in pairs)
        promotion = any(a.exit_reason_code == "E230" and a.school_id != b.school_id for a, b in pairs)
        stay = any(s.enrollment_status == "30" and s.exit_reason_code == "E490" for s in history)
        promoted += promotion
        summer += stay
        if (promotion or stay) and not moved:
            assert "school_change_30d" not in _alerts(history), (ssid, history)
            assert education.mobility(history, EARLY).school_changes_this_year == 0
    assert promoted >= 20 and summer >= 10  # 5th->6th, 8th->9th promotions; status-30 sessions


def test_k6_e450_withdrawals_show_no_current_enrollment(early):
    withdrawn = 0
    for history in early.spans.values():
        last = max(history, key=lambda s: s.start_date)
        if (last.exit_reason_code == "E450" and last.grade_level in ("KN", "01", "02", "03", "04", "05", "06")
                and last.exit_date >= YEAR.first_day):
            withdrawn += 1
            assert education.current_enrollment(history, EARLY) is None
            assert "no_current_enrollment" in _alerts(history)
    assert withdrawn >= 1


def test_no_tk_grade_tk_age_children_are_kn_and_twins_are_distinct(early):
    grades = {s.grade_level for history in early.spans.values() for s in history}
    assert "TK" not in grades and "KN" in grades
    births = {s["ssid"]: dt.date.fromisoformat(s["birth_date"]) for s in early.students}
    tk_age = [ssid for ssid, history in early.spans.items()
              if any(s.grade_level == "KN" and s.start_date >= YEAR.first_day for s in history)
              and dt.date(2026, 9, 1).year - births[ssid].year - ((births[ssid].month, births[ssid].day) > (9, 1)) == 4]
    assert tk_age  # turning 5 after 1 September: TK, enrolled as KN (Guide 2.1.3)
    families = defaultdict(list)
    for s in early.students:
        families[(s["legal_last_name"], s["birth_date"])].append(s)
    twins = [group for group in families.values() if len(group) >= 2]
    assert twins
    for group in twins:
        assert len({s["ssid"] for s in group}) == len(group)
    assert sum(len({s["legal_first_name"] for s in group}) == len(group) for group in twins) >= len(twins) - 1


def test_year_end_e450_and_e155_are_summer_breaks_not_gaps(early):
    breaks = 0
    for history in early.spans.values():
        for s in history:
            if s.exit_reason_code in ("E155", "E450") and s.exit_date == SchoolYear.of(2025).last_day:
                breaks += 1
                # Over the summer the child is still that school's student (Appendix C E155/E450).
                assert education.current_enrollment(history, dt.date(2026, 7, 20)) is s
    assert breaks > 100
