"""Student services: scope, query, audit, ONE commit before anything is disclosed.

Fail closed: the audit row commits before the view returns its body; if that commit fails the
caller gets a 503 and no record data (ASVS 16.5.3). Out-of-scope and missing students answer
the same 404 (``errors.not_found``), whatever the reason.
"""
from __future__ import annotations

import functools
import logging
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql import Subquery

from api.plumbing import valid_ssid
from api.students import records as record_data
from api.students.records import enrollment_rows, on_my_caseload
from api.students.search import SearchCriteria, find_students
from auth.principal import Principal
from mobile_service import audit, clock, scoping, usage
from mobile_service.education import current_enrollment
from mobile_service.errors import not_found, unavailable
from mobile_service.extensions import db
from mobile_service.models import Student, StudentSsid

log = logging.getLogger("mobile_service.security")


# --- shared -------------------------------------------------------------------------------------

def commit_disclosure() -> None:
    """Commit the audit row (and usage event); on failure disclose nothing: 503 + Retry-After."""
    try:
        db.session.commit()
    except SQLAlchemyError as exc:
        db.session.rollback()
        log.error("audit commit failed; disclosure refused", extra={"error_class": type(exc).__name__})
        raise unavailable("The service cannot record this access right now; retry shortly.") from exc


@functools.cache
def _resolve_statement(access: Subquery) -> Select:
    # One statement per shape of access subquery (they are cached too): built once, run with parameters.
    return (select(Student, access.c.basis)
            .join(StudentSsid, StudentSsid.student_id == Student.id)
            .join(access, access.c.student_id == Student.id)
            .where(StudentSsid.ssid == bindparam("ssid")))


def resolve_student(principal: Principal, ssid: str) -> tuple[Student, str]:
    """The student known by ``ssid`` (current or retired) and the caller's basis, or the one 404."""
    if not valid_ssid(ssid):
        raise not_found()
    rows = db.session.execute(_resolve_statement(scoping.student_access(principal)),
                              {"ssid": ssid, **scoping.access_params(principal)}).all()
    if not rows:
        # Same answer for "no such student" and "not yours"; the denial is logged without the SSID.
        log.info("student record refused or missing", extra={"user_id": principal.user_id, "event": "record_denied"})
        raise not_found()
    bases = {row.basis for row in rows}
    return rows[0][0], next(basis for basis in scoping.BASIS_ORDER if basis in bases)


# --- search -------------------------------------------------------------------------------------

def search(principal: Principal, criteria: SearchCriteria) -> dict[str, Any]:
    """Run a search and return identification cards; audited by criteria kinds, never values."""
    rows = find_students(criteria)
    ids = [row.id for row in rows]
    enrollments = enrollment_rows(ids)
    mine = on_my_caseload(principal, ids)
    today = clock.today()
    cards = []
    for row in rows:
        now = current_enrollment(enrollments.get(row.id, []), today)
        cards.append({
            "ssid": row.ssid, "legal_first_name": row.legal_first_name, "legal_last_name": row.legal_last_name,
            "birth_date": row.birth_date,
            "school_name": now.name if now else None, "grade_level": now.grade_level if now else None,
            "on_my_caseload": row.id in mine,
        })
    kinds = criteria.kinds
    basis = "exact_lookup" if criteria.whole_database else "search"
    audit.record_list(principal, "student.search", basis=basis, shown=[(row.id, basis) for row in rows],
                      details={"criteria": kinds, "result_count": len(cards),
                               "whole_database": criteria.whole_database})
    usage.record_event("search", principal, result_count=len(cards), detail=",".join(kinds))
    commit_disclosure()
    return {"results": cards, "count": len(cards), "limit": criteria.limit,
            "searched_entire_database": criteria.whole_database}


# --- records ------------------------------------------------------------------------------------

def _view(principal: Principal, ssid: str, action: str, tab: str, build) -> dict[str, Any]:
    student, basis = resolve_student(principal, ssid)
    payload = build(principal, student, basis)
    audit.record(principal, action, student_id=student.id, ssid=student.ssid, basis=basis)
    usage.record_event("record_view", principal, detail=tab)
    commit_disclosure()
    return payload


def demographics(principal: Principal, ssid: str) -> dict[str, Any]:
    """Demographics and current school of one student in the caller's scope."""
    return _view(principal, ssid, "student.view", "demographics", record_data.demographics)


def enrollments(principal: Principal, ssid: str) -> dict[str, Any]:
    """Enrollment history (newest first) and mobility figures."""
    return _view(principal, ssid, "student.enrollments.view", "enrollments", record_data.enrollments)


def attendance(principal: Principal, ssid: str) -> dict[str, Any]:
    """Attendance per school year and school."""
    return _view(principal, ssid, "student.attendance.view", "attendance", record_data.attendance)


def progress_reports(principal: Principal, ssid: str) -> dict[str, Any]:
    """Progress reports per term, newest first."""
    return _view(principal, ssid, "student.progress_reports.view", "progress_reports",
                 record_data.progress_reports)
