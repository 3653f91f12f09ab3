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
from sqlalchemy.sql import Subquery

from api.etags import Versioned
from api.students import one_trip
from api.students import record_tabs as record_data
from api.students.search import SearchCriteria, exact_matches
from api.students.search_sql import EXACT, SCOPED, visible_search
from auth.principal import Principal
from mobile_service import audit, card_json, caseload_list, clock, scoping, usage
from mobile_service.brief import student_brief
from mobile_service.education import current_enrollment
from mobile_service.enrollments import enrollment_rows
from mobile_service.errors import not_found
from mobile_service.extensions import db
from mobile_service.identifiers import is_student_key
from mobile_service.models import Student

log = logging.getLogger("mobile_service.security")


# --- shared -------------------------------------------------------------------------------------

@functools.cache
def _resolve_statement(access: Subquery) -> Select:
    # One statement per shape of access subquery (they are cached too): built once, run with parameters.
    return (select(Student, access.c.basis)
            .join(access, access.c.student_id == Student.id)
            .where(Student.student_key == bindparam("student_key")))


def resolve_student(principal: Principal, student_key: str) -> tuple[Student, str]:
    """The student known by ``student_key`` and the caller's basis, or the one 404."""
    if not is_student_key(student_key):
        raise not_found()
    rows = db.session.execute(_resolve_statement(scoping.student_access(principal)),
                              {"student_key": student_key, **scoping.access_params(principal)}).all()
    if not rows:
        # Same answer for malformed, unknown and "not yours"; the denial is logged without the key.
        log.info("student record refused or missing", extra={"user_id": principal.user_id, "event": "record_denied"})
        raise not_found()
    bases = {row.basis for row in rows}
    return rows[0][0], next(basis for basis in scoping.BASIS_ORDER if basis in bases)


# --- search -------------------------------------------------------------------------------------

def _ordered(rows: list, limit: int) -> list:
    return sorted(rows, key=lambda r: (r.rank, r.last_name_key, r.first_name_key, r.id))[:limit]


def find_visible(principal: Principal, criteria: SearchCriteria) -> tuple[str, list, set[int]]:
    """The rule that answers, the ranked rows (capped) and which of them are in the caller's scope.

    One statement (``search_sql.visible_statement``, built once per shape): the scoped matches and,
    when the exact lookup applies, its candidates with whether each is in scope; the ones confirmed
    outside the scoped matches join them (out of scope, they will be reduced cards).
    """
    rule = scoping.search_rule(criteria)
    rows = db.session.execute(*visible_search(principal, criteria)).all()
    if rule != scoping.SEARCH_RULE_EXACT:
        return rule, _ordered(rows, criteria.limit), {row.id for row in rows}
    found = [row for row in rows if row.part == SCOPED]
    in_scope = {row.id for row in found}
    # An exact match can be in scope yet below the scoped part's cap: its row says so.
    exact = [row for row in exact_matches(criteria, [row for row in rows if row.part == EXACT])
             if row.id not in in_scope][:criteria.limit]
    in_scope |= {row.id for row in exact if row.in_scope}
    return rule, _ordered(found + exact, criteria.limit), in_scope


def search(principal: Principal, criteria: SearchCriteria) -> dict[str, Any]:
    """Search the caller's scope (and, by the exact lookup, the rest); audited by rule and card counts."""
    rule, rows, in_scope = find_visible(principal, criteria)
    ids = [row.id for row in rows]
    if ids and one_trip.applies():
        # PostgreSQL: every card's enrollments and the caller's caseload membership in ONE statement.
        cards_rows = db.session.execute(card_json.search_cards_statement(),
                                        {**scoping.access_params(principal), "student_ids": ids}).all()
        enrollments = card_json.enrollment_lists(cards_rows)
        mine = {row.id for row in cards_rows if row.id in in_scope and caseload_list.listed(row)}
    else:
        enrollments = enrollment_rows(ids)
        mine = caseload_list.on_my_caseload(principal, [i for i in ids if i in in_scope])
    today = clock.today()
    cards = []
    for row in rows:
        now = current_enrollment(enrollments.get(row.id, []), today)
        card = {"student_key": row.student_key, "in_scope": row.id in in_scope,
                "legal_first_name": row.legal_first_name, "legal_last_name": row.legal_last_name,
                "birth_date": row.birth_date, "school_name": now.name if now else None}
        if row.id in in_scope:
            # Full identification card; out of scope, the reduced card stops above (no SSID, grade, district).
            card.update(ssid=row.ssid, grade_level=now.grade_level if now else None, on_my_caseload=row.id in mine)
        cards.append(card)
    full = sum(1 for card in cards if card["in_scope"])
    kinds = criteria.kinds
    basis = "exact_lookup" if rule == scoping.SEARCH_RULE_EXACT else "search"
    # Per child: a student in the caller's scope was shown on that scope; a reduced card only
    # through the exact lookup.
    audit.record_list(principal, "student.search", basis=basis,
                      shown=[(row.id, "search" if row.id in in_scope else "exact_lookup") for row in rows],
                      details={"criteria": kinds, "rule": rule, "result_count": len(cards),
                               "full_cards": full, "reduced_cards": len(cards) - full},
                      usage_event=("search", {"result_count": len(cards), "detail": ",".join(kinds)}))
    audit.commit()
    return {"results": cards, "count": len(cards), "limit": criteria.limit, "rule": rule}


# --- records ------------------------------------------------------------------------------------

def _view(principal: Principal, student_key: str, action: str, tab: str, build,
          one_statement: bool = True) -> dict[str, Any] | Versioned:
    # The four record tabs have a one-statement form on PostgreSQL (answered Versioned: tagged by
    # their version stamp, shaped only for a 200); the brief reads several tables.
    if one_statement and one_trip.applies():
        return one_trip.view(principal, student_key, action, tab)  # PostgreSQL: one statement
    student, basis = resolve_student(principal, student_key)
    payload = build(principal, student, basis)
    audit.record(principal, action, student_id=student.id, ssid=student.ssid, basis=basis)
    usage.record_event("record_view", principal, detail=tab)
    audit.commit()
    return payload


def demographics(principal: Principal, student_key: str) -> dict[str, Any] | Versioned:
    """Demographics and current school of one student in the caller's scope."""
    return _view(principal, student_key, "student.view", "demographics", record_data.demographics)


def enrollments(principal: Principal, student_key: str) -> dict[str, Any] | Versioned:
    """Enrollment history (newest first) and mobility figures."""
    return _view(principal, student_key, "student.enrollments.view", "enrollments", record_data.enrollments)


def attendance(principal: Principal, student_key: str) -> dict[str, Any] | Versioned:
    """Attendance per school year and school."""
    return _view(principal, student_key, "student.attendance.view", "attendance", record_data.attendance)


def progress_reports(principal: Principal, student_key: str) -> dict[str, Any] | Versioned:
    """Progress reports per term, newest first."""
    return _view(principal, student_key, "student.progress_reports.view", "progress_reports",
                 record_data.progress_reports)


def brief(principal: Principal, student_key: str) -> dict[str, Any]:
    """The pre-visit brief of one student in the caller's scope (``mobile_service.brief``)."""
    return _view(principal, student_key, "student.brief.view", "brief",
                 lambda _principal, student, _basis: student_brief(student, clock.today()), one_statement=False)
