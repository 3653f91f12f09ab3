"""Caseload summary cards: one page of cards in a constant number of queries (no N+1).

Used by the own-caseload list and the SCSW's read-only view of a supervisee's caseload. The
caller has already decided membership (``caseload_list.caseload_members``); this module only reads.
"""
from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Integer, Row, any_, bindparam, func, select
from sqlalchemy.dialects import postgresql

from mobile_service import card_json, education
from mobile_service.caseload_list import Membership
from mobile_service.enrollments import enrollment_rows
from mobile_service.extensions import db
from mobile_service.models import AttendanceSummary, ProgressMark, ProgressReport, Student
from mobile_service.pagination import KeysetQuery, Page


def card_page(members: Mapping[int, Membership], *, today: dt.date, limit: int, cursor: str | None,
              scope: str, user_id: int) -> tuple[list[dict[str, Any]], str | None, list[int]]:
    """Build the cards of one page of ``members``, ordered by last name, first name, id.

    Returns the cards, the next cursor and the ids of the students shown (for the record of access).
    """
    one_statement = _one_statement()
    params: dict[str, Any] = {"member_ids": list(members)}
    if one_statement:
        params["year"] = education.academic_year(today)
    page: Page = _page_query(one_statement).page(limit=limit, cursor=cursor, scope=scope, user_id=user_id,
                                                 params=params)
    ids = [row.id for row in page.rows]
    if one_statement:
        enrollments, attendance, reports = card_json.unpack(page.rows)
    else:
        enrollments = enrollment_rows(ids)
        attendance = _attendance(ids, education.academic_year(today))
        reports = _latest_reports(ids)
    cards = []
    for row in page.rows:
        member = members[row.id]
        spans = enrollments.get(row.id, [])
        schools = {span.school_id: span for span in spans}  # each row carries its school's columns
        moves = education.mobility(spans, today)
        present = education.year_attendance(attendance.get(row.id, []))  # chronic flag per school
        report = reports.get(row.id)
        marks = education.term_marks(report["marks"]) if report else None
        current = moves.current
        school = schools.get(current.school_id) if current is not None else None
        cards.append({
            "student_key": row.student_key,
            "ssid": row.ssid,
            "first_name": row.legal_first_name,
            "last_name": row.legal_last_name,
            "preferred_first_name": row.alias_first_name,
            "age": education.age(row.birth_date, today),
            "grade": current.grade_level if current is not None else None,
            "school": ({"cds_code": school.cds_code, "name": school.name, "district_name": school.district_name}
                       if school is not None else None),
            "enrollment_start": moves.current_stay_start,
            "days_since_school_change": moves.days_since_school_change,
            "school_changes_this_year": moves.school_changes_this_year,
            "attendance": ({"academic_year": education.academic_year(today),
                            "attendance_rate": present.attendance_rate, "days_absent": present.days_absent,
                            "days_expected": present.days_expected,
                            "chronically_absent": present.chronically_absent}
                           if present is not None else None),
            "latest_progress_report": ({"academic_year": report["academic_year"], "term": report["term"],
                                        "report_date": report["report_date"], "gpa": marks.gpa,
                                        "df_count": marks.df_count}
                                       if report and marks else None),
            "assigned_in_dcfs_feed": member.assigned_in_feed,
            "added_at": member.entry.added_at if member.entry is not None else None,
            "flagged": bool(member.entry is not None and member.entry.flagged),
            "added_reason": member.entry.added_reason if member.entry is not None else None,
            "alerts": education.alerts(mobility_figures=moves, attendance_figures=present, marks_figures=marks),
        })
    return cards, page.next_cursor, ids


@functools.cache
def _page_query(one_statement: bool) -> KeysetQuery:
    """The page's statement, built once: the members' ids and the page position are parameters."""
    stmt = select(Student.id, Student.student_key, Student.ssid, Student.legal_first_name, Student.legal_last_name,
                  Student.alias_first_name, Student.birth_date)
    if one_statement:
        # PostgreSQL: each card's enrollments, attendance and latest report ride in the page's
        # statement as JSON (one round trip for the whole page; ``card_json``). The ids are one
        # array parameter: an IN list would be re-rendered for every execution.
        stmt = stmt.add_columns(*card_json.columns()).where(
            Student.id == any_(bindparam("member_ids", type_=postgresql.ARRAY(Integer))))
    else:
        stmt = stmt.where(Student.id.in_(bindparam("member_ids", expanding=True)))
    return KeysetQuery(stmt, [Student.last_name_key, Student.first_name_key, Student.id])


def _one_statement() -> bool:
    """Whether the page's statement also carries its cards' rows (PostgreSQL's JSON functions)."""
    return db.session.get_bind().dialect.name == "postgresql"


# Statements built once; the page's ids travel as expanding parameters.
_ATTENDANCE_COLUMNS = (AttendanceSummary.student_id, AttendanceSummary.days_expected,
                       AttendanceSummary.days_attended, AttendanceSummary.days_absent_excused,
                       AttendanceSummary.days_absent_unexcused, AttendanceSummary.days_suspended_out,
                       AttendanceSummary.days_incomplete_study)


_ATTENDANCE = select(*_ATTENDANCE_COLUMNS).where(
    AttendanceSummary.student_id.in_(bindparam("student_ids", expanding=True)),
    AttendanceSummary.academic_year == bindparam("year"))


def _attendance(ids: list[int], year: str) -> dict[int, list[Row]]:
    rows = db.session.execute(_ATTENDANCE, {"student_ids": ids, "year": year}).all()
    found: dict[int, list[Row]] = defaultdict(list)
    for row in rows:
        found[row.student_id].append(row)
    return found


_RANKED_REPORTS = (
    select(ProgressReport.id,
           func.row_number().over(partition_by=ProgressReport.student_id,
                                  order_by=(ProgressReport.report_date.desc(), ProgressReport.id.desc()))
           .label("rank"))
    .where(ProgressReport.student_id.in_(bindparam("student_ids", expanding=True)))
    .subquery()
)
_LATEST_REPORTS = (
    select(ProgressReport.student_id, ProgressReport.academic_year, ProgressReport.term,
           ProgressReport.report_date, ProgressMark.mark)
    .join(_RANKED_REPORTS, (_RANKED_REPORTS.c.id == ProgressReport.id) & (_RANKED_REPORTS.c.rank == 1))
    .outerjoin(ProgressMark, ProgressMark.progress_report_id == ProgressReport.id)
)


def _latest_reports(ids: list[int]) -> dict[int, dict[str, Any]]:
    rows = db.session.execute(_LATEST_REPORTS, {"student_ids": ids}).all()
    found: dict[int, dict[str, Any]] = {}
    for row in rows:
        report = found.setdefault(row.student_id, {"academic_year": row.academic_year, "term": row.term,
                                                   "report_date": row.report_date, "marks": []})
        if row.mark is not None:
            report["marks"].append(row.mark)
    return found
