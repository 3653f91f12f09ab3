"""Issue report use cases: scope the student (if named), store, audit, record usage, one commit."""
from __future__ import annotations

from sqlalchemy import select

from auth.principal import Principal
from mobile_service import audit, usage
from mobile_service.errors import not_found
from mobile_service.extensions import db
from mobile_service.models import IssueReport, StudentSsid
from mobile_service.pagination import Page, paginate
from mobile_service.scoping import basis_for


def _student_in_scope(principal: Principal, ssid: str) -> int:
    """The id of the student known by ``ssid`` if the caller may see them; 404 otherwise."""
    student_id = db.session.execute(select(StudentSsid.student_id).where(StudentSsid.ssid == ssid)).scalar()
    if student_id is None or basis_for(principal, student_id) is None:
        raise not_found("No student with this SSID on your caseload or assignments.")
    return student_id


def create_issue(principal: Principal, *, kind: str, description: str, request_id: str | None = None,
                 ssid: str | None = None, screen: str | None = None, app_version: str | None = None,
                 platform: str | None = None) -> IssueReport:
    """Save a report; a named student must be within the caller's scope (else 404, like everywhere)."""
    student_id = _student_in_scope(principal, ssid) if ssid else None
    header_version, header_platform = usage.client_info()
    row = IssueReport(
        user_id=principal.user_id, kind=kind, description=description, request_id=request_id,
        student_id=student_id, screen=screen, app_version=app_version or header_version,
        platform=platform or (header_platform if header_platform in ("ios", "android", "web") else None),
        status="new",
    )
    db.session.add(row)
    if student_id is not None:
        # The report links the worker to a child's record: part of the record of access.
        audit.record(principal, "student.issue_report", student_id=student_id, ssid=ssid,
                     basis=basis_for(principal, student_id), details={"kind": kind})
    usage.record_event("issue_report", principal, detail=kind)
    audit.commit()
    return row


def my_issues(principal: Principal, *, limit: int, cursor: str | None) -> dict:
    """The caller's own reports, newest first, with their status."""
    page: Page = paginate(select(IssueReport).where(IssueReport.user_id == principal.user_id),
                          [IssueReport.id], limit=limit, cursor=cursor, scope="issues.mine",
                          user_id=principal.user_id, descending=True)
    return {"items": [row[0] for row in page.rows], "next_cursor": page.next_cursor}
