"""The caseload card's four alerts, stored: the same rule (``education.alerts``) on the same records.

The card (``caseload_cards.card_page``) computes them for a page of students; this module
computes them for the students a load or the daily job touched, and stores the difference. The
inputs are the card's: every enrollment (``enrollments.enrollment_rows``), this school year's
attendance rows, and the latest progress report's marks (on PostgreSQL the same rows, read per
chunk of thousands of students with one array parameter each: ``_pg_inputs``). What each alert means, with the CALPADS
Data Guide passage it follows, is in ``mobile_service/education/``: a school change is a move
between schools within a school year, never a promotion (E230) or a summer break (E155/E450,
Guide Appendix C); chronic absence is 10 % or more of the expected days at a school with more
than 30 days enrolled (Guide 2.1.6); no current enrollment excludes a promoted student between
schools until Census Day (Guide 1.4.5, Appendix C note to E155).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, func, select

from mobile_service import education
from mobile_service.alerts import kinds, store
from mobile_service.enrollments import enrollment_rows
from mobile_service.extensions import db
from mobile_service.models import AttendanceSummary, ProgressMark, ProgressReport

_ATTENDANCE = select(
    AttendanceSummary.student_id, AttendanceSummary.days_expected, AttendanceSummary.days_attended,
    AttendanceSummary.days_absent_excused, AttendanceSummary.days_absent_unexcused,
    AttendanceSummary.days_suspended_out, AttendanceSummary.days_incomplete_study,
).where(AttendanceSummary.student_id.in_(bindparam("student_ids", expanding=True)),
        AttendanceSummary.academic_year == bindparam("year"))
# The latest report of each student, as on the card: newest report date, then the highest id.
_RANKED = (select(ProgressReport.id, func.row_number().over(
    partition_by=ProgressReport.student_id,
    order_by=(ProgressReport.report_date.desc(), ProgressReport.id.desc())).label("rank"))
    .where(ProgressReport.student_id.in_(bindparam("student_ids", expanding=True))).subquery())
_LATEST = (select(ProgressReport.student_id, ProgressReport.academic_year, ProgressReport.term,
                  ProgressReport.report_date, ProgressMark.mark)
           .join(_RANKED, (_RANKED.c.id == ProgressReport.id) & (_RANKED.c.rank == 1))
           .outerjoin(ProgressMark, ProgressMark.progress_report_id == ProgressReport.id))


def _attendance(ids: list[int], year: str) -> dict[int, list]:
    found: dict[int, list] = defaultdict(list)
    for row in db.session.connection().execute(_ATTENDANCE, {"student_ids": ids, "year": year}):
        found[row.student_id].append(row)
    return found


def _latest_reports(ids: list[int]) -> dict[int, dict[str, Any]]:
    return _reports(db.session.connection().execute(_LATEST, {"student_ids": ids}))


def _reports(rows) -> dict[int, dict[str, Any]]:
    found: dict[int, dict[str, Any]] = {}
    for row in rows:
        report = found.setdefault(row.student_id, {"academic_year": row.academic_year, "term": row.term,
                                                   "report_date": row.report_date, "marks": []})
        if row.mark is not None:
            report["marks"].append(row.mark)
    return found


# PostgreSQL, for a chunk of thousands of students: the same rows, the chunk's ids as ONE array
# parameter (an expanded IN list of thousands is rendered by SQLAlchemy and parsed by psycopg per
# chunk, which cost more than the reads), fetched as plain named tuples by the driver (the rules
# read them like rows, at a third of the cost of SQLAlchemy rows). No schools join: the rules read
# the school's id only, never its name.
_PG_ENROLLMENTS = ("SELECT student_id, school_id, enrollment_status, exit_reason_code, grade_level, start_date, "
                   "exit_date FROM enrollments WHERE student_id = ANY(%(ids)s::bigint[])")
_PG_ATTENDANCE = ("SELECT student_id, days_expected, days_attended, days_absent_excused, days_absent_unexcused, "
                  "days_suspended_out, days_incomplete_study FROM attendance_summaries "
                  "WHERE student_id = ANY(%(ids)s::bigint[]) AND academic_year = %(year)s")
# The latest report of each student as on the card (newest report date, then the highest id), with its marks.
_PG_LATEST = ("SELECT r.student_id, r.academic_year, r.term, r.report_date, m.mark FROM "
              "(SELECT DISTINCT ON (student_id) id, student_id, academic_year, term, report_date "
              "FROM progress_reports WHERE student_id = ANY(%(ids)s::bigint[]) "
              "ORDER BY student_id, report_date DESC, id DESC) r "
              "LEFT JOIN progress_marks m ON m.progress_report_id = r.id")


def _pg_inputs(ids: list[int], year: str) -> tuple[dict[int, list], dict[int, list], dict[int, dict[str, Any]]]:
    from psycopg.rows import namedtuple_row  # the PostgreSQL driver; SQLite installs need not have it

    cursor = db.session.connection().connection.driver_connection.cursor(row_factory=namedtuple_row)
    try:
        enrollments: dict[int, list] = defaultdict(list)
        array = store.id_literal(ids)  # one array literal, sent three times
        for row in cursor.execute(_PG_ENROLLMENTS, {"ids": array}).fetchall():  # one batch: half the CPU
            enrollments[row.student_id].append(row)
        attendance: dict[int, list] = defaultdict(list)
        for row in cursor.execute(_PG_ATTENDANCE, {"ids": array, "year": year}).fetchall():
            attendance[row.student_id].append(row)
        return enrollments, attendance, _reports(cursor.execute(_PG_LATEST, {"ids": array}).fetchall())
    finally:
        cursor.close()


def _inputs(ids: list[int], year: str) -> tuple[dict[int, list], dict[int, list], dict[int, dict[str, Any]]]:
    """Per student: every enrollment, this school year's attendance rows, the latest report."""
    if db.session.get_bind().dialect.name == "postgresql":
        return _pg_inputs(ids, year)
    return enrollment_rows(ids), _attendance(ids, year), _latest_reports(ids)


