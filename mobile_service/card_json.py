"""PostgreSQL: a caseload page's enrollments, attendance and latest progress report as JSON columns of
the page's own statement, so the cards of a page are read in one round trip (issue 14).

The columns carry the same values as the SQLite path's three statements (``enrollments.enrollment_rows``,
``caseload_cards._attendance`` and ``_latest_reports``); :func:`unpack` turns them back into rows of the
same shape for the education rules. Execute with the ``year`` parameter (the current school year).
"""
from __future__ import annotations

import datetime as dt
import functools
from collections import namedtuple
from typing import Any

from sqlalchemy import bindparam, func, literal_column, select

from mobile_service.models import AttendanceSummary, Enrollment, ProgressMark, ProgressReport, School, Student

EnrollmentRow = namedtuple("EnrollmentRow", "student_id school_id enrollment_status exit_reason_code grade_level "
                                            "start_date exit_date cds_code name district_name")
AttendanceRow = namedtuple("AttendanceRow", "student_id days_expected days_attended days_absent_excused "
                                            "days_absent_unexcused days_suspended_out days_incomplete_study")
_EMPTY = literal_column("'[]'::json")


def _date(value: str | None) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)


def enrollments_column(student_id):
    """``card_enrollments``: every enrollment of ``student_id`` (a column of the enclosing statement)."""
    return (select(func.coalesce(func.json_agg(func.json_build_array(
        Enrollment.school_id, Enrollment.enrollment_status, Enrollment.exit_reason_code, Enrollment.grade_level,
        Enrollment.start_date, Enrollment.exit_date, School.cds_code, School.name, School.district_name)), _EMPTY))
        .select_from(Enrollment).join(School, School.id == Enrollment.school_id)
        .where(Enrollment.student_id == student_id).scalar_subquery().label("card_enrollments"))


def enrollment_lists(rows) -> dict[int, list]:
    """Per row's student id, its ``card_enrollments`` as rows shaped like ``enrollments.enrollment_rows``."""
    return {row.id: [EnrollmentRow(row.id, e[0], e[1], e[2], e[3], _date(e[4]), _date(e[5]), e[6], e[7], e[8])
                     for e in row.card_enrollments] for row in rows}


@functools.cache
def search_cards_statement():
    """Built once: per student of ``:student_ids``, ``card_enrollments`` and the caller's caseload
    membership (``caseload_list.membership_columns``). Run with ``scoping.access_params``."""
    from mobile_service import caseload_list

    return (select(Student.id, enrollments_column(Student.id), *caseload_list.membership_columns(Student.id))
            .where(Student.id.in_(bindparam("student_ids", expanding=True))))


def columns() -> list:
    """Three JSON scalar subqueries correlated to ``students``: ``card_enrollments``,
    ``card_attendance`` (this school year) and ``card_report`` (the latest, with its marks)."""
    enrollments = enrollments_column(Student.id)
    attendance = (select(func.coalesce(func.json_agg(func.json_build_array(
        AttendanceSummary.days_expected, AttendanceSummary.days_attended, AttendanceSummary.days_absent_excused,
        AttendanceSummary.days_absent_unexcused, AttendanceSummary.days_suspended_out,
        AttendanceSummary.days_incomplete_study)), _EMPTY))
        .where(AttendanceSummary.student_id == Student.id, AttendanceSummary.academic_year == bindparam("year"))
        .correlate(Student).scalar_subquery())
    marks = (select(func.coalesce(func.json_agg(ProgressMark.mark), _EMPTY))
             .where(ProgressMark.progress_report_id == ProgressReport.id).correlate(ProgressReport).scalar_subquery())
    report = (select(func.json_build_array(ProgressReport.academic_year, ProgressReport.term,
                                           ProgressReport.report_date, marks))
              .where(ProgressReport.student_id == Student.id)
              .order_by(ProgressReport.report_date.desc(), ProgressReport.id.desc()).limit(1)
              .correlate(Student).scalar_subquery())
    return [enrollments, attendance.label("card_attendance"), report.label("card_report")]


def unpack(rows) -> tuple[dict[int, list], dict[int, list], dict[int, dict[str, Any]]]:
    """Per student id: enrollment rows, this year's attendance rows and the latest report (or absent)."""
    enrollments = enrollment_lists(rows)
    attendance: dict[int, list] = {}
    reports: dict[int, dict[str, Any]] = {}
    for row in rows:
        sid = row.id
        attendance[sid] = [AttendanceRow(sid, *a) for a in row.card_attendance]
        if row.card_report is not None:
            year, term, date, marks = row.card_report
            reports[sid] = {"academic_year": year, "term": term, "report_date": _date(date),
                            "marks": [m for m in marks if m is not None]}
    return enrollments, attendance, reports
