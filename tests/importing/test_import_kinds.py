"""Every import kind: a good file, a file with bad rows, an identical re-load and an update."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from mobile_service.importing import KINDS, ImportRejected, run_import
from tests.importing.import_helpers import SCHOOLS, STUDENTS, count, rows, snapshot


@dataclass(frozen=True)
class Case:
    """Test data of one kind."""

    good: str
    good_total: int
    bad: str
    bad_lines: tuple[tuple[int, str], ...]  # (line, column) of every expected error
    update: str
    update_counts: tuple[int, int, int]  # inserted, updated, unchanged
    check_sql: str  # after the update: returns the changed value(s)
    check_value: tuple
    needs_prerequisites: bool = True


H_SCHOOLS = SCHOOLS.splitlines()[0]
H_STUDENTS = STUDENTS.splitlines()[0]
H_CASES = "ssid,case_id,case_type,case_status,csw_employee_id,assignment_start,assignment_end,education_rights_holder"
H_ENROLL = "ssid,academic_year,cds_code,enrollment_status,grade_level,start_date,exit_date,exit_reason_code"
H_ATT = ("ssid,academic_year,cds_code,as_of_date,days_expected,days_attended,days_absent_excused,"
         "days_absent_unexcused,days_suspended_out,days_suspended_in,days_incomplete_study")
H_PR = "ssid,academic_year,cds_code,term,report_date,course_code,course_title,mark,credits_attempted,credits_earned"
H_USERS = "email,display_name,role,dcfs_employee_id,office,supervisor_email,pilot_cohort,active"


def lines(*items: str) -> str:
    return "\n".join(items) + "\n"


CASES: dict[str, Case] = {
    "schools": Case(
        good=SCHOOLS, good_total=2,
        bad=lines(H_SCHOOLS,
                  "1964733193233,Short Code,Pomona Unified,,,,,,",
                  "19647331932334,,Pomona Unified,,,9176,,,",
                  "19647331932335,Ok School,Pomona Unified,,,,,95.0,-117",
                  "19647331932336,Fine,Pomona Unified,,,,,,",
                  "19647331932336,Again,Pomona Unified,,,,,,"),
        bad_lines=((2, "cds_code"), (3, "school_name"), (3, "zip"), (4, "latitude"), (6, "cds_code")),
        update=SCHOOLS.replace("Garey High", "Garey High School")
        + "19647330000002,Ganesha High,Pomona Unified,1151 Fairplex Dr,Pomona,91768,,,\n",
        update_counts=(1, 1, 1),
        check_sql="SELECT name FROM schools WHERE cds_code = '19647330000001'", check_value=("Garey High School",),
        needs_prerequisites=False),
    "students": Case(
        good=STUDENTS, good_total=3,
        bad=lines(H_STUDENTS,
                  "123456789,A,,B,,,2010-01-01,F,,,N,",
                  "1234567891,,,B,,,2010-13-01,F,,,N,",
                  "1234567892,A,,B,,,2010-01-01,F,,,maybe,",
                  "1234567893,A,,B,,,2010-01-01,F,,,N,12345",
                  "1234567894,A,,B,,,2010-01-01,F,,,N,",
                  "1234567894,A,,B,,,2010-01-01,F,,,N,"),
        bad_lines=((2, "ssid"), (3, "legal_first_name"), (3, "birth_date"), (4, "homeless"),
                   (5, "previous_ssids"), (7, "ssid")),
        update=STUDENTS.replace("García", "García López").replace("English,,Y", "English,,N")
        + "4567890123,Zoë,,Nguyen,,,2013-03-03,F,Vietnamese,,N,\n",
        update_counts=(1, 2, 1),
        check_sql="SELECT legal_last_name, last_name_key FROM students WHERE ssid = '3456789012'",
        check_value=("García López", "garcialopez"), needs_prerequisites=False),
    "dcfs-cases": Case(
        good=lines(H_CASES,
                   "1111111111,0000000000000000001,FR,open,E000001,2025-01-01,,Parent",
                   "2345678901,0000000000000000002,KIN-GAP,open,E000001,2025-01-01,,Relative"),
        good_total=2,
        bad=lines(H_CASES,
                  "9999999999,1,FR,open,E1,2025-01-01,,",
                  "2345678901,abc,FR,pending,E1,2025-01-01,,",
                  "2345678901,5,FR,open,E1,2025-02-01,2025-01-01,",
                  "1234567890,7,FR,open,E1,2025-01-01,,",
                  "1111111111,7,FR,open,E1,2025-01-01,,"),
        bad_lines=((2, "ssid"), (3, "case_id"), (3, "case_status"), (4, "assignment_end"), (6, "case_id")),
        update=lines(H_CASES,
                     "1111111111,0000000000000000001,FR,open,E000001,2025-01-01,,Parent",
                     "2345678901,0000000000000000002,KIN-GAP,closed,E000001,2025-01-01,2025-06-30,Relative"),
        update_counts=(0, 1, 1),
        check_sql="SELECT case_status, assignment_end FROM dcfs_cases WHERE case_id = '0000000000000000002'",
        check_value=("closed", "2025-06-30")),
    "enrollments": Case(
        good=lines(H_ENROLL,
                   "1234567890,2025-26,19647331932334,10,9,2025-08-12,,",
                   "2345678901,2025-26,19647330000001,10,KN,2025-08-12,2025-10-01,T160"),
        good_total=2,
        bad=lines(H_ENROLL,
                  "1234567890,2025-27,19647331932334,10,09,2025-08-12,,",
                  "1234567890,2025-26,19647331932334,60,13,2025-08-12,,",
                  "2345678901,2025-26,19647330000001,10,05,2025-08-12,2025-08-01,T160",
                  "2345678901,2025-26,19647330000001,10,05,2025-09-12,2025-10-01,X999",
                  "9999999999,2025-26,19647330000001,10,05,2025-09-12,,",
                  "2345678901,2025-26,19647330000009,10,05,2025-09-12,,",
                  "3456789012,2025-26,19647330000001,10,05,2025-09-12,,",
                  "3456789012,2025-26,19647330000001,20,05,2025-09-12,,"),
        bad_lines=((2, "academic_year"), (3, "enrollment_status"), (3, "grade_level"), (4, "exit_date"),
                   (5, "exit_reason_code"), (6, "ssid"), (7, "cds_code"), (9, "start_date")),
        update=lines(H_ENROLL,
                     "1234567890,2025-26,19647331932334,10,09,2025-08-12,2026-01-15,T160",
                     "2345678901,2025-26,19647330000001,10,KN,2025-08-12,2025-10-01,T160",
                     "2345678901,2025-26,19647331932334,10,KN,2025-10-02,,"),
        update_counts=(1, 1, 1),
        check_sql="SELECT grade_level, exit_date, exit_reason_code FROM enrollments e JOIN students s "
                  "ON s.id = e.student_id WHERE s.ssid = '1234567890'",
        check_value=("09", "2026-01-15", "T160")),
    "attendance": Case(
        good=lines(H_ATT,
                   "1234567890,2025-26,19647331932334,2025-10-01,35,30,2,3,0,0,0",
                   "2345678901,2025-26,19647330000001,2025-10-01,35,35,,,,,"),
        good_total=2,
        bad=lines(H_ATT,
                  "1234567890,2025-26,19647331932334,2025-10-01,35,36,0,0,0,0,0",
                  "1234567890,2025-26,19647331932334,2025-10-01,35,30,4,3,0,0,0",
                  "1234567890,2025-26,19647331932334,2025-10-01,-1,30,,,,,",
                  "2345678901,2025-26,19647330000001,2025-10-01,35,3.5,,,,,",
                  "3456789012,2025-26,19647330000001,2025-10-01,35,30,,,,,",
                  "3456789012,2025-26,19647330000001,2025-11-01,40,35,,,,,"),
        bad_lines=((2, "days_attended"), (3, "days_absent_excused"), (4, "days_expected"), (5, "days_attended"),
                   (7, "academic_year")),
        update=lines(H_ATT,
                     "1234567890,2025-26,19647331932334,2025-11-01,45,38,2,5,0,0,0",
                     "2345678901,2025-26,19647330000001,2025-10-01,35,35,,,,,"),
        update_counts=(0, 1, 1),
        check_sql="SELECT as_of_date, days_expected, days_attended, days_absent_unexcused FROM attendance_summaries "
                  "a JOIN students s ON s.id = a.student_id WHERE s.ssid = '1234567890'",
        check_value=("2025-11-01", "45", "38", "5")),
    "progress-reports": Case(
        good=lines(H_PR,
                   "1234567890,2025-26,19647331932334,Q1,2025-10-10,ENG9,English 9,B+,5,5",
                   "1234567890,2025-26,19647331932334,Q1,2025-10-10,ALG1,Algebra 1,F,5,0",
                   "2345678901,2025-26,19647330000001,Q1,2025-10-10,ELA,ELA K,P,,"),
        good_total=3,
        bad=lines(H_PR,
                  "1234567890,2025-26,19647331932334,Q1,2025-10-10,ENG9,English 9,E,5,5",
                  "1234567890,2025-26,19647331932334,Q1,2025-10-10,ALG1,Algebra 1,F,5,6",
                  "1234567890,2025-26,19647331932334,Q1,2025-10-10,BIO,Biology,A,-1,",
                  "1234567890,2025-26,19647331932334,Q1,2025-10-10,CHEM,Chemistry,A,5,5",
                  "1234567890,2025-26,19647331932334,Q1,2025-10-11,PE,PE,A,5,5",
                  "1234567890,2025-26,19647331932334,Q1,2025-10-10,CHEM,Chem again,A,5,5"),
        bad_lines=((2, "mark"), (3, "credits_earned"), (4, "credits_attempted"), (6, "report_date"),
                   (7, "course_code")),
        update=lines(H_PR,
                     "1234567890,2025-26,19647331932334,Q1,2025-10-10,ENG9,English 9,B+,5,5",
                     "1234567890,2025-26,19647331932334,Q1,2025-10-10,ALG1,Algebra 1,d-,5,2.5",
                     "2345678901,2025-26,19647330000001,Q1,2025-10-10,ELA,ELA K,P,,",
                     "1234567890,2025-26,19647331932334,Q1,2025-10-10,ART,Art,A,5,5"),
        update_counts=(1, 1, 2),
        check_sql="SELECT mark, credits_earned FROM progress_marks WHERE course_code = 'ALG1'",
        check_value=("D-", "2.5")),
    "users": Case(
        good=lines(H_USERS,
                   "Worker@DCFS.lacounty.gov,Wanda Worker,csw,E000001,Pomona,boss@dcfs.lacounty.gov,pilot-1,Y",
                   "boss@dcfs.lacounty.gov,Bob Boss,scsw,E000002,Pomona,,pilot-1,Y",
                   "coord@dcfs.lacounty.gov,Cora Coord,pilot_coordinator,,,,pilot-1,true"),
        good_total=3,
        bad=lines(H_USERS,
                  "not-an-email,X,csw,E1,,,,Y",
                  "a@dcfs.lacounty.gov,A,chief,,,,,Y",
                  "b@dcfs.lacounty.gov,B,csw,,,,,Y",
                  "c@dcfs.lacounty.gov,C,csw,E3,,nobody@dcfs.lacounty.gov,,Y",
                  "d@dcfs.lacounty.gov,D,csw,E4,,c@dcfs.lacounty.gov,,Y",
                  "e@dcfs.lacounty.gov,E,csw,E5,,,,maybe",
                  "f@dcfs.lacounty.gov,F,csw,E6,,,,Y",
                  "F@dcfs.lacounty.gov,F,csw,E7,,,,Y"),
        bad_lines=((2, "email"), (3, "role"), (4, "dcfs_employee_id"), (5, "supervisor_email"),
                   (6, "supervisor_email"), (7, "active"), (9, "email")),
        update=lines(H_USERS,
                     "worker@dcfs.lacounty.gov,Wanda Worker,csw,E000001,Lancaster,boss@dcfs.lacounty.gov,pilot-1,Y",
                     "boss@dcfs.lacounty.gov,Bob Boss,scsw,E000002,Pomona,,pilot-1,Y",
                     "coord@dcfs.lacounty.gov,Cora Coord,pilot_coordinator,,,,pilot-1,1"),
        update_counts=(0, 1, 2),
        check_sql="SELECT office FROM users WHERE email = 'worker@dcfs.lacounty.gov'", check_value=("Lancaster",),
        needs_prerequisites=False),
}


def test_every_kind_is_covered():
    assert set(CASES) == set(KINDS)


@pytest.fixture(params=sorted(CASES))
def kind(request, ctx, csv_file) -> str:
    """Each kind, with schools and students loaded first when the kind references them."""
    if CASES[request.param].needs_prerequisites:
        run_import("schools", csv_file(SCHOOLS, "schools.csv"))
        run_import("students", csv_file(STUDENTS, "students.csv"))
    return request.param


def _as_text(values) -> tuple:
    # PostgreSQL returns Decimal("2.50") where SQLite returns 2.5: compare numbers by value.
    return tuple(f"{float(v):g}" if isinstance(v, (float, Decimal)) else str(v) for v in values)


def test_good_file_through_the_cli(kind, runner, csv_file):
    path = csv_file(CASES[kind].good, f"{kind}.csv")
    before_loads = count("source_loads")

    result = runner.invoke(args=["import", kind, str(path)])

    assert result.exit_code == 0, result.output
    total = CASES[kind].good_total
    assert f"{kind}: {total} rows: {total} inserted, 0 updated, 0 unchanged" in result.output
    assert count("source_loads") == before_loads + 1
    (load,) = rows("SELECT kind, file_name, rows_total, inserted, file_sha256 FROM source_loads "
                   "ORDER BY id DESC LIMIT 1")
    assert load[:4] == (kind, f"{kind}.csv", total, total)
    assert len(load[4]) == 64


def test_bad_rows_reject_the_file_and_change_nothing(kind, runner, csv_file):
    case = CASES[kind]
    before = snapshot()
    path = csv_file(case.bad, f"{kind}-bad.csv")

    with pytest.raises(ImportRejected) as rejected:
        run_import(kind, path)
    result = runner.invoke(args=["import", kind, str(path)])

    assert snapshot() == before
    assert result.exit_code == 1
    assert "the database is unchanged" in result.output
    for line, column in case.bad_lines:
        assert any(e.startswith(f"line {line}: {column}: ") for e in rejected.value.errors), (line, column,
                                                                                          rejected.value.errors)
        assert f"line {line}: {column}: " in result.output
    reported = {int(e.split(":")[0].split()[1]) for e in rejected.value.errors}
    assert reported == {line for line, _ in case.bad_lines}


def test_reload_of_the_same_file_changes_nothing(kind, csv_file):
    path = csv_file(CASES[kind].good, f"{kind}.csv")
    first = run_import(kind, path)
    before = snapshot()

    again = run_import(kind, path)

    assert (first.inserted, first.total) == (CASES[kind].good_total, CASES[kind].good_total)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, again.total)
    after = snapshot()
    assert after.pop("source_loads") != before.pop("source_loads")  # the freshness stamp is recorded
    assert after == before
    assert again.source_load_id > first.source_load_id


def test_newer_file_updates_by_natural_key(kind, csv_file):
    case = CASES[kind]
    run_import(kind, csv_file(case.good, f"{kind}.csv"))

    result = run_import(kind, csv_file(case.update, f"{kind}-new.csv"))

    assert (result.inserted, result.updated, result.unchanged) == case.update_counts
    assert _as_text(rows(case.check_sql)[0]) == case.check_value
    (load,) = rows("SELECT inserted, updated, unchanged FROM source_loads WHERE id = :id", id=result.source_load_id)
    assert load == case.update_counts
