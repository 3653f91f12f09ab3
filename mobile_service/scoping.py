"""Who may see which students: the one place that decides. Default deny.

A CSW sees students on their own mobile caseload or assigned to them in the DCFS feed; an SCSW
additionally sees (read-only) those of the CSWs they actively supervise. Coordinators and admins
see no student through the mobile API. Every student query starts from :func:`student_access`
and ANDs it outside any user filter, so an out-of-scope student is indistinguishable from a
missing one (404).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Select, and_, func, literal, or_, select, union_all
from sqlalchemy.sql import Subquery

from mobile_service import clock
from mobile_service.extensions import db
from mobile_service.models import FIELD_ROLES, ROLE_SCSW, CaseloadEntry, DcfsCase, Supervision, User

# Strongest first: when several bases apply, the audit records the first.
BASIS_ORDER = ("caseload", "dcfs_assignment", "supervision")


class PrincipalLike(Protocol):
    user_id: int
    role: str
    dcfs_employee_id: str | None


def can_view_students(principal: PrincipalLike) -> bool:
    """Only field roles (CSW, SCSW) ever receive student data from the mobile API."""
    return principal.role in FIELD_ROLES


def open_case_filter():
    """An assignment that is open today in the DCFS feed."""
    today = clock.today()
    return and_(
        DcfsCase.case_status == "open",
        DcfsCase.assignment_start <= today,
        or_(DcfsCase.assignment_end.is_(None), DcfsCase.assignment_end >= today),
    )


def active_supervision_filter():
    """A supervision link in force today."""
    today = clock.today()
    return and_(
        Supervision.start_date <= today,
        or_(Supervision.end_date.is_(None), Supervision.end_date >= today),
    )


def supervisees(principal: PrincipalLike) -> Select:
    """Select the users an SCSW actively supervises (nothing for other roles)."""
    if principal.role != ROLE_SCSW:
        return select(User).where(literal(False))
    return (
        select(User)
        .join(Supervision, Supervision.worker_id == User.id)
        .where(Supervision.supervisor_id == principal.user_id, active_supervision_filter())
    )


def _added_by(user_ids) -> Select:
    return select(CaseloadEntry.student_id).where(
        CaseloadEntry.user_id.in_(user_ids),
        CaseloadEntry.origin == "added",
        CaseloadEntry.removed_at.is_(None),
    )


def _assigned_to(employee_ids) -> Select:
    return select(DcfsCase.student_id).where(DcfsCase.csw_employee_id.in_(employee_ids), open_case_filter())


def student_access(principal: PrincipalLike) -> Subquery:
    """A subquery of ``(student_id, basis)`` rows the principal may see; empty unless a field role."""
    if not can_view_students(principal):
        return select(literal(0).label("student_id"), literal("none").label("basis")).where(literal(False)).subquery()
    parts = [
        _added_by([principal.user_id]).add_columns(literal("caseload").label("basis")),
    ]
    if principal.dcfs_employee_id:
        parts.append(_assigned_to([principal.dcfs_employee_id]).add_columns(literal("dcfs_assignment").label("basis")))
    if principal.role == ROLE_SCSW:
        team = supervisees(principal).subquery()
        parts.append(_added_by(select(team.c.id)).add_columns(literal("supervision").label("basis")))
        parts.append(
            _assigned_to(select(team.c.dcfs_employee_id).where(team.c.dcfs_employee_id.is_not(None)))
            .add_columns(literal("supervision").label("basis"))
        )
    return union_all(*parts).subquery("student_access")


def visible_student_ids(principal: PrincipalLike) -> Select:
    """Select the distinct ids of every student the principal may see."""
    access = student_access(principal)
    return select(access.c.student_id).distinct()


def basis_for(principal: PrincipalLike, student_id: int) -> str | None:
    """The legal basis on which the principal may see one student, or None (then: 404)."""
    access = student_access(principal)
    bases = set(db.session.execute(select(access.c.basis).where(access.c.student_id == student_id)).scalars())
    return next((basis for basis in BASIS_ORDER if basis in bases), None)


# --- the mobile caseload (the list), as opposed to access (the basis) ----------------------------

@dataclass
class Membership:
    """Why a student is on a worker's caseload list: the DCFS feed, an open add, or both."""

    student_id: int
    assigned_in_feed: bool = False
    entry: CaseloadEntry | None = None  # the open "added" entry, if any


@dataclass
class _Facts:
    assignment_start: dt.date | None = None  # newest open assignment to the worker
    feed_removed_at: dt.datetime | None = None  # newest removal of a feed-assigned student
    entry: CaseloadEntry | None = None


def caseload_members(workers: Sequence[tuple[int, str | None]],
                     student_ids: Sequence[int] | None = None) -> dict[int, dict[int, Membership]]:
    """The caseload list of each ``(user_id, dcfs_employee_id)``, keyed by user then student id.

    Feed-assigned students (open case) appear by themselves, plus open adds, minus feed-assigned
    students the worker removed, until the feed brings an assignment starting after the removal.
    Two queries whatever the number of workers and students (no N+1). A removal hides a student
    from the list only: the DCFS assignment stays a basis for access (see :func:`student_access`).
    """
    users_by_employee = {emp: uid for uid, emp in workers if emp}
    facts: dict[int, dict[int, _Facts]] = {uid: {} for uid, _ in workers}
    if users_by_employee:
        stmt = (select(DcfsCase.csw_employee_id, DcfsCase.student_id, func.max(DcfsCase.assignment_start))
                .where(DcfsCase.csw_employee_id.in_(list(users_by_employee)), open_case_filter())
                .group_by(DcfsCase.csw_employee_id, DcfsCase.student_id))
        if student_ids is not None:
            stmt = stmt.where(DcfsCase.student_id.in_(list(student_ids)))
        for employee_id, student_id, start in db.session.execute(stmt):
            facts[users_by_employee[employee_id]].setdefault(student_id, _Facts()).assignment_start = start
    entries = (select(CaseloadEntry)
               .where(CaseloadEntry.user_id.in_([uid for uid, _ in workers]),
                      or_(and_(CaseloadEntry.origin == "added", CaseloadEntry.removed_at.is_(None)),
                          and_(CaseloadEntry.origin == "feed", CaseloadEntry.removed_at.is_not(None)))))
    if student_ids is not None:
        entries = entries.where(CaseloadEntry.student_id.in_(list(student_ids)))
    for entry in db.session.execute(entries).scalars():
        fact = facts[entry.user_id].setdefault(entry.student_id, _Facts())
        if entry.origin == "added":
            fact.entry = entry
        elif fact.feed_removed_at is None or entry.removed_at > fact.feed_removed_at:
            fact.feed_removed_at = entry.removed_at
    result: dict[int, dict[int, Membership]] = {}
    for uid, by_student in facts.items():
        members = result.setdefault(uid, {})
        for student_id, fact in by_student.items():
            in_feed = fact.assignment_start is not None and (
                fact.feed_removed_at is None or fact.assignment_start > fact.feed_removed_at.date())
            if in_feed or fact.entry is not None:
                members[student_id] = Membership(student_id, assigned_in_feed=fact.assignment_start is not None,
                                                 entry=fact.entry)
    return result


def feed_assigned(principal: PrincipalLike, student_id: int) -> bool:
    """Whether the DCFS feed assigns this student to the principal in an open case today."""
    if not principal.dcfs_employee_id:
        return False
    found = db.session.execute(
        select(DcfsCase.id).where(DcfsCase.student_id == student_id,
                                  DcfsCase.csw_employee_id == principal.dcfs_employee_id,
                                  open_case_filter()).limit(1)
    ).first()
    return found is not None
