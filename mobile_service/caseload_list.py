"""The mobile caseload list (who is *on* a worker's caseload), as opposed to access (``scoping``).

A worker's list: feed-assigned students (open DCFS case), plus open manual adds, minus
feed-assigned students the worker removed, until the feed brings an assignment that starts
after the removal. Being listed is not a basis for access by itself; ``scoping`` decides that.
"""
from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import (
    CompoundSelect,
    Date,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    cast,
    func,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.sql.elements import ColumnElement

from mobile_service import clock, scoping
from mobile_service.extensions import db
from mobile_service.models import CaseloadEntry, DcfsCase
from mobile_service.scoping import EMPLOYEE_PARAM, NOW_PARAM, TODAY_PARAM, USER_PARAM, PrincipalLike


class ListedAdd(NamedTuple):
    """The open manual add that puts a student on a worker's list, as read (not an ORM object)."""

    id: int
    added_at: dt.datetime
    added_reason: str | None
    flagged: bool
    review_state: str | None
    expires_at: dt.datetime | None


@dataclass
class Membership:
    """Why a student is on a worker's caseload list: the DCFS feed, an open add, or both."""

    student_id: int
    assigned_in_feed: bool = False
    # The open "added" entry that holds now, if any: a read-only row from :func:`caseload_members`
    # (load the ORM entry by its id to change it), or the entry an add has just created.
    entry: ListedAdd | CaseloadEntry | None = None


@dataclass
class _Facts:
    assignment_start: dt.date | None = None  # newest open assignment to the worker
    feed_removed_at: dt.datetime | None = None  # newest removal of a feed-assigned student
    entry: ListedAdd | None = None


@functools.cache
def _members_statement(with_feed: bool, some_students: bool, guard: ColumnElement[bool] | None = None
                       ) -> CompoundSelect | Select:
    # Built once per variant; the lists travel as expanding parameters. ONE round trip: the
    # workers' open adds and feed removals, UNION ALL their open DCFS assignments (newest start
    # per student). The entries' branch comes first, every column typed (CAST for its NULLs): it
    # decides how SQLAlchemy reads the results (UTC timestamps, dates on SQLite) and how
    # PostgreSQL types the union; the other branches' NULLs take those types.
    entries = (select(CaseloadEntry.user_id, cast(null(), String).label("employee_id"), CaseloadEntry.student_id,
                      cast(null(), Date).label("assignment_start"), CaseloadEntry.origin,
                      CaseloadEntry.removed_at, CaseloadEntry.id, CaseloadEntry.added_at, CaseloadEntry.added_reason,
                      CaseloadEntry.flagged, CaseloadEntry.review_state, CaseloadEntry.expires_at)
               .where(CaseloadEntry.user_id.in_(bindparam("user_ids", expanding=True)),
                      or_(scoping.open_add_filter(NOW_PARAM),
                          and_(CaseloadEntry.origin == "feed", CaseloadEntry.removed_at.is_not(None)))))
    if some_students:
        entries = entries.where(CaseloadEntry.student_id.in_(bindparam("student_ids", expanding=True)))
    branches: list[Select] = [entries]
    if with_feed:
        branches.append(_feed_branch(some_students))
    if guard is not None:
        # One row, marked by its origin, when the caller's session check holds (see members_checked).
        branches.append(select(null(), null(), null(), null(), literal_column(f"'{_SESSION_OK}'"), *[null()] * 7)
                        .where(guard))
    return union_all(*branches) if len(branches) > 1 else entries


def _feed_branch(some_students: bool) -> Select:
    feed = (select(null(), DcfsCase.csw_employee_id, DcfsCase.student_id, func.max(DcfsCase.assignment_start),
                   *[null()] * 8)
            .where(DcfsCase.csw_employee_id.in_(bindparam("employee_ids", expanding=True)),
                   scoping.open_case_filter(TODAY_PARAM))
            .group_by(DcfsCase.csw_employee_id, DcfsCase.student_id))
    if some_students:
        feed = feed.where(DcfsCase.student_id.in_(bindparam("student_ids", expanding=True)))
    return feed


_SESSION_OK = "session"


def caseload_members(workers: Sequence[tuple[int, str | None]],
                     student_ids: Sequence[int] | None = None) -> dict[int, dict[int, Membership]]:
    """The caseload list of each ``(user_id, dcfs_employee_id)``, keyed by user then student id.

    Feed-assigned students (open case) appear by themselves, plus open adds, minus feed-assigned
    students the worker removed, until the feed brings an assignment starting after the removal.
    One statement whatever the number of workers and students (no N+1). A removal hides a student
    from the list only: the DCFS assignment stays a basis for access (see :func:`scoping.student_access`).
    """
    return _members(workers, student_ids)[0]


def members_checked(principal: PrincipalLike, guard: ColumnElement[bool], params: dict[str, Any]
                    ) -> tuple[dict[int, Membership], bool]:
    """The principal's own list (:func:`caseload_members`) and whether ``guard`` held, in ONE statement.

    ``guard`` is a boolean condition built once (the caller's session check), run with ``params``
    and :func:`scoping.access_params`; when it does not hold, the list read must not be used.
    """
    members, checked = _members([(principal.user_id, principal.dcfs_employee_id)], None, guard,
                                {**scoping.access_params(principal), **params})
    return members[principal.user_id], checked


def _members(workers: Sequence[tuple[int, str | None]], student_ids: Sequence[int] | None,
             guard: ColumnElement[bool] | None = None, extra: dict[str, Any] | None = None
             ) -> tuple[dict[int, dict[int, Membership]], bool]:
    users_by_employee = {emp: uid for uid, emp in workers if emp}
    facts: dict[int, dict[int, _Facts]] = {uid: {} for uid, _ in workers}
    now = clock.utcnow()
    params: dict[str, Any] = {**(extra or {}), "employee_ids": list(users_by_employee), "user_ids": list(facts),
                              "access_today": clock.today(), "access_now": now}
    if student_ids is not None:
        params["student_ids"] = list(student_ids)
    stmt = _members_statement(bool(users_by_employee), student_ids is not None, guard)
    checked = False
    for row in db.session.execute(stmt, params):
        if row.user_id is None:
            if row.origin == _SESSION_OK:
                checked = True
                continue
            # The feed's branch: an open assignment to the worker.
            fact = facts[users_by_employee[row.employee_id]].setdefault(row.student_id, _Facts())
            fact.assignment_start = row.assignment_start
            continue
        fact = facts[row.user_id].setdefault(row.student_id, _Facts())
        if row.origin == "added":
            fact.entry = ListedAdd(row.id, row.added_at, row.added_reason, row.flagged, row.review_state,
                                   row.expires_at)
        elif fact.feed_removed_at is None or row.removed_at > fact.feed_removed_at:
            fact.feed_removed_at = row.removed_at
    result: dict[int, dict[int, Membership]] = {}
    for uid, by_student in facts.items():
        members = result.setdefault(uid, {})
        for student_id, fact in by_student.items():
            if _listed(fact.assignment_start, fact.feed_removed_at, open_add=fact.entry is not None):
                members[student_id] = Membership(student_id, assigned_in_feed=fact.assignment_start is not None,
                                                 entry=fact.entry)
    return result, checked


def _listed(assignment_start: dt.date | None, feed_removed_at: dt.datetime | None, *, open_add: bool) -> bool:
    # The list rule for one worker and student: an open add, or an open assignment that did not
    # start before the worker's last removal of it.
    # The removal's day is a Los Angeles day, like the assignment dates of the feed.
    in_feed = assignment_start is not None and (feed_removed_at is None
                                                or assignment_start > clock.local_date(feed_removed_at))
    return in_feed or open_add


_STUDENT = bindparam("student_id", type_=Integer)


def membership_columns(student_id) -> list:
    """:func:`caseload_members`' statement narrowed to the principal and ``student_id`` (a column or
    parameter), as three labelled scalar subqueries: ``assignment_start``, ``feed_removed_at``,
    ``open_add``. Run with :func:`scoping.access_params`; decide with :func:`listed`."""
    assigned = (select(func.max(DcfsCase.assignment_start))
                .where(DcfsCase.student_id == student_id, DcfsCase.csw_employee_id == EMPLOYEE_PARAM,
                       scoping.open_case_filter(TODAY_PARAM))
                .scalar_subquery())
    removed = (select(func.max(CaseloadEntry.removed_at))
               .where(CaseloadEntry.user_id == USER_PARAM, CaseloadEntry.student_id == student_id,
                      CaseloadEntry.origin == "feed", CaseloadEntry.removed_at.is_not(None))
               .scalar_subquery())
    added = (select(CaseloadEntry.id)
             .where(CaseloadEntry.user_id == USER_PARAM, CaseloadEntry.student_id == student_id,
                    scoping.open_add_filter(NOW_PARAM))
             .exists())
    return [assigned.label("assignment_start"), removed.label("feed_removed_at"), added.label("open_add")]


def listed(row) -> bool:
    """The list rule applied to a row of :func:`membership_columns`."""
    return _listed(row.assignment_start, row.feed_removed_at, open_add=bool(row.open_add))


@functools.cache
def _membership_statement() -> Select:
    # caseload_members' statement, narrowed to one worker and one student, as ONE round trip.
    return select(*membership_columns(_STUDENT))


def on_caseload(principal: PrincipalLike, student_id: int) -> bool:
    """Whether one student is on the principal's own caseload list (the rule of :func:`caseload_members`)."""
    row = db.session.execute(_membership_statement(), {**scoping.access_params(principal), "student_id": student_id}).one()
    return listed(row)


def feed_assigned(principal: PrincipalLike, student_id: int) -> bool:
    """Whether the DCFS feed assigns this student to the principal in an open case today."""
    if not principal.dcfs_employee_id:
        return False
    found = db.session.execute(
        select(DcfsCase.id).where(DcfsCase.student_id == student_id,
                                  DcfsCase.csw_employee_id == principal.dcfs_employee_id,
                                  scoping.open_case_filter()).limit(1)
    ).first()
    return found is not None


def on_my_caseload(principal: PrincipalLike, student_ids: Iterable[int]) -> set[int]:
    """Which of ``student_ids`` are on the caller's own caseload list (:func:`caseload_members`)."""
    ids = list(set(student_ids))
    if not ids:
        return set()
    members = caseload_members([(principal.user_id, principal.dcfs_employee_id)], ids)
    return set(members.get(principal.user_id, {}))
