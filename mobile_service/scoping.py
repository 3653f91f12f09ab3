"""Who may see which students: the one place that decides. Default deny.

A CSW sees students on their own mobile caseload or assigned to them in the DCFS feed; an SCSW
additionally sees (read-only) those of the CSWs they actively supervise. A manual add counts
only while it holds (:func:`open_add_filter`): approved, confirmed by the feed, or pending and not
yet expired, checked at read time so a lapsed or denied add is a 404 at once. Coordinators and admins
see no student through the mobile API; an EPS support steward sees only the students named by the
data-quality reports in its queue (:func:`steward_queue_filter`). Every student query starts from
:func:`student_access` and ANDs it outside any user filter, so an out-of-scope student is
indistinguishable from a missing one (404).
"""
from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import Date, Integer, Select, String, and_, bindparam, exists, literal, or_, select, union_all
from sqlalchemy.sql import Subquery
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlalchemy.sql.expression import literal_column

from mobile_service import clock
from mobile_service.extensions import db
from mobile_service.models import (
    FIELD_ROLES,
    REVIEW_HOLDING,
    REVIEW_PENDING,
    ROLE_ADMIN,
    ROLE_CSW,
    ROLE_EPS_SUPPORT,
    ROLE_SCSW,
    AuditEvent,
    AuditEventStudent,
    CaseloadEntry,
    DcfsCase,
    IssueReport,
    Student,
    Supervision,
    User,
)
from mobile_service.models.alerts import AUDIENCE_CASELOAD, Alert, employee_audience, user_audience
from mobile_service.models.base import UTCDateTime
from mobile_service.models.data_quality import DATA_QUALITY_KINDS

# Strongest first: when several bases apply, the audit records the first.
BASIS_ORDER = ("caseload", "dcfs_assignment", "supervision")


class PrincipalLike(Protocol):
    """What the domain needs of the caller (``auth.principal.Principal`` is one)."""

    user_id: int
    role: str
    dcfs_employee_id: str | None


def can_view_students(principal: PrincipalLike) -> bool:
    """Only field roles (CSW, SCSW) ever receive student data from the mobile API."""
    return principal.role in FIELD_ROLES


def open_case_filter(today: dt.date | BindParameter | None = None):
    """An assignment that is open ``today`` (default: the service clock's today) in the DCFS feed."""
    today = clock.today() if today is None else today
    return and_(
        DcfsCase.case_status == "open",
        DcfsCase.assignment_start <= today,
        or_(DcfsCase.assignment_end.is_(None), DcfsCase.assignment_end >= today),
    )


def active_supervision_filter(today: dt.date | BindParameter | None = None):
    """A supervision link in force ``today`` (default: the service clock's today)."""
    today = clock.today() if today is None else today
    return and_(
        Supervision.start_date <= today,
        or_(Supervision.end_date.is_(None), Supervision.end_date >= today),
    )


def _sql_constants(values: Sequence[str]) -> list[ColumnElement]:
    # Our own lower-case state names only: they are written into the SQL text as they are.
    if not all(value.replace("_", "").isalpha() and value.islower() for value in values):
        raise ValueError(f"not a state name: {values!r}")
    return [literal_column(f"'{value}'") for value in values]


# The holding states as SQL constants, not a list of values: SQLAlchemy renders a list as an
# expanding parameter and re-renders the statement's text on every execution (issue 14).
_REVIEW_HOLDING_SQL = _sql_constants(REVIEW_HOLDING)


def open_add_filter(now: dt.datetime | BindParameter | None = None):
    """An open manual add that is a basis for access at ``now``: approved, confirmed, or pending and unexpired."""
    now = clock.utcnow() if now is None else now
    return and_(CaseloadEntry.origin == "added", CaseloadEntry.removed_at.is_(None),
                or_(CaseloadEntry.review_state.in_(_REVIEW_HOLDING_SQL),
                    and_(CaseloadEntry.review_state == REVIEW_PENDING, CaseloadEntry.expires_at > now)))


