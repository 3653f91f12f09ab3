"""My manual add's outcome: ``add_approved``, ``add_denied``, ``add_lapsed``, for the worker who added.

Derived from the add's stored review state (``caseload_entries``), so the alert is exactly the
state: the worker's latest add of the student was approved (and still holds), denied, or lapsed
unreviewed, in the last 30 days (``kinds.RECENT_DAYS``). Raised in the transaction of the
decision (``api/supervisees/pending.review_add``); a lapse is the daily job's (``flask
recompute-status`` sweeps the adds, then refreshes these). Cleared when the worker adds the
student again or removes them (``worker_changed``, in that request's transaction), when a newer
outcome replaces it, or after 30 days.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select

from mobile_service.alerts import kinds, store
from mobile_service.extensions import db
from mobile_service.models import REVIEW_APPROVED, REVIEW_DENIED, REVIEW_LAPSED, Alert, CaseloadEntry
from mobile_service.models.alerts import user_audience

OUTCOMES = {REVIEW_APPROVED: kinds.ADD_APPROVED, REVIEW_DENIED: kinds.ADD_DENIED, REVIEW_LAPSED: kinds.ADD_LAPSED}
Pair = tuple[int, int]  # (user_id, student_id)


def desired(pairs: set[Pair], now: dt.datetime) -> dict[store.Key, str]:
    """The outcome alerts that hold now for these (worker, student) pairs."""
    if not pairs:
        return {}
    users, students = {u for u, _ in pairs}, {s for _, s in pairs}
    rows = db.session.execute(
        select(CaseloadEntry.id, CaseloadEntry.user_id, CaseloadEntry.student_id, CaseloadEntry.review_state,
               CaseloadEntry.removed_at, CaseloadEntry.reviewed_at)
        .where(CaseloadEntry.origin == "added", CaseloadEntry.user_id.in_(users),
               CaseloadEntry.student_id.in_(students))
        .order_by(CaseloadEntry.added_at, CaseloadEntry.id)).all()
    latest = {(r.user_id, r.student_id): r for r in rows if (r.user_id, r.student_id) in pairs}  # last wins
    first_recent = now - dt.timedelta(days=kinds.RECENT_DAYS)
    wanted: dict[store.Key, str] = {}
    for (uid, sid), row in latest.items():
        kind = OUTCOMES.get(row.review_state)
        if kind is None or row.reviewed_at is None or row.reviewed_at < first_recent:
            continue
        if kind == kinds.ADD_APPROVED and row.removed_at is not None:
            continue  # the approved add ended: no longer true
        wanted[(sid, kind, user_audience(uid))] = f"add:{row.id}"
    return wanted


def refresh_pairs(pairs: Iterable[Pair], now: dt.datetime) -> tuple[int, int]:
    """Store the outcome alerts of these (worker, student) pairs as their adds stand; (raised, cleared)."""
    scope = set(pairs)
    audiences = {(user_audience(uid), sid) for uid, sid in scope}
    return store.reconcile(sorted({sid for _, sid in scope}), kinds.ADD_DECISIONS, desired(scope, now), now,
                           keep=lambda row: (row.audience, row.student_id) not in audiences)


def worker_changed(user_id: int, student_id: int, now: dt.datetime) -> int:
    """The worker added or removed the student: earlier outcomes of their add are no longer news.

    A plain UPDATE on the connection: it never flushes the request's pending caseload entry.
    """
    return store.clear_matching(now, Alert.student_id == student_id, Alert.kind.in_(kinds.ADD_DECISIONS),
                                Alert.audience == user_audience(user_id))


def candidates(now: dt.datetime) -> set[Pair]:
    """Pairs whose outcome alerts may change today: adds reviewed in the window, and open alerts."""
    first_recent = now - dt.timedelta(days=kinds.RECENT_DAYS + 1)
    reviewed = db.session.execute(select(CaseloadEntry.user_id, CaseloadEntry.student_id).where(
        CaseloadEntry.origin == "added", CaseloadEntry.reviewed_at >= first_recent)).all()
    found = {(r.user_id, r.student_id) for r in reviewed}
    for audience, sid in db.session.execute(select(Alert.audience, Alert.student_id).where(
            Alert.kind.in_(kinds.ADD_DECISIONS), Alert.cleared_at.is_(None))).all():
        found.add((int(audience.removeprefix("u:")), sid))
    return found
