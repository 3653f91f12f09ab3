"""The CSV generator alone: determinism, the importer's columns, realistic shapes of the data."""
from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from mobile_service.importing import KINDS
from tools.seed import COLUMNS, KIND_ORDER, MIN_STUDENTS, write_csvs
from tools.seed.calendar import SchoolYear, weekdays_between

TODAY = dt.date(2026, 10, 15)


def _files(directory: Path) -> dict[str, bytes]:
    return {kind: (directory / f"{kind}.csv").read_bytes() for kind in KIND_ORDER}


def _rows(directory: Path, kind: str) -> list[dict[str, str]]:
    with (directory / f"{kind}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("gen")
    write_csvs(directory, students=600, seed=5, today=TODAY)
    return directory


def test_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path, generated):
    write_csvs(tmp_path / "again", students=600, seed=5, today=TODAY)
    write_csvs(tmp_path / "other", students=600, seed=6, today=TODAY)
    assert _files(tmp_path / "again") == _files(generated)
    other = _files(tmp_path / "other")
    assert all(other[kind] != _files(generated)[kind] for kind in ("students", "enrollments", "attendance"))


def test_every_file_has_the_importer_columns(generated):
    assert set(COLUMNS) == set(KINDS)
    for kind in KIND_ORDER:
        with (generated / f"{kind}.csv").open(encoding="utf-8", newline="") as fh:
            header = next(csv.reader(fh))
        assert set(KINDS[kind]) <= set(header), kind


def test_too_small_a_scale_is_refused(tmp_path):
    with pytest.raises(ValueError, match="at least"):
        write_csvs(tmp_path, students=MIN_STUDENTS - 1, seed=1, today=TODAY)


def test_students_are_unique_realistic_and_match_their_grade(generated):
    students = _rows(generated, "students")
    assert len(students) == 600
    ssids = [s["ssid"] for s in students]
    retired = [p for s in students for p in s["previous_ssids"].split(";") if p]
    assert len(set(ssids + retired)) == len(ssids) + len(retired)
    assert all(len(x) == 10 and x.isdigit() for x in ssids + retired)
    assert 3 <= len(retired) <= 30  # about 2 %
    names = " ".join(s["legal_first_name"] + " " + s["legal_last_name"] for s in students)
    assert any(ch in names for ch in "áéíóúñÑ") and "-" in names and "'" in names
    surnames = Counter(s["legal_last_name"] for s in students)
    assert surnames.most_common(1)[0][1] >= 5  # shared surnames
    twins = Counter((s["legal_last_name"], s["birth_date"]) for s in students)
    assert sum(1 for n in twins.values() if n >= 2) >= 3
    assert any(s["alias_first_name"] for s in students)
    year = SchoolYear.of(2026)
    grades = {e["ssid"]: e["grade_level"] for e in _rows(generated, "enrollments") if e["academic_year"] == year.label}
    for s in students:
        birth = dt.date.fromisoformat(s["birth_date"])
        age = 2026 - birth.year - ((birth.month, birth.day) > (9, 1))
        assert 4 <= age <= 18
        grade = grades.get(s["ssid"])
        if grade and grade not in ("TK", "KN"):
            assert int(grade) + 5 - age in (0, -1), (grade, age)  # on track, or held back a year


def test_schools_are_la_county_cds_codes_with_coordinates(generated):
    schools = _rows(generated, "schools")
    assert len(schools) == 20  # one per 100 students, at least 20
    assert all(s["cds_code"].startswith("19") and len(s["cds_code"]) == 14 for s in schools)
    assert len({s["cds_code"] for s in schools}) == len(schools)
    assert any(s["district_name"] == "Pomona Unified" for s in schools)
    for s in schools:
        assert 33.7 <= float(s["latitude"]) <= 34.82 and -118.95 <= float(s["longitude"]) <= -117.65


def test_enrollment_history_has_year_end_exits_moves_and_grade_splits(generated):
    enrollments = _rows(generated, "enrollments")
    reasons = Counter(e["exit_reason_code"] for e in enrollments)
    assert reasons["E155"] > 100 and reasons["T160"] > 20 and reasons["E230"] > 10
    prev = SchoolYear.of(2025)
    for e in enrollments:
        if e["exit_reason_code"] == "E155":
            assert e["exit_date"] == prev.last_day.isoformat()
        assert e["start_date"] <= (e["exit_date"] or e["start_date"])
        assert e["start_date"] <= TODAY.isoformat()


def test_attendance_counts_are_consistent(generated):
    for a in _rows(generated, "attendance"):
        expected, attended = int(a["days_expected"]), int(a["days_attended"])
        absent = sum(int(a[c]) for c in ("days_absent_excused", "days_absent_unexcused", "days_suspended_out",
                                         "days_incomplete_study"))
        assert 0 < expected <= 180 and attended + absent == expected
        assert int(a["days_suspended_in"]) <= attended


def test_progress_reports_have_five_to_seven_courses_and_some_failing_marks(generated):
    reports: dict[tuple, list[dict]] = {}
    for m in _rows(generated, "progress-reports"):
        reports.setdefault((m["ssid"], m["cds_code"], m["term"]), []).append(m)
    assert reports
    assert all(5 <= len(marks) <= 7 for marks in reports.values())
    letters = Counter(m["mark"][0] for marks in reports.values() for m in marks)
    assert letters["D"] and letters["F"] and letters["A"]


def test_school_days_scale_to_180_a_year():
    year = SchoolYear.of(2026)
    assert year.school_days(year.first_day, year.last_day) == 180
    assert weekdays_between(dt.date(2026, 10, 12), dt.date(2026, 10, 18)) == 5
    assert weekdays_between(dt.date(2026, 10, 18), dt.date(2026, 10, 12)) == 0