def pending_add_filter(now: dt.datetime | None = None):
    """An open manual add awaiting review that has not lapsed yet (what a review queue lists)."""
    now = clock.utcnow() if now is None else now
    return and_(CaseloadEntry.origin == "added", CaseloadEntry.removed_at.is_(None),
                CaseloadEntry.review_state == REVIEW_PENDING, CaseloadEntry.expires_at > now)


def has_active_supervisor(worker_id, today: dt.date | None = None):
    """Whether the worker has an active SCSW supervising them today (an inactive one reviews nothing)."""
    boss = db.aliased(User)
    return exists(select(Supervision.id).join(boss, boss.id == Supervision.supervisor_id).where(
        Supervision.worker_id == worker_id, active_supervision_filter(today),
        boss.active.is_(True), boss.role == ROLE_SCSW))


def reviewable_add_filter(principal: PrincipalLike):
    """The manual adds (any state) the principal reviews; none for other roles.

    An SCSW reviews the flagged adds of the CSWs they actively supervise; an admin those of every
    worker without an active supervisor (SCSWs' own adds included), so no add goes unreviewed.
    """
    flagged_add = and_(CaseloadEntry.origin == "added", CaseloadEntry.flagged.is_(True))
    if principal.role == ROLE_SCSW:
        return and_(flagged_add, CaseloadEntry.user_id.in_(team(principal.user_id).with_only_columns(User.id)))
    if principal.role == ROLE_ADMIN:
        return and_(flagged_add, ~has_active_supervisor(CaseloadEntry.user_id))
    return literal(False)


def team(supervisor_id, today: dt.date | BindParameter | None = None) -> Select:
    """The one team query: the users ``supervisor_id`` actively supervises ``today`` (an SCSW's CSWs)."""
    return (
        select(User)
        .join(Supervision, Supervision.worker_id == User.id)
        .where(Supervision.supervisor_id == supervisor_id, active_supervision_filter(today))
    )


def supervisees(principal: PrincipalLike) -> Select:
    """Select the users an SCSW actively supervises (nothing for other roles)."""
    if principal.role != ROLE_SCSW:
        return select(User).where(literal(False))
    return team(principal.user_id)


# The access subquery is built once per shape of principal, with the principal's values as bind
# parameters (``access_params``): it is part of every record read, and building it per request
# cost more CPU than the database spent running it.
# The caseload list (``caseload_list``) runs its statements with the same parameters.
USER_PARAM = bindparam("access_user_id", type_=Integer)
EMPLOYEE_PARAM = bindparam("access_employee_id", type_=String)
TODAY_PARAM = bindparam("access_today", type_=Date)
NOW_PARAM = bindparam("access_now", type_=UTCDateTime)
_USER, _EMPLOYEE, _TODAY, _NOW = USER_PARAM, EMPLOYEE_PARAM, TODAY_PARAM, NOW_PARAM


def _added_by(user_ids) -> Select:
    return select(CaseloadEntry.student_id).where(
        CaseloadEntry.user_id.in_(user_ids) if isinstance(user_ids, Select) else CaseloadEntry.user_id == user_ids,
        open_add_filter(_NOW),
    )


def _assigned_to(employee_ids) -> Select:
    match = (DcfsCase.csw_employee_id.in_(employee_ids) if isinstance(employee_ids, Select)
             else DcfsCase.csw_employee_id == employee_ids)
    return select(DcfsCase.student_id).where(match, open_case_filter(_TODAY))


@functools.cache
def _access_subquery(field_role: bool, has_employee_id: bool, scsw: bool) -> Subquery:
    if not field_role:
        return select(literal(0).label("student_id"), literal("none").label("basis")).where(literal(False)).subquery()
    parts = [_added_by(_USER).add_columns(literal("caseload").label("basis"))]
    if has_employee_id:
        parts.append(_assigned_to(_EMPLOYEE).add_columns(literal("dcfs_assignment").label("basis")))
    if scsw:
        members = team(_USER, _TODAY).with_only_columns(User.id, User.dcfs_employee_id).subquery()
        parts.append(_added_by(select(members.c.id)).add_columns(literal("supervision").label("basis")))
        parts.append(
            _assigned_to(select(members.c.dcfs_employee_id).where(members.c.dcfs_employee_id.is_not(None)))
            .add_columns(literal("supervision").label("basis"))
        )
    return union_all(*parts).subquery("student_access")


