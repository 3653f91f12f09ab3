"""Issue report use cases: scope the student(s) (if named), store, audit, record usage, one commit."""
from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import select

from auth.principal import Principal
from mobile_service import audit, clock, scoping, usage
from mobile_service.errors import not_found
from mobile_service.extensions import db
from mobile_service.models import IssueReport, IssueReportStudent, OutboxMessage, Student, StudentSsid
from mobile_service.notify.outbox import TOPIC_DQ_REPORT
from mobile_service.pagination import Page, paginate
from mobile_service.pilot.domain import DATA_QUALITY_KINDS
from mobile_service.scoping import basis_for

NAMED_NOT_FOUND = "No student with this key on your caseload or assignments, or shown to you by an exact lookup."


def _student_in_scope(principal: Principal, ssid: str) -> int:
    """The id of the student known by ``ssid`` if the caller may see them; 404 otherwise."""
    student_id = db.session.execute(select(StudentSsid.student_id).where(StudentSsid.ssid == ssid)).scalar()
    if student_id is None or basis_for(principal, student_id) is None:
        raise not_found("No student with this SSID on your caseload or assignments.")
    return student_id


def named_students(principal: Principal, student_keys: list[str]) -> list[tuple[int, str]]:
    """``(student_id, basis)`` of each key, in order; 404 unless every one is in scope or exact-looked-up.

    A student outside the caller's scope counts only if an audited exact-lookup search showed them
    to this caller within ``DQ_LOOKUP_HOURS`` (``scoping.shown_by_exact_lookup``): the key alone,
    however it was obtained, names nobody. Missing, out of scope and never looked up answer alike.
    """
    ids = dict(db.session.execute(select(Student.student_key, Student.id)
                                  .where(Student.student_key.in_(student_keys))).all())
    if len(ids) != len(set(student_keys)):
        raise not_found(NAMED_NOT_FOUND)
    ordered = [ids[key] for key in student_keys]
    in_scope = scoping.in_scope_ids(principal, ordered)
    since = clock.utcnow() - dt.timedelta(hours=current_app.config["DQ_LOOKUP_HOURS"])
    looked_up = scoping.shown_by_exact_lookup(principal, [i for i in ordered if i not in in_scope], since)
    if any(i not in in_scope and i not in looked_up for i in ordered):
        raise not_found(NAMED_NOT_FOUND)
    return [(i, basis_for(principal, i) if i in in_scope else "exact_lookup") for i in ordered]


def create_issue(principal: Principal, *, kind: str, description: str, request_id: str | None = None,
                 ssid: str | None = None, student_keys: list[str] | None = None, screen: str | None = None,
                 app_version: str | None = None, platform: str | None = None) -> IssueReport:
    """Save a report; named students must be within the caller's reach (else 404, like everywhere).

    A data-quality report also queues the stewards' notice in the same transaction (the outbox):
    the report never waits on SMTP, and the notice is never lost.
    """
    student_id = _student_in_scope(principal, ssid) if ssid else None
    named = named_students(principal, student_keys) if kind in DATA_QUALITY_KINDS and student_keys else []
    header_version, header_platform = usage.client_info()
    row = IssueReport(
        user_id=principal.user_id, kind=kind, description=description, request_id=request_id,
        student_id=student_id, screen=screen, app_version=app_version or header_version,
        platform=platform or (header_platform if header_platform in ("ios", "android", "web") else None),
        status="new", created_at=clock.utcnow(),
    )
    db.session.add(row)
    if student_id is not None:
        # The report links the worker to a child's record: part of the record of access.
        audit.record(principal, "student.issue_report", student_id=student_id, ssid=ssid,
                     basis=basis_for(principal, student_id), details={"kind": kind})
    if named:
        db.session.flush()  # the report's id, for its students and its notice
        db.session.add_all(IssueReportStudent(issue_id=row.id, student_id=sid, position=n, basis=basis)
                           for n, (sid, basis) in enumerate(named))
        db.session.add(OutboxMessage(topic=TOPIC_DQ_REPORT, issue_id=row.id, created_at=row.created_at,
                                     next_attempt_at=row.created_at))
        audit.record_list(principal, "student.dq_report", shown=named,
                          details={"kind": kind, "issue_id": row.id, "students": len(named)})
    usage.record_event("issue_report", principal, detail=kind)
    audit.commit()
    return row


def my_issues(principal: Principal, *, limit: int, cursor: str | None) -> dict:
    """The caller's own reports, newest first, with their status (and a steward's outcome and note)."""
    page: Page = paginate(select(IssueReport).where(IssueReport.user_id == principal.user_id),
                          [IssueReport.id], limit=limit, cursor=cursor, scope="issues.mine",
                          user_id=principal.user_id, descending=True)
    return {"items": [row[0] for row in page.rows], "next_cursor": page.next_cursor}
