"""Snapshot loads (issue 12, item 2): ``import KIND FILE --snapshot SCOPE`` removes what the source deleted.

Week 1 is loaded, then week 2 lacks some rows: they go (and the DCFS access they granted), the
counts are printed and recorded, the mass-delete guard stops a truncated file, a reload removes
nothing, and a bad row leaves everything as it was.
"""
from __future__ import annotations

import pytest

from mobile_service.extensions import db
from mobile_service.importing import ImportRejected, run_import
from mobile_service.models import SourceLoad
from tests.importing.import_helpers import count, rows, snapshot

DISTRICT, OTHER_DISTRICT = "1964733", "1973452"
SCHOOL_A, SCHOOL_B, SCHOOL_OTHER = f"{DISTRICT}1932334", f"{DISTRICT}0000001", f"{OTHER_DISTRICT}0000009"
YEAR, LAST_YEAR = "2025-26", "2024-25"
SCOPE = f"district={DISTRICT}:{YEAR}"
SSIDS = [f"{5000000000 + i}" for i in range(10)]

H_ENROLL = "ssid,academic_year,cds_code,enrollment_status,grade_level,start_date,exit_date,exit_reason_code"
H_ATT = ("ssid,academic_year,cds_code,as_of_date,days_expected,days_attended,days_absent_excused,"
         "days_absent_unexcused,days_suspended_out,days_suspended_in,days_incomplete_study")
H_PR = "ssid,academic_year,cds_code,term,report_date,course_code,course_title,mark,credits_attempted,credits_earned"
H_CASES = "ssid,case_id,case_type,case_status,csw_employee_id,assignment_start,assignment_end,education_rights_holder"


def csv(header: str, body: list[str]) -> str:
    return "\n".join([header, *body]) + "\n"


def enrollment(i: int, *, year: str = YEAR, school: str | None = None, grade: str = "07") -> str:
    start = f"{year[:4]}-08-1{i % 10}"
    return f"{SSIDS[i]},{year},{school or (SCHOOL_A if i % 2 else SCHOOL_B)},10,{grade},{start},,"


WEEK1 = [enrollment(i) for i in range(10)]
OUT_OF_SCOPE = [enrollment(0, year=LAST_YEAR), enrollment(1, school=SCHOOL_OTHER)]


@pytest.fixture
def world(ctx, csv_file):
    """Three schools in two districts and ten students."""
    run_import("schools", csv_file(csv(
        "cds_code,school_name,district_name,address,city,zip,phone,latitude,longitude",
        [f"{SCHOOL_A},Pomona High,Pomona Unified,,,,,,", f"{SCHOOL_B},Garey High,Pomona Unified,,,,,,",
         f"{SCHOOL_OTHER},Other High,Other Unified,,,,,,"]), "schools.csv"))
    run_import("students", csv_file(csv(
        "ssid,legal_first_name,legal_middle_name,legal_last_name,alias_first_name,alias_last_name,birth_date,"
        "gender_code,primary_language,foster_client_id,homeless",
        [f"{ssid},Kid{i},,Snapshot,,,2012-01-0{i % 9 + 1},F,English,,N" for i, ssid in enumerate(SSIDS)]),
        "students.csv"))
    run_import("enrollments", csv_file(csv(H_ENROLL, WEEK1 + OUT_OF_SCOPE), "week1.csv"))
    return csv_file


def in_scope_enrollments() -> set[str]:
    return {r[0] for r in rows(
        "SELECT st.ssid FROM enrollments e JOIN students st ON st.id = e.student_id JOIN schools s "
        "ON s.id = e.school_id WHERE substr(s.cds_code, 1, 7) = :d AND e.academic_year = :y", d=DISTRICT, y=YEAR)}


def test_week2_without_a_row_removes_it_prints_and_records_the_count(world, runner):
    path = world(csv(H_ENROLL, WEEK1[:9]), "week2.csv")  # the district deleted SSIDS[9]'s pre-enrollment
    result = runner.invoke(args=["import", "enrollments", str(path), "--snapshot", SCOPE])
    assert result.exit_code == 0, result.output
    assert f"enrollments: 9 rows: 0 inserted, 0 updated, 9 unchanged, 1 removed (snapshot {SCOPE})" in result.output
    assert in_scope_enrollments() == set(SSIDS[:9])
    # Other districts and other years are not the file's scope: untouched.
    assert count("enrollments") == 9 + len(OUT_OF_SCOPE)
    # The student row stays (other kinds may still refer to it).
    assert count("students", "ssid = :s", s=SSIDS[9]) == 1
    load = db.session.execute(db.select(SourceLoad).order_by(SourceLoad.id.desc())).scalars().first()
    assert (load.kind, load.rows_deleted, load.snapshot_scope) == ("enrollments", 1, SCOPE)
    db.session.rollback()