def student_access(principal: PrincipalLike) -> Subquery:
    """A subquery of ``(student_id, basis)`` rows the principal may see; empty unless a field role.

    Execute every statement built on it with :func:`access_params` of the same principal.
    """
    return _access_subquery(can_view_students(principal), bool(principal.dcfs_employee_id),
                            principal.role == ROLE_SCSW)


def access_params(principal: PrincipalLike) -> dict[str, Any]:
    """The bind parameters of :func:`student_access` for this principal, as of now."""
    now = clock.utcnow()
    return {"access_user_id": principal.user_id, "access_employee_id": principal.dcfs_employee_id,
            "access_today": clock.today(), "access_now": now}


def visible_student_ids(principal: PrincipalLike) -> list[int]:
    """The ids of every student the principal may see, each once."""
    access = student_access(principal)
    return list(db.session.execute(select(access.c.student_id).distinct(), access_params(principal)).scalars())


def basis_for(principal: PrincipalLike, student_id: int) -> str | None:
    """The legal basis on which the principal may see one student, or None (then: 404)."""
    access = student_access(principal)
    bases = set(db.session.execute(select(access.c.basis).where(access.c.student_id == student_id),
                                   access_params(principal)).scalars())
    return next((basis for basis in BASIS_ORDER if basis in bases), None)


# --- who a search may find (issue 11, api.md "Who may see what") ----------------------------------

# The rule that answered a search: ``scope`` when only the caller's scope was searched,
# ``exact_lookup`` when the EPS "Search Entire Foster Youth Database" rule also searched the rest.
SEARCH_RULE_SCOPE = "scope"
SEARCH_RULE_EXACT = "exact_lookup"
SEARCH_RULES = (SEARCH_RULE_SCOPE, SEARCH_RULE_EXACT)


class SearchLike(Protocol):
    full_ssid: bool
    exact_name_dob: bool
    last_key: str | None
    dob: dt.date | None


def search_rule(criteria: SearchLike) -> str:
    """Which rule a search falls under (EPS FAQ, "Search Entire Foster Youth Database").

    The exact lookup: first name + last name + date of birth, each given in full, or a full
    10-digit SSID together with the last name or the date of birth. Anything short of that (a
    partial SSID, a full SSID alone, name prefixes, a birth date alone, any mix) is a partial
    search and finds only students already in the caller's scope, whose cards are full (SSID,
    grade). A student outside the scope is found only by the exact lookup, and then shows only a
    reduced card: name, date of birth, current school's name and the student key to add the
    student with a reason; no SSID, grade or district.
    """
    if criteria.exact_name_dob or (criteria.full_ssid and (criteria.last_key or criteria.dob)):
        return SEARCH_RULE_EXACT
    return SEARCH_RULE_SCOPE


def search_scope(principal: PrincipalLike) -> ColumnElement[bool]:
    """The condition "``students.id`` is in the caller's scope" for a search statement.

    The same students :func:`student_access` allows (caseload, DCFS assignments, an SCSW's
    active supervisees'), any foster status; nothing for other roles. Execute with
    :func:`access_params`. Scopes are caseload-sized, so the scope drives the search plan.
    """
    return scope_condition(student_access(principal))


@functools.cache
def scope_condition(access: Subquery) -> ColumnElement[bool]:
    """"``students.id`` is in ``access``" (a :func:`student_access` subquery), built once per kind of principal."""
    return Student.id.in_(select(access.c.student_id))


def in_scope_ids(principal: PrincipalLike, student_ids: Sequence[int]) -> set[int]:
    """Which of ``student_ids`` the principal may see (one query; empty input, no query)."""
    ids = list(set(student_ids))
    if not ids:
        return set()
    access = student_access(principal)
    return set(db.session.execute(select(access.c.student_id).where(access.c.student_id.in_(ids)).distinct(),
                                  access_params(principal)).scalars())


