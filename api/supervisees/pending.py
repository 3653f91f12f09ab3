"""The review queue of manual adds: an SCSW's supervisees' pending adds, or an admin's share.

An SCSW reviews the adds of the CSWs they actively supervise; an admin the adds of workers with
no active supervisor (``scoping.reviewable_add_filter``). Each card shows no more than a
reviewer needs to judge the add: who added whom, the student's name, date of birth and current
school's name, the reason and the deadline. Every card shown leaves a per-child audit row, and
each decision its own, in the same transaction as the change.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from auth.principal import Principal
from mobile_service import audit, changelog, clock, education, manual_adds, scoping
from mobile_service.alerts import caseload_events
from mobile_service.enrollments import enrollment_rows
from mobile_service.errors import APIError, not_found
from mobile_service.extensions import db
from mobile_service.models import (
    REVIEW_APPROVED,
    REVIEW_DENIED,
    REVIEW_PENDING,
    ROLE_ADMIN,
    CaseloadEntry,
    Student,
    User,
)
from mobile_service.models.sync import KIND_CASELOAD
from mobile_service.pagination import paginate

# caseload_entries.id is a 32-bit INTEGER: a larger id is simply unknown (404, not an overflow 500).
ADD_ID_MAX = 2**31 - 1


def _basis(principal: Principal) -> str:
    return "admin" if principal.role == ROLE_ADMIN else "supervision"


def pending_adds(principal: Principal, *, limit: int, cursor: str | None) -> dict[str, Any]:
    """One page of the adds awaiting the principal's review, soonest to lapse first; audited per card."""
    now, today = clock.utcnow(), clock.today()
    page = paginate(
        select(CaseloadEntry.id, CaseloadEntry.user_id, CaseloadEntry.student_id, CaseloadEntry.added_reason,
               CaseloadEntry.added_at, CaseloadEntry.expires_at, User.display_name, User.email,
               Student.ssid, Student.legal_first_name, Student.legal_last_name, Student.birth_date)
        .join(User, User.id == CaseloadEntry.user_id)
        .join(Student, Student.id == CaseloadEntry.student_id)
        .where(scoping.reviewable_add_filter(principal), scoping.pending_add_filter(now)),
        [CaseloadEntry.expires_at, CaseloadEntry.id], limit=limit, cursor=cursor,
        scope=f"pending-adds:{principal.role}:{principal.user_id}", user_id=principal.user_id,
    )
    enrollments = enrollment_rows([row.student_id for row in page.rows])
    items = []
    for row in page.rows:
        current = education.current_enrollment(enrollments.get(row.student_id, []), today)
        items.append({
            "add_id": row.id,
            "worker": {"user_id": row.user_id, "display_name": row.display_name, "email": row.email},
            "student": {"first_name": row.legal_first_name, "last_name": row.legal_last_name,
                        "birth_date": row.birth_date, "school_name": current.name if current is not None else None},
            "reason": row.added_reason, "added_at": row.added_at, "expires_at": row.expires_at,
            "days_left": manual_adds.days_left(row.expires_at, today),
        })
        audit.record(principal, "caseload.pending_adds.view", student_id=row.student_id, ssid=row.ssid,
                     basis=_basis(principal), details={"add_id": row.id, "worker_id": row.user_id})
    audit.commit()
    return {"items": items, "next_cursor": page.next_cursor}


def review_add(principal: Principal, add_id: int, *, approve: bool, note: str | None) -> dict[str, Any]:
    """Approve or deny one add in the principal's review scope; a denial ends the access at once.

    An add outside the scope (another SCSW's supervisee, a supervised worker's add for an admin,
    no such add) is a 404; one already decided or lapsed is a 409.
    """
    entry = None
    if 0 < add_id <= ADD_ID_MAX:
        entry = db.session.execute(
            select(CaseloadEntry).where(CaseloadEntry.id == add_id, scoping.reviewable_add_filter(principal))
            .with_for_update()
        ).scalar_one_or_none()
    if entry is None:
        raise not_found()
    now = clock.utcnow()
    state = manual_adds.effective_state(entry, now)
    if state != REVIEW_PENDING or entry.removed_at is not None:
        raise APIError(409, "This add is no longer awaiting review "
                            f"({'removed by the worker' if state == REVIEW_PENDING else state}).")
    entry.review_state = REVIEW_APPROVED if approve else REVIEW_DENIED
    entry.reviewed_by, entry.reviewed_at, entry.review_note = principal.user_id, now, note
    if not approve:
        entry.removed_at = now  # access ends with this commit
    caseload_events.refresh_pairs([(entry.user_id, entry.student_id)], now)  # the worker's outcome alert
    changelog.record([(entry.student_id, KIND_CASELOAD, entry.user_id)])
    ssid = db.session.execute(select(Student.ssid).where(Student.id == entry.student_id)).scalar_one()
    audit.record(principal, "caseload.add.approve" if approve else "caseload.add.deny",
                 student_id=entry.student_id, ssid=ssid, basis=_basis(principal),
                 details={"add_id": entry.id, "worker_id": entry.user_id, "note_given": note is not None})
    payload = {"add_id": entry.id, "review_state": entry.review_state, "reviewed_at": now}
    audit.commit()
    return payload
