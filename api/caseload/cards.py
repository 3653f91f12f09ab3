"""Caseload summary cards: one page of cards in a constant number of queries (no N+1).

Used by the own-caseload list and the SCSW's read-only view of a supervisee's caseload. The
caller has already decided membership (``scoping.caseload_members``); this module only reads.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Row, func, select

from api.plumbing import Page, paginate
from mobile_service import records
from mobile_service.extensions import db
from mobile_service.models import AttendanceSummary, Enrollment, ProgressMark, ProgressReport, School, Student
from mobile_service.scoping import Membership


def card_page(members: Mapping[int, Membership], *, today: dt.date, limit: int, cursor: str | None,
              scope: str, user_id: int) -> tuple[list[dict[str, Any]], str | None]:
    """Build the cards of one page of ``members``, ordered by last name, first name, id."""
    page: Page = paginate(
        select(Student.id, Student.ssid, Student.legal_first_name, Student.legal_last_name,
               Student.alias_first_name, Student.birth_date).where(Student.id.in_(list(members))),
        [Student.last_name_key, Student.first_name_key, Student.id],
        limit=limit, cursor=cursor, scope=scope, user_id=user_id,
    )
    ids = [row.id for row in page.rows]
    enrollments = _enrollments(ids)
    attendance = _attendance(ids, records.academic_year(today))
    reports = _latest_reports(ids)
    cards = []
    for row in page.rows:
        member = members[row.id]
        spans = [e for e, _ in enrollments.get(row.id, [])]
        schools = {e.school_id: s for e, s in enrollments.get(row.id, [])}
        moves = records.mobility(spans, today)
        present = records.attendance(attendance.get(row.id, []))
        report = reports.get(row.id)
        marks = records.term_marks(report["marks"]) if report else None
        current = moves.current
        school = schools.get(current.school_id) if current is not None else None
        cards.append({
            "ssid": row.ssid,
            "first_name": row.legal_first_name,
            "last_name": row.legal_last_name,
            "preferred_first_name": row.alias_first_name,
            "age": records.age(row.birth_date, today),
            "grade": current.grade_level if current is not None else None,
            "school": ({"cds_code": school.cds_code, "name": school.name, "district_name": school.district_name}
                       if school is not None else None),
            "enrollment_start": moves.current_stay_start,
            "days_since_school_change": moves.days_since_school_change,
            "school_changes_12m": moves.school_changes_12m,
            "attendance": ({"academic_year": records.academic_year(today),
                            "attendance_rate": present.attendance_rate, "days_absent": present.days_absent,
                            "days_expected": present.days_expected, "chronic_absence": present.chronic_absence}
                           if present is not None else None),
            "latest_progress_report": ({"academic_year": report["academic_year"], "term": report["term"],
                                        "report_date": report["report_date"], "gpa": marks.gpa,
                                        "d_f_count": marks.d_f_count}
                                       if report and marks else None),
            "assigned_in_dcfs_feed": member.assigned_in_feed,
            "added_at": member.entry.added_at if member.entry is not None else None,
            "flagged": bool(member.entry is not None and member.entry.flagged),
            "added_reason": member.entry.added_reason if member.entry is not None else None,
            "alerts": records.alerts(mobility_figures=moves, attendance_figures=present, marks_figures=marks),
        })
    return cards, page.next_cursor


# Plain rows with just the columns the cards use, not ORM entities: at 100 cards the entity
# loading (identity map, every School column) was the largest cost of the request.
_ENROLLMENT_COLUMNS = (Enrollment.student_id, Enrollment.school_id, Enrollment.enrollment_status,
                       Enrollment.exit_reason_code, Enrollment.grade_level, Enrollment.start_date,
                       Enrollment.exit_date, School.cds_code, School.name, School.district_name)
_ATTENDANCE_COLUMNS = (AttendanceSummary.student_id, AttendanceSummary.days_expected,
                       AttendanceSummary.days_attended, AttendanceSummary.days_absent_excused,
                       AttendanceSummary.days_absent_unexcused, AttendanceSummary.days_suspended_out,
                       AttendanceSummary.days_incomplete_study)


def _enrollments(ids: list[int]) -> dict[int, list[tuple[Row, Row]]]:
    """Per student, ``(span, school)`` pairs; both are the same row (span and school columns)."""
    rows = db.session.execute(
        select(*_ENROLLMENT_COLUMNS).join(School, School.id == Enrollment.school_id)
        .where(Enrollment.student_id.in_(ids))
    ).all()
    found: dict[int, list[tuple[Row, Row]]] = defaultdict(list)
    for row in rows:
        found[row.student_id].append((row, row))
    return found


def _attendance(ids: list[int], year: str) -> dict[int, list[Row]]:
    rows = db.session.execute(
        select(*_ATTENDANCE_COLUMNS).where(AttendanceSummary.student_id.in_(ids),
                                           AttendanceSummary.academic_year == year)
    ).all()
    found: dict[int, list[Row]] = defaultdict(list)
    for row in rows:
        found[row.student_id].append(row)
    return found


def _latest_reports(ids: list[int]) -> dict[int, dict[str, Any]]:
    ranked = (
        select(ProgressReport.id,
               func.row_number().over(partition_by=ProgressReport.student_id,
                                      order_by=(ProgressReport.report_date.desc(), ProgressReport.id.desc()))
               .label("rank"))
        .where(ProgressReport.student_id.in_(ids))
        .subquery()
    )
    rows = db.session.execute(
        select(ProgressReport.student_id, ProgressReport.academic_year, ProgressReport.term,
               ProgressReport.report_date, ProgressMark.mark)
        .join(ranked, (ranked.c.id == ProgressReport.id) & (ranked.c.rank == 1))
        .outerjoin(ProgressMark, ProgressMark.progress_report_id == ProgressReport.id)
    ).all()
    found: dict[int, dict[str, Any]] = {}
    for row in rows:
        report = found.setdefault(row.student_id, {"academic_year": row.academic_year, "term": row.term,
                                                   "report_date": row.report_date, "marks": []})
        if row.mark is not None:
            report["marks"].append(row.mark)
    return found
