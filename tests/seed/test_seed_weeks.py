"""Deletions between two weekly loads (issue 12, "Seed data"): ``flask seed --csv DIR --second-week DIR2``.

Week 1 is loaded with ``flask import``; week 2's snapshot files (``snapshots.txt``) then remove
the DCFS assignments DCFS withdrew and the no-shows' pre-enrollments the districts deleted
instead of exiting them N470 (Guide Appendix C, N470). The removed assignment's worker loses
access at once; the child whose pre-enrollment went shows no current enrollment.
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

from sqlalchemy import select

from mobile_service import education
from mobile_service.enrollments import enrollment_rows
from mobile_service.extensions import db
from mobile_service.models import DcfsCase, Enrollment, School, Student, StudentSsid, User
from tests.factories import app_token_for
from tools.seed import KIND_ORDER, write_csvs

STUDENTS = 400


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _student(ssid: str) -> Student:
    return db.session.execute(select(Student).join(StudentSsid, StudentSsid.student_id == Student.id)
                              .where(StudentSsid.ssid == ssid)).scalar_one()


def test_week_two_snapshots_remove_withdrawn_rows_and_the_access_they_granted(app, client, runner, frozen_clock,
                                                                              tmp_path):
    week1, week2 = tmp_path / "week1", tmp_path / "week2"
    with app.app_context():
        from mobile_service import clock

        plain = write_csvs(tmp_path / "plain", students=STUDENTS, seed=4, today=clock.today(), workers=1)
        counts = write_csvs(week1, students=STUDENTS, seed=4, today=clock.today(), workers=1, second_week=week2)
    # The week-1 files are the same bytes with or without the second week.
    assert all((week1 / f"{k}.csv").read_bytes() == (tmp_path / "plain" / f"{k}.csv").read_bytes() for k in plain)
    for kind in KIND_ORDER:
        result = runner.invoke(args=["import", kind, str(week1 / f"{kind}.csv"), "--no-progress"])
        assert result.exit_code == 0, (kind, result.output)

    loads = [line.split() for line in (week2 / "snapshots.txt").read_text().splitlines()]
    assert loads[0][0] == "dcfs-cases" and loads[0][2] == "all"
    assert {kind for kind, _, _ in loads[1:]} == {"enrollments"} and len(loads) >= 3
    kept_cases = {r["case_id"] for r in _rows(week2 / "dcfs-cases.csv")}
    gone_cases = [r for r in _rows(week1 / "dcfs-cases.csv") if r["case_id"] not in kept_cases]
    key = ("ssid", "cds_code", "start_date")
    kept_enrollments = {tuple(r[k] for k in key) for _, path, _ in loads[1:] for r in _rows(Path(path))}
    year = loads[1][2].split(":")[1]
    gone_enrollments = [r for r in _rows(week1 / "enrollments.csv")
                        if r["academic_year"] == year and tuple(r[k] for k in key) not in kept_enrollments]
    assert len(gone_cases) == counts["week2_assignments_withdrawn"] >= 1
    assert len(gone_enrollments) == counts["week2_pre_enrollments_withdrawn"] >= 1
    assert all(r["case_status"] == "open" for r in gone_cases)
    # A withdrawn pre-enrollment is an open record of a child who never came (no attendance).
    assert all(not r["exit_date"] for r in gone_enrollments)
    attended = {(r["ssid"], r["cds_code"]) for r in _rows(week1 / "attendance.csv") if r["academic_year"] == year}
    assert not any((r["ssid"], r["cds_code"]) in attended for r in gone_enrollments)

    with app.app_context():
        # A withdrawn assignment whose worker is registered and has no other open case of the child.
        registered = {u.dcfs_employee_id: u for u in db.session.execute(select(User)).scalars() if u.dcfs_employee_id}
        still = {(r["ssid"], r["csw_employee_id"]) for r in _rows(week2 / "dcfs-cases.csv") if r["case_status"] == "open"}
        case = next(r for r in gone_cases if r["csw_employee_id"] in registered
                    and (r["ssid"], r["csw_employee_id"]) not in still)
        worker = registered[case["csw_employee_id"]]
        token = app_token_for(worker)
        student_key = _student(case["ssid"]).student_key
        no_show = gone_enrollments[0]["ssid"]
        assert education.current_enrollment(enrollment_rows([_student(no_show).id])[_student(no_show).id],
                                            clock.today()) is not None  # week 1: the phantom enrollment
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/api/v1/students/{student_key}", headers=headers).status_code == 200

    removed = {}
    for kind, path, scope in loads:
        result = runner.invoke(args=["import", kind, path, "--snapshot", scope, "--no-progress"])
        assert result.exit_code == 0, (kind, scope, result.output)
        found = re.search(r", (\d+) removed \(snapshot ([^)]+)\)", result.output)
        assert found and found.group(2) == scope, result.output
        removed[scope] = int(found.group(1))
    assert removed["all"] == len(gone_cases)
    assert sum(n for scope, n in removed.items() if scope != "all") == len(gone_enrollments)

    with app.app_context():
        ids = [c["case_id"] for c in gone_cases]
        assert db.session.execute(select(DcfsCase).where(DcfsCase.case_id.in_(ids))).first() is None
        for r in gone_enrollments:
            assert db.session.execute(select(Enrollment.id).join(School, School.id == Enrollment.school_id).where(
                Enrollment.student_id == _student(r["ssid"]).id, School.cds_code == r["cds_code"],
                Enrollment.academic_year == year)).first() is None
        student_id = _student(no_show).id
        figures = education.mobility(enrollment_rows([student_id])[student_id], clock.today())
        assert figures.current is None
        assert "no_current_enrollment" in education.alerts(mobility_figures=figures, attendance_figures=None,
                                                           marks_figures=None)
    # The withdrawn assignment granted access until the load committed; now the worker gets the 404.
    assert client.get(f"/api/v1/students/{student_key}", headers=headers).status_code == 404
    again = runner.invoke(args=["import", *loads[0][:2], "--snapshot", "all", "--no-progress"])
    assert again.exit_code == 0 and ", 0 removed (snapshot all)" in again.output  # idempotent


def test_seed_cli_writes_the_second_week_only_beside_csv_files(runner, frozen_clock, tmp_path):
    refused = runner.invoke(args=["seed", "--second-week", str(tmp_path / "w2")])
    assert refused.exit_code == 2 and "--second-week needs --csv" in refused.output
    result = runner.invoke(args=["seed", "--students", "200", "--csv", str(tmp_path / "w1"),
                                 "--second-week", str(tmp_path / "w2")])
    assert result.exit_code == 0, result.output
    assert re.search(r"week 2 in .*: \d+ snapshot files; removed at the source: \d+ DCFS assignments, \d+ "
                     r"pre-enrollments", result.output)
    assert (tmp_path / "w2" / "snapshots.txt").exists() and not (tmp_path / "w2" / "students.csv").exists()