def test_reloading_the_same_snapshot_removes_nothing(world):
    path = world(csv(H_ENROLL, WEEK1[:9]), "week2.csv")
    first = run_import("enrollments", path, snapshot=SCOPE)
    before = snapshot()
    again = run_import("enrollments", path, snapshot=SCOPE)
    assert (first.deleted, again.deleted, again.unchanged) == (1, 0, 9)
    after = snapshot()
    assert {t: v for t, v in after.items() if t != "source_loads"} == \
           {t: v for t, v in before.items() if t != "source_loads"}


def test_a_changed_start_date_replaces_the_row(world):
    # The natural key includes the start date: the old span is gone from the source, a new one came.
    moved = WEEK1[:9] + [enrollment(9).replace(f"{YEAR[:4]}-08-19", f"{YEAR[:4]}-09-02")]
    result = run_import("enrollments", world(csv(H_ENROLL, moved), "week2.csv"), snapshot=SCOPE)
    assert (result.inserted, result.deleted) == (1, 1)
    found = rows("SELECT e.start_date FROM enrollments e JOIN students s ON s.id = e.student_id WHERE s.ssid = :s "
                 "AND e.academic_year = :y", s=SSIDS[9], y=YEAR)
    assert [str(r[0]) for r in found] == ["2025-09-02"]


def test_mass_delete_guard_refuses_a_truncated_file_then_confirmation_lets_it_through(world, runner):
    path = world(csv(H_ENROLL, WEEK1[:3]), "truncated.csv")  # 7 of 10 rows would go (70 % > 20 %)
    before = snapshot()
    result = runner.invoke(args=["import", "enrollments", str(path), "--snapshot", SCOPE])
    assert result.exit_code == 1
    assert f"snapshot {SCOPE}: would remove 7 of the 10 enrollments rows in scope (70.0 %)" in result.output
    assert "--allow-mass-delete" in result.output and "the database is unchanged" in result.output
    assert snapshot() == before
    result = runner.invoke(args=["import", "enrollments", str(path), "--snapshot", SCOPE, "--allow-mass-delete"])
    assert result.exit_code == 0, result.output
    assert "7 removed" in result.output
    assert in_scope_enrollments() == set(SSIDS[:3])


def test_the_limit_is_a_setting_and_an_option(world, app, runner, monkeypatch):
    path = world(csv(H_ENROLL, WEEK1[:7]), "week2.csv")  # 3 of 10 = 30 %
    with pytest.raises(ImportRejected, match="more than the 20 % limit"):
        run_import("enrollments", path, snapshot=SCOPE)
    monkeypatch.setitem(app.config, "IMPORT_SNAPSHOT_MAX_DELETE_PERCENT", 25)
    with pytest.raises(ImportRejected, match="more than the 25 % limit"):
        run_import("enrollments", path, snapshot=SCOPE)
    result = runner.invoke(args=["import", "enrollments", str(path), "--snapshot", SCOPE, "--max-delete-percent", "30"])
    assert result.exit_code == 0, result.output
    assert "3 removed" in result.output


def test_exactly_the_limit_passes(world):
    result = run_import("enrollments", world(csv(H_ENROLL, WEEK1[:8]), "week2.csv"), snapshot=SCOPE)  # 20 %
    assert result.deleted == 2


def test_a_bad_row_rejects_the_snapshot_and_removes_nothing(world):
    before = snapshot()
    bad = WEEK1[:8] + [enrollment(8).replace(SSIDS[8], "50000000O8")]
    with pytest.raises(ImportRejected) as exc:
        run_import("enrollments", world(csv(H_ENROLL, bad), "week2.csv"), snapshot=SCOPE)
    assert exc.value.errors == ["line 10: ssid: must be exactly 10 digits"]
    assert snapshot() == before


def test_rows_outside_the_scope_are_row_errors(world):
    before = snapshot()
    with pytest.raises(ImportRejected) as exc:
        run_import("enrollments", world(csv(H_ENROLL, WEEK1 + OUT_OF_SCOPE), "mixed.csv"), snapshot=SCOPE)
    assert exc.value.errors == [
        f"line 12: academic_year: is outside the snapshot scope {SCOPE} (a snapshot file holds only its scope's rows)",
        f"line 13: cds_code: is outside the snapshot scope {SCOPE} (a snapshot file holds only its scope's rows)",
    ]
    assert snapshot() == before


