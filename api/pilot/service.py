"""Coordinator use cases: cohorts, the summary, issue triage and the feedback list.

Coordinators never receive student identifiers: issue reports are shown with
``concerns_student_record`` (yes/no) and never with ``student_id``; nothing joins student tables.
Data-quality reports (duplicate / multiple SSIDs) belong to EPS support's queue: coordinators see
them as counts in the summary only, never in the list, the export or triage (404).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from auth.principal import Principal
from mobile_service import audit, clock
from mobile_service.errors import APIError, not_found
from mobile_service.extensions import db
from mobile_service.models import Feedback, IssueReport, PilotCohort, User
from mobile_service.pagination import paginate
from mobile_service.pilot import kpis
from mobile_service.pilot.domain import DATA_QUALITY_KINDS, can_transition
from mobile_service.pilot.window import resolve_cohort, window_for


def cohorts() -> dict[str, Any]:
    """Every cohort, newest first, with its enrolled (active) participants."""
    counts = dict(db.session.execute(
        select(User.pilot_cohort, func.count()).where(User.pilot_cohort.is_not(None), User.active.is_(True))
        .group_by(User.pilot_cohort)
    ).all())
    items = []
    for cohort in db.session.execute(select(PilotCohort).order_by(PilotCohort.start_date.desc(),
                                                                  PilotCohort.id.desc())).scalars():
        window = window_for(cohort)
        items.append({"name": cohort.name, "start_date": cohort.start_date, "end_date": window.end_date,
                      "length_days": cohort.length_days, "target_participants": cohort.target_participants,
                      "offices": list(cohort.offices or []), "enrolled": counts.get(cohort.name, 0),
                      "status": window.status})
    return {"items": items}


def pilot_summary(principal: Principal, *, cohort: str | None = None) -> dict[str, Any]:
    """All figures of one cohort (default: the most recently started)."""
    return kpis.summary(window_for(resolve_cohort(cohort)))


def reporter(display_name: str, office: str | None, role: str) -> dict[str, Any]:
    """Who sent a report: a registry name and office, for follow-up."""
    return {"display_name": display_name, "office": office, "role": role}


def issue_view(issue: IssueReport, display_name: str, office: str | None, role: str) -> dict[str, Any]:
    """A coordinator's view of an issue: ``student_id`` reduced to yes/no."""
    fields = ("id", "created_at", "kind", "description", "request_id", "screen", "app_version", "platform",
              "status", "status_note", "status_changed_at", "triaged_at")
    view = {name: getattr(issue, name) for name in fields}
    view["concerns_student_record"] = issue.student_id is not None
    view["reporter"] = reporter(display_name, office, role)
    return view


def coordinator_issues() -> ColumnElement[bool]:
    """The issue reports coordinators list and triage: every kind but the stewards' data-quality ones."""
    return IssueReport.kind.not_in(DATA_QUALITY_KINDS)


def _cohort_filter(stmt, cohort: str | None):
    if cohort:
        resolve_cohort(cohort)  # 404 for an unknown cohort rather than an empty list
        stmt = stmt.where(User.pilot_cohort == cohort)
    return stmt


def list_issues(principal: Principal, *, limit: int, cursor: str | None = None, status: str | None = None,
                kind: str | None = None, cohort: str | None = None) -> dict[str, Any]:
    """Issue reports, newest first, filtered by status, kind and reporter's cohort."""
    stmt = (select(IssueReport, User.display_name, User.office, User.role).join(User, User.id == IssueReport.user_id)
            .where(coordinator_issues()))
    if status:
        stmt = stmt.where(IssueReport.status == status)
    if kind:
        stmt = stmt.where(IssueReport.kind == kind)
    if cohort:
        resolve_cohort(cohort)  # 404 for an unknown cohort rather than an empty list
        # Participants' reports, and the issues coordinators opened from the cohort's app errors.
        stmt = stmt.where(or_(User.pilot_cohort == cohort, IssueReport.cohort == cohort))
    page = paginate(stmt, [IssueReport.id], limit=limit, cursor=cursor, descending=True,
                    scope=f"pilot.issues|{status}|{kind}|{cohort}", user_id=principal.user_id)
    return {"items": [issue_view(row[0], row[1], row[2], row[3]) for row in page.rows],
            "next_cursor": page.next_cursor}


def update_issue(principal: Principal, *, issue_id: int, status: str | None = None,
                 note: str | None = None) -> dict[str, Any]:
    """Change an issue's status (allowed transitions only; 409 otherwise) and/or its note."""
    row = db.session.execute(
        select(IssueReport, User.display_name, User.office, User.role)
        .join(User, User.id == IssueReport.user_id).where(IssueReport.id == issue_id, coordinator_issues())
    ).first()
    if row is None:
        raise not_found("No such issue report.")
    issue = row[0]
    if status is not None and status != issue.status:
        if not can_transition(issue.status, status):
            raise APIError(409, f"An issue cannot move from {issue.status} to {status}.")
        issue.status = status
        issue.status_changed_at = clock.utcnow()
        if issue.triaged_at is None:  # the first move out of "new" (the triage-time criterion)
            issue.triaged_at = issue.status_changed_at
    if note is not None:
        issue.status_note = note or None
    audit.commit()
    return issue_view(issue, row[1], row[2], row[3])


def list_feedback(principal: Principal, *, limit: int, cursor: str | None = None, category: str | None = None,
                  cohort: str | None = None) -> dict[str, Any]:
    """Feedback, newest first, filtered by category and sender's cohort."""
    stmt = select(Feedback, User.display_name, User.office, User.role).join(User, User.id == Feedback.user_id)
    if category:
        stmt = stmt.where(Feedback.category == category)
    stmt = _cohort_filter(stmt, cohort)
    page = paginate(stmt, [Feedback.id], limit=limit, cursor=cursor, descending=True,
                    scope=f"pilot.feedback|{category}|{cohort}", user_id=principal.user_id)
    items = []
    for row in page.rows:
        item = {name: getattr(row[0], name) for name in ("id", "created_at", "rating", "category", "comment",
                                                         "screen", "app_version", "platform", "sus_score")}
        item["reporter"] = reporter(row[1], row[2], row[3])
        items.append(item)
    return {"items": items, "next_cursor": page.next_cursor}
