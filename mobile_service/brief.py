"""The pre-visit brief: what a worker needs at the door, in one small read model (issue 15).

``briefs`` builds the brief of many students in a constant number of statements (the sync
payload batches a caseload), ``student_brief`` the brief of one (``GET /students/{key}/brief``).
Every figure comes from ``mobile_service.education``; the caller has already decided access and
writes the audit row. The rights holder is the one demographics show (in full); the open
alerts are the caseload card's (the stored alerts follow the same rule, ``mobile_service.alerts``).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, bindparam, func, select

from mobile_service import education
from mobile_service import rights_holder as rights_holder_model
from mobile_service.education.attendance import recent_attendance
from mobile_service.extensions import db
from mobile_service.freshness import freshness
from mobile_service.models import AttendanceSummary, Enrollment, ProgressMark, ProgressReport, School, Student

# The brief lists at most this many moves and courses (the counts stay whole): with them it
# stays under 5 KB for any record the feeds can hold. D/F courses are listed first.
MAX_MOVES = 6
MAX_COURSES = 12

_IDS = bindparam("student_ids", expanding=True)
_ENROLLMENTS = (select(Enrollment.student_id, Enrollment.school_id, Enrollment.enrollment_status,
                       Enrollment.exit_reason_code, Enrollment.grade_level, Enrollment.start_date,
                       Enrollment.exit_date, School.cds_code, School.name, School.district_name, School.address,
                       School.city, School.zip, School.phone)
                .join(School, School.id == Enrollment.school_id)
                .where(Enrollment.student_id.in_(_IDS)))
_ATTENDANCE = (select(AttendanceSummary.student_id, AttendanceSummary.school_id, AttendanceSummary.as_of_date,
                      AttendanceSummary.days_expected, AttendanceSummary.days_attended,
                      AttendanceSummary.days_absent_excused, AttendanceSummary.days_absent_unexcused,
                      AttendanceSummary.days_suspended_out, AttendanceSummary.days_incomplete_study)
               .where(AttendanceSummary.student_id.in_(_IDS), AttendanceSummary.academic_year == bindparam("year")))
_RANKED = (select(ProgressReport.id,
                  func.row_number().over(partition_by=ProgressReport.student_id,
                                         order_by=(ProgressReport.report_date.desc(), ProgressReport.id.desc()))
                  .label("rank"))
           .where(ProgressReport.student_id.in_(_IDS)).subquery())
_LATEST_MARKS = (select(ProgressReport.student_id, ProgressReport.academic_year, ProgressReport.term,
                        ProgressReport.report_date, School.name.label("school_name"), ProgressMark.course_code,
                        ProgressMark.course_title, ProgressMark.mark, ProgressMark.credits_attempted,
                        ProgressMark.credits_earned)
                 .join(_RANKED, (_RANKED.c.id == ProgressReport.id) & (_RANKED.c.rank == 1))
                 .join(School, School.id == ProgressReport.school_id)
                 .outerjoin(ProgressMark, ProgressMark.progress_report_id == ProgressReport.id)
                 .order_by(ProgressReport.student_id, ProgressMark.course_code))


def rights_holder(student: Student) -> dict[str, Any] | None:
    """The education rights holder in full, as demographics show it (``mobile_service.rights_holder``)."""
    return rights_holder_model.holder_payload(student)


def open_alerts(student: Student, figures: dict[str, Any]) -> list[str]:
    """The student's open alerts (today the caseload card's rule, ``education.alerts``)."""
    return education.alerts(mobility_figures=figures["mobility"], attendance_figures=figures["attendance"],
                            marks_figures=figures["marks"])


def student_brief(student: Student, today: dt.date) -> dict[str, Any]:
    """The brief of one student (``briefs`` of one)."""
    return briefs([student], today)[student.id]


def briefs(students: Sequence[Student], today: dt.date) -> dict[int, dict[str, Any]]:
    """The brief of each student, keyed by student id: three statements whatever their number."""
    ids = [s.id for s in students]
    year = education.academic_year(today)
    spans: dict[int, list[Row]] = defaultdict(list)
    attendance: dict[int, list[Row]] = defaultdict(list)
    marks: dict[int, list[Row]] = defaultdict(list)
    if ids:
        for row in db.session.execute(_ENROLLMENTS, {"student_ids": ids}):
            spans[row.student_id].append(row)
        for row in db.session.execute(_ATTENDANCE, {"student_ids": ids, "year": year}):
            attendance[row.student_id].append(row)
        for row in db.session.execute(_LATEST_MARKS, {"student_ids": ids}):
            marks[row.student_id].append(row)
    stamps = freshness()
    return {s.id: _brief(s, today, year, spans[s.id], attendance[s.id], marks[s.id], stamps) for s in students}


def _brief(student: Student, today: dt.date, year: str, spans: list[Row], attendance: list[Row],
           marks: list[Row], stamps: dict[str, Any]) -> dict[str, Any]:
    moves = education.mobility(spans, today)
    current = moves.current
    present = education.year_attendance(attendance)
    term = _term(marks)
    figures = {"mobility": moves, "attendance": present, "marks": term["figures"] if term else None}
    return {
        "student_key": student.student_key,
        "first_name": student.legal_first_name,
        "last_name": student.legal_last_name,
        "preferred_first_name": student.alias_first_name,
        "age": education.age(student.birth_date, today),
        "grade": current.grade_level if current is not None else None,
        "school": _school(current, moves.current_stay_start, today),
        "awaiting_next_school": moves.awaiting_next_school,
        "school_changes": _changes(spans, today, year),
        "attendance": _attendance(year, present, attendance, current),
        "latest_term": term["body"] if term else None,
        "rights_holder": rights_holder(student),
        "alerts": open_alerts(student, figures),
        "freshness": stamps,
    }


def _school(current: Row | None, stay_start: dt.date | None, today: dt.date) -> dict[str, Any] | None:
    if current is None:
        return None
    return {"name": current.name, "district_name": current.district_name, "cds_code": current.cds_code,
            "phone": current.phone, "address": current.address, "city": current.city, "zip": current.zip,
            "since": stay_start, "days_at_school": (today - stay_start).days if stay_start else None}


def _changes(spans: list[Row], today: dt.date, year: str) -> dict[str, Any]:
    moves = education.school_moves_this_year(spans, today)
    return {"academic_year": year, "count": len(moves),
            "moves": [{"date": move.date, "from_school": move.left.name, "to_school": move.joined.name}
                      for move in reversed(moves[-MAX_MOVES:])]}


def _attendance(year: str, present: education.Attendance | None, rows: list[Row],
                current: Row | None) -> dict[str, Any] | None:
    if present is None:
        return None
    here = next((row for row in rows if current is not None and row.school_id == current.school_id), None)
    recent = recent_attendance(here)
    return {"academic_year": year, "as_of_date": max(row.as_of_date for row in rows),
            "days_expected": present.days_expected, "days_absent": present.days_absent,
            "attendance_rate": present.attendance_rate, "chronically_absent": present.chronically_absent,
            "last_30_school_days": ({"school_days": recent.days_expected, "days_absent": recent.days_absent,
                                     "attendance_rate": recent.attendance_rate} if recent is not None else None)}


def _credits(values: list[Decimal | None]) -> Decimal | None:
    known = [v for v in values if v is not None]
    return sum(known, Decimal(0)) if known else None


def _term(rows: list[Row]) -> dict[str, Any] | None:
    if not rows:
        return None
    first = rows[0]
    courses = [row for row in rows if row.mark is not None]
    figures = education.term_marks(row.mark for row in courses)
    listed = sorted(courses, key=lambda row: not education.is_d_or_f(row.mark))[:MAX_COURSES]  # stable: D/F first
    body = {"academic_year": first.academic_year, "term": first.term, "report_date": first.report_date,
            "school_name": first.school_name, "gpa": figures.gpa, "df_count": figures.df_count,
            "credits_attempted": _credits([row.credits_attempted for row in courses]),
            "credits_earned": _credits([row.credits_earned for row in courses]),
            "course_count": len(courses),
            "courses": [{"title": row.course_title, "mark": row.mark, "credits_earned": row.credits_earned}
                        for row in listed]}
    return {"body": body, "figures": figures}
