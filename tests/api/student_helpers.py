"""Builders shared by the student search/record tests (audit and usage rows: ``caseload_helpers``)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from mobile_service.extensions import db
from mobile_service.models import (
    AttendanceSummary,
    CaseloadEntry,
    Enrollment,
    ProgressMark,
    ProgressReport,
    SourceLoad,
)

# "Today" for the record tests. Only ``clock.today`` is fixed; ``clock.utcnow`` (token times,
# audit timestamps) stays real.
TODAY = dt.date(2026, 10, 15)
STUDENT_ROUTES = ("", "/enrollments", "/attendance", "/progress-reports", "/brief")
ROUTE_ACTIONS = {"": "student.view", "/enrollments": "student.enrollments.view",
                 "/attendance": "student.attendance.view", "/progress-reports": "student.progress_reports.view",
                 "/brief": "student.brief.view"}


def add_to_caseload(user, student, **overrides) -> CaseloadEntry:
    """An open 'added' caseload entry."""
    values = {"user_id": user.id, "student_id": student.id, "origin": "added", "added_reason": "covering"}
    values.update(overrides)
    entry = CaseloadEntry(**values)
    db.session.add(entry)
    db.session.flush()
    return entry


def enroll(student, school, start, *, exit_date=None, exit_reason=None, status="10", grade="07",
           year=None) -> Enrollment:
    """An enrollment span."""
    if year is None:
        first = start.year if start.month >= 7 else start.year - 1
        year = f"{first}-{(first + 1) % 100:02d}"
    row = Enrollment(student_id=student.id, school_id=school.id, academic_year=year, enrollment_status=status,
                     grade_level=grade, start_date=start, exit_date=exit_date, exit_reason_code=exit_reason)
    db.session.add(row)
    db.session.flush()
    return row


def attendance_row(student, school, year, **values) -> AttendanceSummary:
    """An attendance summary row."""
    defaults = {"as_of_date": dt.date(2026, 10, 9), "days_expected": 40, "days_attended": 36, "days_absent_excused": 2,
                    "days_absent_unexcused": 1, "days_suspended_out": 1, "days_suspended_in": 0, "days_incomplete_study": 0}
    defaults.update(values)
    row = AttendanceSummary(student_id=student.id, school_id=school.id, academic_year=year, **defaults)
    db.session.add(row)
    db.session.flush()
    return row


def progress_report(student, school, year, term, report_date, marks) -> ProgressReport:
    """A progress report with ``marks`` = [(code, title, mark, attempted, earned)]."""
    report = ProgressReport(student_id=student.id, school_id=school.id, academic_year=year, term=term,
                            report_date=report_date)
    db.session.add(report)
    db.session.flush()
    for code, title, mark, attempted, earned in marks:
        db.session.add(ProgressMark(progress_report_id=report.id, course_code=code, course_title=title, mark=mark,
                                    credits_attempted=None if attempted is None else Decimal(attempted),
                                    credits_earned=None if earned is None else Decimal(earned)))
    db.session.flush()
    return report


def source_load(source: str, loaded_at: dt.datetime) -> SourceLoad:
    """A freshness stamp."""
    row = SourceLoad(source=source, kind="test", file_name=f"{source}.csv", file_sha256="0" * 64,
                     loaded_at=loaded_at)
    db.session.add(row)
    db.session.flush()
    return row

