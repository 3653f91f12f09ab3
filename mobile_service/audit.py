"""The record of access: one place that writes audit rows. It never commits.

Callers add the audit row to the session and commit once, together with the change or
right before the disclosure, so neither is saved without the other.
"""
from __future__ import annotations

from typing import Any, Protocol

from flask import g, has_request_context, request

from mobile_service.extensions import db
from mobile_service.models import AuditEvent

# Every audited action, in one list (the access history report explains them).
ACTIONS = {
    "student.search": "searched for students (criteria kinds only)",
    "student.view": "viewed demographics",
    "student.enrollments.view": "viewed enrollment history",
    "student.attendance.view": "viewed attendance",
    "student.progress_reports.view": "viewed progress reports",
    "caseload.view": "viewed a caseload",
    "caseload.add": "added a student to a caseload",
    "caseload.remove": "removed a student from a caseload",
    "audit.view": "viewed a student's access history",
    "export": "exported data",
    "student.issue_report": "reported a problem or wrong data concerning a student's record",
    "user.bind": "bound a registered user to an Entra object id at first sign-in",
    "user.change": "changed a registry user",
}

# Legal bases recorded with each disclosure.
BASES = ("caseload", "dcfs_assignment", "supervision", "exact_lookup", "search", "admin")


class PrincipalLike(Protocol):
    user_id: int
    role: str


def record(principal: PrincipalLike | None, action: str, *, student_id: int | None = None,
           ssid: str | None = None, basis: str | None = None, details: dict[str, Any] | None = None,
           user_id: int | None = None, role: str | None = None) -> AuditEvent:
    """Add an audit row for ``action`` to the session (the caller commits)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if basis is not None and basis not in BASES:
        raise ValueError(f"unknown audit basis {basis!r}")
    event = AuditEvent(
        user_id=principal.user_id if principal else user_id,
        role=principal.role if principal else role,
        action=action,
        student_id=student_id,
        ssid=ssid,
        basis=basis,
        endpoint=(f"{request.method} {request.url_rule.rule if request.url_rule else request.path}"
                  if has_request_context() else "cli"),
        request_id=g.get("request_id") if has_request_context() else None,
        details=details,
    )
    db.session.add(event)
    return event
