"""Caseload service: scope, query, audit and one commit per request.

Every function takes the authenticated principal; the route has already checked the role.
"""
from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from auth import decorators as auth_gate
from auth.principal import Principal
from mobile_service import audit, caseload_list, changelog, clock, manual_adds, scoping, usage
from mobile_service.alerts import caseload_events
from mobile_service.caseload_cards import card_page
from mobile_service.database_setup import retry_dead_connection
from mobile_service.errors import APIError, not_found, unavailable
from mobile_service.extensions import db
from mobile_service.freshness import freshness
from mobile_service.models import (
    FIELD_ROLES,
    REVIEW_CONFIRMED,
    REVIEW_DENIED,
    REVIEW_PENDING,
    CaseloadEntry,
    Student,
)
from mobile_service.models.accounts import manual_add_days
from mobile_service.models.sync import KIND_CASELOAD, KIND_REMOVED
from mobile_service.student_lookup import find_student

REASON_REQUIRED = "Required when the student is not assigned to you in the DCFS feed."


@functools.cache
def _session_guard():
    # Built once: the statement that carries it is cached by this very expression.
    return auth_gate.session_guard()


def _own_members(principal: Principal) -> tuple[Principal, dict[int, caseload_list.Membership]]:
    """The caller (checked) and their caseload list; a remembered caller's session is checked in
    the list's own statement (PostgreSQL, as the record tabs do), and reloaded when it fails."""
    if auth_gate.session_checked():
        return principal, caseload_list.caseload_members([(principal.user_id, principal.dcfs_employee_id)])[principal.user_id]
    # Without a lookup first, this is the request's first statement (see retry_dead_connection).
    members, checked = retry_dead_connection(
        lambda: caseload_list.members_checked(principal, _session_guard(), auth_gate.guard_params(principal)))
    if checked:
        return principal, members
    db.session.rollback()
    principal = auth_gate.reauthenticate(FIELD_ROLES)  # 401/403, or the caller changed: read again
    return principal, caseload_list.caseload_members([(principal.user_id, principal.dcfs_employee_id)])[principal.user_id]


def list_caseload(principal: Principal, *, limit: int, cursor: str | None) -> dict[str, Any]:
    """The principal's own caseload cards (one page), audited as one ``caseload.view``."""
    principal, members = _own_members(principal)
    cards, next_cursor, shown = card_page(members, today=clock.today(), limit=limit, cursor=cursor,
                                          scope=f"caseload:{principal.user_id}", user_id=principal.user_id)
    payload = {"items": cards, "total": len(members), "next_cursor": next_cursor, "freshness": freshness()}
    audit.record_list(principal, "caseload.view", basis="caseload",
                      shown=[(i, "dcfs_assignment" if members[i].assigned_in_feed else "caseload") for i in shown],
                      details={"count": len(cards), "total": len(members), "page": bool(cursor)},
                      usage_event=("caseload_view", {"result_count": len(cards), "detail": "own"}))
    audit.commit()
    return payload


def _membership(principal: Principal, student_id: int) -> caseload_list.Membership | None:
    members = caseload_list.caseload_members([(principal.user_id, principal.dcfs_employee_id)], student_ids=[student_id])
    return members[principal.user_id].get(student_id)


def _entry_payload(student: Student, member: caseload_list.Membership) -> dict[str, Any]:
    entry = member.entry
    return {"student_key": student.student_key, "ssid": student.ssid, "on_caseload": True, "assigned_in_dcfs_feed": member.assigned_in_feed,
            "added_at": entry.added_at if entry is not None else None,
            "flagged": bool(entry is not None and entry.flagged),
            "review_state": entry.review_state if entry is not None else None,
            "expires_at": entry.expires_at if entry is not None and entry.review_state == REVIEW_PENDING else None}