@pytest.mark.parametrize(("kind", "scope", "message"), [
    ("students", "all", "students files cannot be snapshots"),
    ("schools", "all", "schools files cannot be snapshots"),
    ("users", "all", "users files cannot be snapshots"),
    ("dcfs-cases", SCOPE, "its scope is 'all'"),
    ("enrollments", "all", "district=CCDDDDD:YYYY-YY"),
    ("enrollments", "district=196473:2025-26", "district=CCDDDDD:YYYY-YY"),
    ("enrollments", "district=\u0661\u0669\u0666\u0664\u0667\u0663\u0663:2025-26", "district=CCDDDDD:YYYY-YY"),
    ("enrollments", "district=1964733:2025-27", "two consecutive years"),
])
def test_scope_syntax(world, kind, scope, message):
    with pytest.raises(ImportRejected, match=message):
        run_import(kind, world(csv(H_ENROLL, WEEK1), "x.csv"), snapshot=scope)


def test_long_year_form_is_accepted_and_recorded_short(world):
    result = run_import("enrollments", world(csv(H_ENROLL, WEEK1), "week2.csv"), snapshot=f"district={DISTRICT}:2025-2026")
    assert (result.snapshot, result.deleted) == (SCOPE, 0)


def test_guard_options_need_a_snapshot(world, runner):
    result = runner.invoke(args=["import", "enrollments", str(world(csv(H_ENROLL, WEEK1), "w.csv")),
                                 "--allow-mass-delete"])
    assert result.exit_code == 2 and "only apply with --snapshot" in result.output


def test_attendance_snapshot(world):
    def row(i: int) -> str:
        return f"{SSIDS[i]},{YEAR},{SCHOOL_A if i % 2 else SCHOOL_B},2025-10-01,30,28,1,1,0,0,0"
    run_import("attendance", world(csv(H_ATT, [row(i) for i in range(10)]), "att1.csv"))
    result = run_import("attendance", world(csv(H_ATT, [row(i) for i in range(1, 10)]), "att2.csv"), snapshot=SCOPE)
    assert (result.deleted, result.unchanged) == (1, 9)
    assert count("attendance_summaries") == 9


def test_progress_report_snapshot_removes_marks_then_empty_reports(world):
    def marks(i: int, courses: tuple[str, ...]) -> list[str]:
        school = SCHOOL_A if i % 2 else SCHOOL_B
        return [f"{SSIDS[i]},{YEAR},{school},Q1,2025-10-20,{c},Course {c},B,5,5" for c in courses]
    week1 = [m for i in range(5) for m in marks(i, ("ENG1", "MTH1"))]  # 5 reports, 10 marks
    run_import("progress-reports", world(csv(H_PR, week1), "pr1.csv"))
    # Week 2: student 0's report is gone (2 marks), student 1 lost one mark.
    week2 = marks(1, ("ENG1",)) + [m for i in range(2, 5) for m in marks(i, ("ENG1", "MTH1"))]
    result = run_import("progress-reports", world(csv(H_PR, week2), "pr2.csv"), snapshot=SCOPE,
                        allow_mass_delete=True)
    assert (result.total, result.deleted) == (7, 3)
    assert (count("progress_reports"), count("progress_marks")) == (4, 7)
    with pytest.raises(ImportRejected, match="would remove 7 of the 7 progress marks"):
        run_import("progress-reports", world(csv(H_PR, marks(0, ("ENG1",))), "pr3.csv"), snapshot=SCOPE)


def test_tk_is_loaded_as_kn_with_a_warning_count(world, runner):
    tk = WEEK1[:8] + [enrollment(8, grade="TK"), enrollment(9, grade="tk")]
    result = runner.invoke(args=["import", "enrollments", str(world(csv(H_ENROLL, tk), "tk.csv"))])
    assert result.exit_code == 0, result.output
    assert "warning: 2 enrollment row(s) gave grade_level TK; loaded as KN" in result.output
    assert "0 inserted, 2 updated, 8 unchanged" in result.output
    assert count("enrollments", "grade_level = 'TK'") == 0
    assert count("enrollments", "grade_level = 'KN'") == 2


@pytest.mark.parametrize("grade", ["UE", "US"])
def test_retired_ungraded_levels_stay_accepted(world, grade):
    result = run_import("enrollments", world(csv(H_ENROLL, [enrollment(0, grade=grade)]), "old.csv"))
    assert result.updated == 1 and result.warnings == ()
    assert count("enrollments", "grade_level = :g", g=grade) == 1
