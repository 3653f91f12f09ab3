"""Manual adds' review life cycle: expiry, lapse and DCFS-feed confirmation (issue 11).

Who may review which add is a scoping rule (:func:`mobile_service.scoping.reviewable_adds`);
whether an add is a basis for access is read at request time (:func:`scoping.open_add_filter`).
This module keeps the stored state in step: the daily job (``flask recompute-status``) marks
pending adds the DCFS feed now confirms, then marks the expired ones lapsed and closes them.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, exists, or_, select, true, update

from mobile_service import audit, changelog, clock, scoping
from mobile_service.extensions import db
from mobile_service.models import (
    REVIEW_CONFIRMED,
    REVIEW_LAPSED,
    REVIEW_PENDING,
    CaseloadEntry,
    DcfsCase,
    User,
)
from mobile_service.models.sync import KIND_CASELOAD

SYSTEM_ROLE = "system"


@dataclass(frozen=True)
class SweepResult:
    """What one daily sweep changed."""

    confirmed: int
    lapsed: int


def effective_state(entry: CaseloadEntry, now: dt.datetime) -> str | None:
    """The review state as access sees it: a pending add past its expiry is lapsed already."""
    if entry.review_state == REVIEW_PENDING and (entry.expires_at is None or entry.expires_at <= now):
        return REVIEW_LAPSED
    return entry.review_state


def days_left(expires_at: dt.datetime | None, today: dt.date) -> int | None:
    """Los Angeles calendar days from today to the expiry day (0 on the last day), or None."""
    if expires_at is None:
        return None
    return max(0, (clock.local_date(expires_at) - today).days)


def close_lapsed(user_id: int, student_id: int, now: dt.datetime) -> None:
    """Mark this worker's open add of this student lapsed if it expired (before a re-add; no commit)."""
    _lapse(and_(CaseloadEntry.user_id == user_id, CaseloadEntry.student_id == student_id), now)


def _feed_assigns_worker():
    # The DCFS feed assigns the entry's student to the entry's worker in a case open today.
    return exists(select(DcfsCase.id).join(User, User.dcfs_employee_id == DcfsCase.csw_employee_id).where(
        User.id == CaseloadEntry.user_id, DcfsCase.student_id == CaseloadEntry.student_id,
        scoping.open_case_filter()))


def _open_pending():
    return and_(CaseloadEntry.origin == "added", CaseloadEntry.removed_at.is_(None),
                CaseloadEntry.review_state == REVIEW_PENDING)


def _expired(now: dt.datetime):
    # No expiry on a pending add is never written (fail safe: it lapses) or one past it.
    return or_(CaseloadEntry.expires_at.is_(None), CaseloadEntry.expires_at <= now)


def _lapse(where, now: dt.datetime) -> list[tuple[int, int, int]]:
    rows = db.session.execute(
        update(CaseloadEntry)
        .where(_open_pending(), where, _expired(now))
        .values(review_state=REVIEW_LAPSED, removed_at=CaseloadEntry.expires_at, reviewed_at=now)
        .returning(CaseloadEntry.id, CaseloadEntry.user_id, CaseloadEntry.student_id)
        .execution_options(synchronize_session=False)).all()
    for add_id, worker_id, student_id in rows:
        audit.record(None, "caseload.add.lapse", student_id=student_id, role=SYSTEM_ROLE,
                     details={"add_id": add_id, "worker_id": worker_id})
    changelog.record((student_id, KIND_CASELOAD, worker_id) for _add_id, worker_id, student_id in rows)
    return [tuple(r) for r in rows]


def sweep(now: dt.datetime | None = None) -> SweepResult:
    """Confirm pending adds the feed now assigns, lapse the expired rest; audited; one commit."""
    now = clock.utcnow() if now is None else now
    try:
        confirmed = db.session.execute(
            update(CaseloadEntry).where(_open_pending(), _feed_assigns_worker())
            .values(review_state=REVIEW_CONFIRMED, reviewed_at=now)
            .returning(CaseloadEntry.id, CaseloadEntry.user_id, CaseloadEntry.student_id)
            .execution_options(synchronize_session=False)).all()
        for add_id, worker_id, student_id in confirmed:
            audit.record(None, "caseload.add.confirm", student_id=student_id, role=SYSTEM_ROLE,
                         basis="dcfs_assignment", details={"add_id": add_id, "worker_id": worker_id})
        changelog.record((student_id, KIND_CASELOAD, worker_id) for _add_id, worker_id, student_id in confirmed)
        lapsed = _lapse(true(), now)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return SweepResult(confirmed=len(confirmed), lapsed=len(lapsed))