def add_to_caseload(principal: Principal, *, student_key: str, reason: str | None) -> tuple[dict[str, Any], bool]:
    """Add a student (by student key) to the principal's caseload; return (entry, created).

    Idempotent: a student already on the list is returned as is. A student not assigned to the
    principal in the DCFS feed needs a reason; the add is flagged and pending: it lasts
    ``MANUAL_ADD_DAYS`` unless the supervising SCSW (an admin if none) approves it or the feed
    confirms it.
    """
    student = find_student(student_key)
    if student is None:
        raise not_found()
    member = _membership(principal, student.id)
    if member is not None:
        return _already_on_caseload(principal, student, member, reason), False
    assigned = caseload_list.feed_assigned(principal, student.id)
    if not assigned and not reason:
        raise APIError(422, "A reason is required to add a student not assigned to you in the DCFS feed.",
                       errors={"json": {"reason": [REASON_REQUIRED]}})
    if not assigned and _last_add_denied(principal, student.id):
        # A denial sticks: re-adding would grant the access the reviewer just ended.
        raise APIError(409, "Your supervisor (or an administrator) denied your add of this student; "
                            "it can be added again once the DCFS feed assigns the student to you.")
    now = clock.utcnow()
    # A lapsed add still open (the daily job has not run) would hold the one-open-entry index.
    manual_adds.close_lapsed(principal.user_id, student.id, now)
    caseload_events.worker_changed(principal.user_id, student.id, now)  # an earlier add's outcome is old news
    entry = CaseloadEntry(user_id=principal.user_id, student_id=student.id, origin="added",
                          added_at=now, added_reason=reason, flagged=not assigned,
                          review_state=REVIEW_CONFIRMED if assigned else REVIEW_PENDING,
                          expires_at=None if assigned else now + dt.timedelta(days=manual_add_days()))
    db.session.add(entry)
    changelog.record([(student.id, KIND_CASELOAD, principal.user_id)])
    # The reason text stays in the caseload entry (it may name people); the audit says only whether one was given.
    audit.record(principal, "caseload.add", student_id=student.id, ssid=student.ssid,
                 basis="dcfs_assignment" if assigned else "exact_lookup",
                 details={"result": "added", "flagged": not assigned, "reason_given": reason is not None})
    usage.record_event("caseload_add", principal, detail="flagged" if not assigned else "assigned")
    try:
        audit.commit()
    except IntegrityError:
        # A concurrent add won the one-open-entry index: answer as the idempotent repeat, and
        # record the attempt like one (the rollback discarded this request's audit row).
        db.session.rollback()
        member = _membership(principal, student.id)
        if member is None:
            # Some other unique rule failed: nothing was written; the client may retry.
            raise unavailable("The caseload could not be changed right now; retry shortly.") from None
        return _already_on_caseload(principal, student, member, reason), False
    return _entry_payload(student, caseload_list.Membership(student.id, assigned, entry)), True


def _already_on_caseload(principal: Principal, student: Student, member: caseload_list.Membership,
                         reason: str | None) -> dict[str, Any]:
    """Audit a repeated add of a student already on the list and answer with the entry as is."""
    audit.record(principal, "caseload.add", student_id=student.id, ssid=student.ssid,
                 basis="dcfs_assignment" if member.assigned_in_feed else "caseload",
                 details={"result": "already_on_caseload", "reason_given": reason is not None})
    audit.commit()
    return _entry_payload(student, member)


def remove_from_caseload(principal: Principal, *, student_key: str, reason: str | None) -> None:
    """Remove a student from the principal's caseload list (idempotent).

    A feed-assigned student gets a feed-removal entry that hides them until the DCFS feed
    brings a newer assignment. A student neither on the list, nor in scope, nor ever on this
    worker's caseload answers 404 like a missing one.
    """
    student = find_student(student_key)
    if student is None:
        raise not_found()
    member = _membership(principal, student.id)
    now = clock.utcnow()
    if member is None:
        if scoping.basis_for(principal, student.id) is None and not _ever_on_caseload(principal, student.id):
            raise not_found()
        audit.record(principal, "caseload.remove", student_id=student.id, ssid=student.ssid,
                     basis=scoping.basis_for(principal, student.id) or "caseload",
                     details={"result": "not_on_caseload", "reason_given": reason is not None})
        audit.commit()
        return
    if member.entry is not None:
        # The membership carries a read-only row of the open add; close the entry itself.
        entry = db.session.get(CaseloadEntry, member.entry.id)
        if entry is not None:
            entry.removed_at = now
            entry.removed_reason = reason
        caseload_events.worker_changed(principal.user_id, student.id, now)
    # A (re-)recorded feed removal hides the feed assignment until a newer one arrives.
    visible_by_feed = member.assigned_in_feed
    if visible_by_feed:
        db.session.add(CaseloadEntry(user_id=principal.user_id, student_id=student.id, origin="feed",
                                     added_at=now, removed_at=now, removed_reason=reason))
    changelog.record([(student.id, KIND_REMOVED, principal.user_id)])
    audit.record(principal, "caseload.remove", student_id=student.id, ssid=student.ssid,
                 basis="dcfs_assignment" if visible_by_feed else "caseload",
                 details={"result": "removed", "feed_assigned": visible_by_feed, "reason_given": reason is not None})
    usage.record_event("caseload_remove", principal)
    audit.commit()


def _last_add_denied(principal: Principal, student_id: int) -> bool:
    last = db.session.execute(
        select(CaseloadEntry.review_state).where(CaseloadEntry.user_id == principal.user_id,
                                                 CaseloadEntry.student_id == student_id,
                                                 CaseloadEntry.origin == "added")
        .order_by(CaseloadEntry.added_at.desc(), CaseloadEntry.id.desc()).limit(1)
    ).scalar_one_or_none()
    return last == REVIEW_DENIED


def _ever_on_caseload(principal: Principal, student_id: int) -> bool:
    found = db.session.execute(
        select(CaseloadEntry.id).where(CaseloadEntry.user_id == principal.user_id,
                                       CaseloadEntry.student_id == student_id).limit(1)
    ).first()
    return found is not None
