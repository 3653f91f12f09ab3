"""Steward queue use cases: the queue rule (``scoping.steward_queue_filter``), cards, audit, one commit.

A report outside the queue (another kind, or none at all) answers the one 404. The named
students' identification cards are shown only while the report is open, and each view writes
one ``dq_report.view`` row naming every child shown (basis ``data_steward``) before the answer
leaves: fail closed, like every disclosure.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Label, Row, Select, func, select

from auth.principal import Principal
from mobile_service import audit, clock, scoping
from mobile_service.data_quality import identification_cards
from mobile_service.errors import APIError, not_found
from mobile_service.extensions import db
from mobile_service.models import IssueReport, IssueReportStudent, User
from mobile_service.pagination import paginate
from mobile_service.pilot.domain import OPEN_ISSUE_STATUSES

BASIS = "data_steward"
ITEM_FIELDS = ("id", "created_at", "kind", "status", "outcome", "status_changed_at")
REPORT_FIELDS = (*ITEM_FIELDS, "description", "screen", "app_version", "status_note")


def _named_count() -> Label:
    return (select(func.count()).where(IssueReportStudent.issue_id == IssueReport.id)
            .correlate(IssueReport).scalar_subquery().label("students_named"))


def _queue_statement(principal: Principal) -> Select:
    return (select(IssueReport, User.display_name, User.office, User.role, _named_count())
            .join(User, User.id == IssueReport.user_id).where(scoping.steward_queue_filter(principal)))


def _view(row: Row, fields: tuple[str, ...]) -> dict[str, Any]:
    issue = row[0]
    view = {name: getattr(issue, name) for name in fields}
    view["students_named"] = row.students_named
    view["reporter"] = {"display_name": row.display_name, "office": row.office, "role": row.role}
    return view


def queue(principal: Principal, *, status: str, limit: int, cursor: str | None = None) -> dict[str, Any]:
    """The queue's reports, oldest first: open ones by default (no student data, nothing to audit)."""
    stmt = _queue_statement(principal)
    if status == "open":
        stmt = stmt.where(IssueReport.status.in_(OPEN_ISSUE_STATUSES))
    elif status == "resolved":
        stmt = stmt.where(IssueReport.status.not_in(OPEN_ISSUE_STATUSES))
    page = paginate(stmt, [IssueReport.id], limit=limit, cursor=cursor, scope=f"steward.reports|{status}",
                    user_id=principal.user_id)
    return {"items": [_view(row, ITEM_FIELDS) for row in page.rows], "next_cursor": page.next_cursor}


def recently_resolved(principal: Principal, *, limit: int = 20) -> list[dict[str, Any]]:
    """The queue's latest resolved reports, newest first (the browser queue's second table)."""
    rows = db.session.execute(_queue_statement(principal).where(IssueReport.status.not_in(OPEN_ISSUE_STATUSES))
                              .order_by(IssueReport.id.desc()).limit(limit)).all()
    return [_view(row, ITEM_FIELDS) for row in rows]


def _queued(principal: Principal, issue_id: int, *, lock: bool = False) -> Row:
    stmt = _queue_statement(principal).where(IssueReport.id == issue_id)
    row = db.session.execute(stmt.with_for_update(of=IssueReport) if lock else stmt).first()
    if row is None:
        raise not_found("No such report in your queue.")
    return row


def _named_ids(issue_id: int) -> list[int]:
    return list(db.session.execute(select(IssueReportStudent.student_id).where(IssueReportStudent.issue_id == issue_id)
                                   .order_by(IssueReportStudent.position)).scalars())


def report(principal: Principal, issue_id: int) -> dict[str, Any]:
    """One report of the queue; while open, the named students' cards, audited per child first."""
    row = _queued(principal, issue_id)
    issue = row[0]
    view = _view(row, REPORT_FIELDS)
    view["students"] = []
    if issue.status in OPEN_ISSUE_STATUSES:
        ids = _named_ids(issue.id)
        cards = identification_cards(ids)
        view["students"] = [cards[i] for i in ids if i in cards]
        audit.record_list(principal, "dq_report.view", basis=BASIS, shown=[(i, BASIS) for i in ids if i in cards],
                          details={"issue_id": issue.id, "kind": issue.kind, "cards": len(view["students"])})
    audit.commit()
    return view


def resolve(principal: Principal, issue_id: int, *, outcome: str, note: str) -> dict[str, Any]:
    """Resolve an open report with an outcome and a note to the reporter (409 if already resolved)."""
    row = _queued(principal, issue_id, lock=True)
    issue = row[0]
    if issue.status not in OPEN_ISSUE_STATUSES:
        raise APIError(409, "This report is already resolved.")
    issue.status, issue.outcome, issue.status_note = "resolved", outcome, note
    issue.status_changed_at, issue.resolved_by = clock.utcnow(), principal.user_id
    ids = _named_ids(issue.id)
    audit.record_list(principal, "dq_report.resolve", basis=BASIS, shown=[(i, BASIS) for i in ids],
                      details={"issue_id": issue.id, "kind": issue.kind, "outcome": outcome})
    audit.commit()
    view = _view(row, REPORT_FIELDS)
    view["students"] = []
    return view
