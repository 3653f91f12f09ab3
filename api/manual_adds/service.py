"""The report of manual adds for admins: who added which add, when, why, its age and state.

Minimum necessary: an add is named by its entry id, never by the student (no name, SSID or
internal student id); the worker and reviewer by user id and e-mail. Each view is audited.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Select, and_, or_, select

from mobile_service import audit, clock, manual_adds
from mobile_service.extensions import db
from mobile_service.models import REVIEW_LAPSED, REVIEW_PENDING, REVIEW_STATES, CaseloadEntry, User
from mobile_service.pagination import paginate

STATES = REVIEW_STATES


def report_query(state: str | None, now: dt.datetime) -> Select:
    """Every manual add, optionally of one effective state (a pending add past expiry is lapsed)."""
    worker, reviewer = db.aliased(User), db.aliased(User)
    stmt = (select(CaseloadEntry, worker.email, reviewer.email)
            .join(worker, worker.id == CaseloadEntry.user_id)
            .outerjoin(reviewer, reviewer.id == CaseloadEntry.reviewed_by)
            .where(CaseloadEntry.origin == "added"))
    expired = or_(CaseloadEntry.expires_at.is_(None), CaseloadEntry.expires_at <= now)
    if state == REVIEW_PENDING:
        stmt = stmt.where(CaseloadEntry.review_state == REVIEW_PENDING, ~expired)
    elif state == REVIEW_LAPSED:
        stmt = stmt.where(or_(CaseloadEntry.review_state == REVIEW_LAPSED,
                              and_(CaseloadEntry.review_state == REVIEW_PENDING, expired)))
    elif state is not None:
        stmt = stmt.where(CaseloadEntry.review_state == state)
    return stmt


def item(entry: CaseloadEntry, worker_email: str, reviewer_email: str | None, now: dt.datetime) -> dict[str, Any]:
    """One report row (allow-listed fields; no student identifier)."""
    return {"add_id": entry.id, "worker_id": entry.user_id, "worker_email": worker_email,
            "state": manual_adds.effective_state(entry, now), "flagged": entry.flagged,
            "reason": entry.added_reason, "added_at": entry.added_at,
            "age_days": (clock.today() - clock.local_date(entry.added_at)).days,
            "expires_at": entry.expires_at, "removed_at": entry.removed_at,
            "reviewed_by": entry.reviewed_by, "reviewer_email": reviewer_email, "reviewed_at": entry.reviewed_at}


def manual_add_report(principal, *, state: str | None, limit: int, cursor: str | None) -> dict[str, Any]:
    """One page of the report, newest add first; writes a ``caseload.manual_adds.report`` row."""
    now = clock.utcnow()
    page = paginate(report_query(state, now), [CaseloadEntry.added_at, CaseloadEntry.id], limit=limit,
                    cursor=cursor, scope=f"manual-adds:{state}", user_id=principal.user_id, descending=True)
    items = [item(row[0], row[1], row[2], now) for row in page.rows]
    audit.record(principal, "caseload.manual_adds.report", basis="admin",
                 details={"count": len(items), "state": state, "page": bool(cursor)})
    audit.commit()
    return {"items": items, "next_cursor": page.next_cursor}


def iter_report(state: str | None, batch: int = 500) -> Iterator[dict[str, Any]]:
    """Every report row, newest add first (CLI)."""
    now = clock.utcnow()
    stmt = report_query(state, now).order_by(CaseloadEntry.added_at.desc(), CaseloadEntry.id.desc())
    for row in db.session.execute(stmt.execution_options(yield_per=batch)):
        yield item(row[0], row[1], row[2], now)
