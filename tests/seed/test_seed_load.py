"""``flask seed`` against the database: the importer path, demo accounts, shares, pilot data."""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select

from mobile_service import education
from mobile_service.data_quality import contains_identifier
from mobile_service.enrollments import enrollment_rows
from mobile_service.extensions import db
from mobile_service.models import (
    FOSTER_ACTIVE,
    Announcement,
    AttendanceSummary,
    CaseloadEntry,
    DcfsCase,
    Enrollment,
    Feedback,
    IssueReport,
    IssueReportStudent,
    OutboxMessage,
    PilotCohort,
    ProgressMark,
    ProgressReport,
    Student,
    StudentSsid,
    Supervision,
    UsageEvent,
    User,
)
from mobile_service.pilot.domain import sus_score
from tests.factories import app_token_for
from tests.seed.seed_helpers import SCALE, table_counts, wipe
from tools.seed import KIND_ORDER
from tools.seed.demo import DEMO_STUDENTS
from tools.seed.pilot_content import ROUTES
from tools.seed.workforce import UNREGISTERED_WORKER

TODAY = dt.date(2026, 10, 15)  # the frozen clock's day
CURRENT_YEAR = "2026-27"


def test_csv_output_reimports_to_the_same_rows_as_a_direct_seed(app, runner, frozen_clock, tmp_path):
    result = runner.invoke(args=["seed", "--students", "120", "--seed", "3", "--csv", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{k}.csv" for k in KIND_ORDER)
    with app.app_context():
        for kind in KIND_ORDER:
            loaded = runner.invoke(args=["import", kind, str(tmp_path / f"{kind}.csv"), "--no-progress"])
            assert loaded.exit_code == 0, (kind, loaded.output)
            assert " 0 updated" in loaded.output
        via_csv = table_counts()
        assert db.session.execute(select(func.count(PilotCohort.id))).scalar_one() == 0  # CSVs only
        wipe()
    direct = runner.invoke(args=["seed", "--students", "120", "--seed", "3"])
    assert direct.exit_code == 0, direct.output
    for kind in KIND_ORDER:
        assert re.search(rf"^{kind}: \d+ rows: \d+ inserted", direct.output, re.MULTILINE), direct.output
    with app.app_context():
        assert table_counts() == via_csv
        assert via_csv["students"] == 120 and via_csv["progress_marks"] > 0


def test_seed_if_empty_skips_a_populated_database(app, runner, frozen_clock):
    first = runner.invoke(args=["seed", "--students", "60"])
    assert first.exit_code == 0, first.output
    with app.app_context():
        before = table_counts()
    again = runner.invoke(args=["seed", "--students", "60", "--seed", "9", "--if-empty"])
    assert again.exit_code == 0
    assert "nothing to do" in again.output
    with app.app_context():
        assert table_counts() == before


def test_seed_refuses_a_scale_below_the_demo_caseload(runner):
    result = runner.invoke(args=["seed", "--students", "5"])
    assert result.exit_code == 2
    assert "--students" in result.output


def _user(email: str) -> User:
    return db.session.execute(select(User).where(User.email == email)).scalar_one()


def test_seeded_sample_has_demo_accounts_plausible_shares_and_pilot_data(app, client, seeded, frozen_clock):
    """One 600-student seed checked four ways (seeding is the slow part of these tests)."""
    with app.app_context():
        _check_demo_users_and_caseloads()
        _check_foster_and_chronic_absence_shares()
        _check_pilot_demo_data(frozen_clock)
        _check_education_cases()
        _check_student_keys()
        token = app_token_for(_user("csw.demo@dcfs.lacounty.gov"))
    _check_demo_alerts_only_where_true(client, token)


def _check_education_cases() -> None:
    """Seeded K-6 E450 withdrawals show no current enrollment; no "TK" grade; summer sessions exist."""
    rows = enrollment_rows(list(db.session.execute(select(Student.id)).scalars()))
    withdrawn = 0
    for spans in rows.values():
        last = max(spans, key=lambda e: e.start_date)
        if last.exit_reason_code == "E450" and last.exit_date.month not in (5, 6, 7, 8):
            withdrawn += 1
            figures = education.mobility(spans, TODAY)
            assert figures.current is None
            assert "no_current_enrollment" in education.alerts(mobility_figures=figures, attendance_figures=None,
                                                               marks_figures=None)
    assert withdrawn >= 1
    grades = set(db.session.execute(select(Enrollment.grade_level).distinct()).scalars())
    assert "TK" not in grades and "KN" in grades
    assert db.session.execute(select(func.count()).select_from(Enrollment).where(
        Enrollment.enrollment_status == "30", Enrollment.exit_reason_code == "E490")).scalar_one() >= 5


def _check_demo_alerts_only_where_true(client, token: str) -> None:
    """The demo caseload: each scenario's alert on its child, and no school-change or no-school alert elsewhere."""
    cards = client.get("/api/v1/caseload?limit=200", headers={"Authorization": f"Bearer {token}"}).get_json()["items"]
    by_name = {card["first_name"]: card["alerts"] for card in cards}
    expected = {"María José": "school_change_30d", "Liam": "chronic_absence", "Sofía": "failing_marks",
                "Mateo": "no_current_enrollment"}
    for name, alert in expected.items():
        assert alert in by_name[name], (name, by_name[name])
    for name, alerts in by_name.items():
        for alert in ("school_change_30d", "no_current_enrollment", "chronic_absence"):
            if alert in alerts:
                assert expected.get(name) == alert, (name, alerts)


def _check_student_keys() -> None:
    # The seed loads through the importer, which gives every new student a random key (not in the CSVs).
    keys = db.session.execute(select(Student.student_key)).scalars().all()
    assert len(keys) == 600 and len(set(keys)) == 600
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{22}", key) for key in keys)


def _check_demo_users_and_caseloads() -> None:
    csw, csw2 = _user("csw.demo@dcfs.lacounty.gov"), _user("csw2.demo@dcfs.lacounty.gov")
    scsw = _user("scsw.demo@dcfs.lacounty.gov")
    assert (csw.role, csw.office, csw2.role, scsw.role) == ("csw", "Pomona", "csw", "scsw")
    assert _user("coordinator.demo@lacoe.edu").role == "pilot_coordinator"
    assert _user("admin.demo@lacoe.edu").role == "admin"
    supervised = set(db.session.execute(
        select(Supervision.worker_id).where(Supervision.supervisor_id == scsw.id, Supervision.end_date.is_(None))
    ).scalars())
    assert {csw.id, csw2.id} <= supervised and len(supervised) >= 5

    caseload = db.session.execute(
        select(Student).join(DcfsCase, DcfsCase.student_id == Student.id)
        .where(DcfsCase.csw_employee_id == csw.dcfs_employee_id, DcfsCase.case_status == "open")
    ).scalars().all()
    assert len(caseload) == 12
    assert all(s.foster_status == FOSTER_ACTIVE for s in caseload)
    ids = [s.id for s in caseload]
    assert db.session.execute(select(func.count()).select_from(DcfsCase).where(
        DcfsCase.csw_employee_id == csw2.dcfs_employee_id, DcfsCase.case_status == "open")).scalar_one() == 6

    enrollments = db.session.execute(select(Enrollment).where(Enrollment.student_id.in_(ids))).scalars().all()
    # A school change (T160/T167 exit) in the last 30 days.
    assert any(e.exit_reason_code in ("T160", "T167") and (TODAY - e.exit_date).days <= 30 for e in enrollments)
    # Someone with no open enrollment this school year.
    current = {e.student_id for e in enrollments if e.academic_year == CURRENT_YEAR and e.exit_date is None}
    assert set(ids) - current
    # Someone chronically absent this year.
    attendance = db.session.execute(select(AttendanceSummary).where(
        AttendanceSummary.student_id.in_(ids), AttendanceSummary.academic_year == CURRENT_YEAR)).scalars().all()
    assert any((a.days_expected - a.days_attended) * 10 >= a.days_expected > 0 for a in attendance)
    # Someone with D or F marks on a progress report.
    marks = db.session.execute(select(ProgressMark.mark).join(ProgressReport).where(
        ProgressReport.student_id.in_(ids))).scalars().all()
    assert {"D", "F"} <= set(marks)
    # Twins: same surname and birth date; and a retired SSID that still finds its student.
    assert len({(s.legal_last_name, s.birth_date) for s in caseload}) < len(caseload)
    assert db.session.execute(select(func.count()).select_from(StudentSsid).where(
        StudentSsid.student_id.in_(ids), StudentSsid.is_primary.is_(False))).scalar_one() >= 1

    # csw2 covers one of csw.demo's students: a flagged add with a reason, for the SCSW to see.
    added = db.session.execute(select(CaseloadEntry).where(CaseloadEntry.user_id == csw2.id)).scalars().all()
    assert len(added) == 1 and added[0].flagged and added[0].added_reason and added[0].student_id in ids

    # The student assigned to nobody in the registry, for the demo CSW to find and add.
    unassigned = DEMO_STUDENTS[-1]
    student = db.session.execute(select(Student).where(
        Student.legal_first_name == unassigned[1], Student.legal_last_name == unassigned[3])).scalar_one()
    assert student.foster_status == FOSTER_ACTIVE and student.id not in ids
    workers = db.session.execute(select(DcfsCase.csw_employee_id).where(
        DcfsCase.student_id == student.id)).scalars().all()
    assert workers == [UNREGISTERED_WORKER]
    assert db.session.execute(select(User).where(User.dcfs_employee_id == UNREGISTERED_WORKER)).first() is None


def _check_foster_and_chronic_absence_shares() -> None:
    total = db.session.execute(select(func.count(Student.id))).scalar_one()
    active_ids = set(db.session.execute(select(Student.id).where(Student.foster_status == FOSTER_ACTIVE)).scalars())
    assert total == SCALE
    assert 0.15 <= len(active_ids) / total <= 0.30
    rows = db.session.execute(select(AttendanceSummary.student_id, AttendanceSummary.days_expected,
                                     AttendanceSummary.days_attended)
                              .where(AttendanceSummary.academic_year == CURRENT_YEAR)).all()
    per_student: dict[int, list[int]] = {}
    for student_id, expected, attended in rows:
        if student_id in active_ids:
            totals = per_student.setdefault(student_id, [0, 0])
            totals[0] += expected
            totals[1] += expected - attended
    chronic = sum(1 for expected, absent in per_student.values() if absent * 10 >= expected)
    assert len(per_student) >= 0.8 * len(active_ids)
    assert 0.18 <= chronic / len(per_student) <= 0.40


def _check_pilot_demo_data(frozen_clock: dt.datetime) -> None:
    """Pilot rows exist, and usage events hold no student identifier."""
    cohort = db.session.execute(select(PilotCohort)).scalar_one()
    assert (cohort.name, cohort.length_days, cohort.target_participants) == ("Pomona pilot", 30, 50)
    assert cohort.start_date == TODAY - dt.timedelta(days=18)
    assert cohort.offices == ["Pomona", "LACOE FYS"]
    participants = db.session.execute(select(User).where(User.pilot_cohort == cohort.name)).scalars().all()
    assert len(participants) >= 50
    activated = [u for u in participants if u.activated_at is not None]
    assert 0.7 * len(participants) <= len(activated) < len(participants)
    assert all(u.last_sign_in_at >= u.activated_at for u in activated)

    events = db.session.execute(select(UsageEvent)).scalars().all()
    kinds = {e.event for e in events}
    assert {"sign_in", "caseload_view", "search", "record_view", "request", "feedback"} <= kinds
    assert all(e.occurred_at <= frozen_clock for e in events)
    searches = [e for e in events if e.event == "search"]
    assert any(e.result_count == 0 for e in searches) and any(e.result_count for e in searches)
    assert {"name", "ssid"} <= {e.detail for e in searches}
    requests = [e for e in events if e.event == "request"]
    assert {e.route for e in requests} <= set(ROUTES.values())
    statuses = {e.status for e in requests}
    assert 200 in statuses and any(400 <= s < 500 for s in statuses) and any(s >= 500 for s in statuses)
    # No student identifier anywhere in a usage event: no SSID, no name, no internal id.
    ssids = set(db.session.execute(select(StudentSsid.ssid)).scalars())
    names = set(db.session.execute(select(Student.legal_last_name)).scalars())
    for e in events:
        text = f"{e.route} {e.detail}"
        assert not re.search(r"\d{4,}", text), text
        assert not any(n in text for n in names if len(n) > 3)
        assert not ssids & set(re.findall(r"\d+", text))

    feedback = db.session.execute(select(Feedback)).scalars().all()
    assert 24 <= len(feedback) <= 60
    assert sum(f.rating >= 4 for f in feedback) > len(feedback) / 2
    with_sus = [f for f in feedback if f.sus_answers]
    assert with_sus and all(f.sus_score == sus_score(f.sus_answers) for f in with_sus)
    assert {f.platform for f in feedback} <= {"ios", "android"}
    assert all(re.fullmatch(r"(0\.9|1\.0)\.\d", f.app_version) for f in feedback)
    issues = db.session.execute(select(IssueReport).where(IssueReport.kind.in_(("problem", "wrong_data")))
                                ).scalars().all()
    assert len(issues) == 15
    _check_data_quality_reports()
    assert {"new", "triaged", "in_progress", "resolved"} <= {i.status for i in issues}
    assert len(db.session.execute(select(Announcement)).scalars().all()) == 3


def _check_data_quality_reports() -> None:
    """Three data-quality reports on demo students (one per student basis), one resolved by the demo steward."""
    steward = _user("eps-support.demo@lacoe.edu")
    assert (steward.role, steward.active) == ("eps_support", True)
    reports = db.session.execute(select(IssueReport).where(IssueReport.kind.in_(("duplicate_ssid", "multiple_ssids")))
                                 .order_by(IssueReport.created_at)).scalars().all()
    assert [(r.kind, r.status) for r in reports] == [("multiple_ssids", "resolved"), ("duplicate_ssid", "resolved"),
                                                     ("duplicate_ssid", "new")]
    assert {r.resolved_by for r in reports if r.status == "resolved"} == {steward.id}
    assert [r.outcome for r in reports] == ["not_a_duplicate", "corrected_at_source", None]
    named = db.session.execute(select(IssueReportStudent.issue_id, func.count()).group_by(IssueReportStudent.issue_id)
                               ).all()
    assert sorted(count for _, count in named) == [1, 1, 2]
    twins = db.session.execute(select(Student.legal_first_name).join(
        IssueReportStudent, IssueReportStudent.student_id == Student.id).where(
        IssueReportStudent.issue_id == reports[0].id).order_by(IssueReportStudent.position)).scalars().all()
    assert twins == ["Isabella", "Camila"]
    notices = db.session.execute(select(OutboxMessage.status, OutboxMessage.issue_id)).all()
    assert sorted(notices) == sorted(("sent", r.id) for r in reports)
    # No identifiers in any report's words (the API refuses them; the seed obeys the same rule).
    assert not any(contains_identifier(r.description) or contains_identifier(r.status_note) for r in reports)


def test_seeding_twice_keeps_one_pilot(app, runner, frozen_clock):
    for _ in range(2):
        result = runner.invoke(args=["seed", "--students", "60"])
        assert result.exit_code == 0, result.output
    assert "cohort already present" in result.output
    with app.app_context():
        assert db.session.execute(select(func.count(PilotCohort.id))).scalar_one() == 1
        assert db.session.execute(select(func.count(Student.id))).scalar_one() == 60
