"""``dcfs_assignment``: a student newly assigned to a worker in the DCFS feed, for that worker only.

New means an assignment open today that started in the last 30 days (``kinds.RECENT_DAYS``): a
first load of years of cases raises nothing for old assignments, and the daily job clears the
alert once the assignment is no longer new, or at once if the case closes or ends.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, select

from mobile_service import scoping
from mobile_service.alerts import kinds, store
from mobile_service.extensions import db
from mobile_service.models import DcfsCase
from mobile_service.models.alerts import employee_audience


def desired(ids: list[int], today: dt.date) -> dict[store.Key, str]:
    """The new assignments of these students today, keyed per assigned worker."""
    first_new = today - dt.timedelta(days=kinds.RECENT_DAYS)
    stmt = (select(DcfsCase.student_id, DcfsCase.csw_employee_id, func.max(DcfsCase.assignment_start))
            .where(DcfsCase.student_id.in_(ids), scoping.open_case_filter(today),
                   DcfsCase.assignment_start >= first_new)
            .group_by(DcfsCase.student_id, DcfsCase.csw_employee_id))
    return {(sid, kinds.DCFS_ASSIGNMENT, employee_audience(employee)): f"start:{start.isoformat()}"
            for sid, employee, start in db.session.connection().execute(stmt)}


def refresh(student_ids: Sequence[int], today: dt.date, now: dt.datetime) -> tuple[int, int]:
    """Store the new-assignment alerts of these students as of today; returns (raised, cleared)."""
    raised = cleared = 0
    for ids in store.chunks(student_ids):
        r, c = store.reconcile(ids, (kinds.DCFS_ASSIGNMENT,), desired(ids, today), now)
        raised, cleared = raised + r, cleared + c
    return raised, cleared


def candidates(today: dt.date) -> list[int]:
    """Students whose new-assignment alerts may change today: recent assignments or open alerts."""
    first_new = today - dt.timedelta(days=kinds.RECENT_DAYS)
    recent = select(DcfsCase.student_id).where(DcfsCase.assignment_start >= first_new,
                                               DcfsCase.assignment_start <= today)
    return list(db.session.connection().execute(recent.union(store.open_students(kinds.DCFS_ASSIGNMENT))).scalars())