def alert_audiences(principal: PrincipalLike) -> list[str]:
    """The alert audiences of the principal's caseload: everyone's, and the assigned worker's."""
    audiences = [AUDIENCE_CASELOAD]
    if principal.dcfs_employee_id:
        audiences.append(employee_audience(principal.dcfs_employee_id))
    return audiences


def visible_alert_filter(principal: PrincipalLike, caseload_ids: Sequence[int]) -> ColumnElement[bool]:
    """The stored alerts a worker sees: those of students on their caseload list for them (the
    caseload's, or theirs as the assigned worker), and the outcomes of their own manual adds."""
    return or_(and_(Alert.student_id.in_(list(caseload_ids)), Alert.audience.in_(alert_audiences(principal))),
               Alert.audience == user_audience(principal.user_id))


# --- who acts on a school-of-origin travel plan (DCFS 0900-520.20) -------------------------------

def _carried_by(employee_ids: str | Select, student_id: int):
    """An open DCFS assignment of the student to the worker (or one of the workers) ``employee_ids``."""
    match = (DcfsCase.csw_employee_id.in_(employee_ids) if isinstance(employee_ids, Select)
             else DcfsCase.csw_employee_id == employee_ids)
    return exists(select(DcfsCase.id).where(DcfsCase.student_id == student_id, match, open_case_filter()))


def may_carry_travel_plan(principal: PrincipalLike, student_id: int) -> bool:
    """Whether the principal is the student's case-carrying CSW: a CSW whose open DCFS assignment covers them.

    The policy makes "the case-carrying CSW" draft, submit and stop the plan, "the SCSW" approve it.
    A manual add (pending or approved), a supervision or a closed assignment lets one
    see the child, never act for them here. Ask only once the student is in scope (a 404 first).
    """
    if principal.role != ROLE_CSW or not principal.dcfs_employee_id:
        return False
    return bool(db.session.execute(select(_carried_by(principal.dcfs_employee_id, student_id))).scalar())


def may_assess_school_of_origin(principal: PrincipalLike, student_id: int) -> bool:
    """Whether the principal may read the student's school-of-origin assessment (distance, rate, checklist).

    The case-carrying CSW (:func:`may_carry_travel_plan`), and an SCSW actively supervising a
    CSW whose open DCFS assignment covers the student: the two people the policy's plan is for.
    """
    if principal.role == ROLE_SCSW:
        carriers = (team(principal.user_id).with_only_columns(User.dcfs_employee_id)
                    .where(User.dcfs_employee_id.is_not(None)))
        return bool(db.session.execute(select(_carried_by(carriers, student_id))).scalar())
    return may_carry_travel_plan(principal, student_id)


# --- data-quality reports (issue 17) ---------------------------------------------------------------

def shown_by_exact_lookup(principal: PrincipalLike, student_ids: Sequence[int], since: dt.datetime) -> set[int]:
    """Which of ``student_ids`` an audited exact-lookup search showed this principal since ``since``.

    A data-quality report may name a student outside the reporter's scope only if the EPS exact
    lookup found them for this user: the search's record of access (``student.search`` with a
    child row of basis ``exact_lookup``) is the proof, so a key copied from elsewhere, or one
    shown to another user, names nobody. One query; field roles only.
    """
    ids = list(set(student_ids))
    if not ids or not can_view_students(principal):
        return set()
    return set(db.session.execute(
        select(AuditEventStudent.student_id).join(AuditEvent, AuditEvent.id == AuditEventStudent.audit_event_id)
        .where(AuditEvent.user_id == principal.user_id, AuditEvent.action == "student.search",
               AuditEvent.occurred_at >= since, AuditEventStudent.basis == "exact_lookup",
               AuditEventStudent.student_id.in_(ids)).distinct()).scalars())


def steward_queue_filter(principal: PrincipalLike) -> ColumnElement[bool]:
    """The issue reports in an EPS support steward's queue: data-quality kinds; nothing for other roles.

    The one rule for every steward action: a report outside it, like a missing one, is a 404.
    """
    if principal.role != ROLE_EPS_SUPPORT:
        return literal(False)
    return IssueReport.kind.in_(DATA_QUALITY_KINDS)