def desired(ids: list[int], today: dt.date) -> dict[store.Key, str]:
    """The education alerts that hold today for these students, each with the fact it stands for."""
    year = education.academic_year(today)
    enrollments, attendance, reports = _inputs(ids, year)
    wanted: dict[store.Key, str] = {}
    for sid in ids:
        moves = education.mobility(enrollments.get(sid, []), today)
        present = education.year_attendance(attendance.get(sid, []))
        report = reports.get(sid)
        marks = education.term_marks(report["marks"]) if report else None
        for kind in education.alerts(mobility_figures=moves, attendance_figures=present, marks_figures=marks):
            wanted[(sid, kind, "")] = _basis(kind, moves, year, report)
    return wanted


def _basis(kind: str, moves: education.Mobility, year: str, report: dict[str, Any] | None) -> str:
    # The fact an alert stands for: a second move, or a newer report with D/F marks, is a new
    # alert; the same move or report seen again is the open one.
    if kind == kinds.SCHOOL_CHANGE:
        return f"moved:{moves.last_school_change.isoformat() if moves.last_school_change else ''}"
    if kind == kinds.CHRONIC_ABSENCE:
        return f"year:{year}"
    if kind == kinds.FAILING_MARKS and report is not None:
        return f"report:{report['academic_year']}:{report['report_date'].isoformat()}:{report['term']}"[:64]
    return kind


def refresh(student_ids: Sequence[int], today: dt.date, now: dt.datetime) -> tuple[int, int]:
    """Store the education alerts of these students as the rule says today; returns (raised, cleared)."""
    raised = cleared = 0
    for ids in store.chunks(student_ids, store.chunk_size()):
        r, c = store.reconcile(ids, kinds.EDUCATION_KINDS, desired(ids, today), now)
        raised, cleared = raised + r, cleared + c
    return raised, cleared
