"""The record of access: one place that writes audit rows. It never commits.

Callers write the audit row in the session's transaction and commit once, together with the
change or right before the disclosure, so neither is saved without the other. The row is a
plain INSERT in that transaction, not an ORM object: an append-only row needs no identity map
or unit-of-work flush, and this runs on every read.
"""
from __future__ import annotations

import logging
from typing import Any, Protocol

from flask import g, has_request_context, request
from sqlalchemy import insert
from sqlalchemy.exc import SQLAlchemyError

from mobile_service.errors import unavailable
from mobile_service.extensions import db
from mobile_service.models import AuditEvent

log = logging.getLogger("mobile_service.security")

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
    "caseload.pending_adds.view": "viewed a manual add awaiting review (review queue card)",
    "caseload.add.approve": "approved a manual add (access holds past its expiry)",
    "caseload.add.deny": "denied a manual add (access ended)",
    "caseload.add.confirm": "the DCFS feed confirmed a manual add (daily job)",
    "caseload.add.lapse": "a manual add lapsed unreviewed (access ended; daily job or re-add)",
    "caseload.manual_adds.report": "viewed the report of manual adds (no student data)",
    "audit.view": "viewed a student's access history",
    "export": "exported data",
    "student.issue_report": "reported a problem or wrong data concerning a student's record",
    "user.bind": "bound a registered user to an Entra object id at first sign-in",
    "user.change": "changed a registry user",
}

# Legal bases recorded with each disclosure.
BASES = ("caseload", "dcfs_assignment", "supervision", "exact_lookup", "search", "admin")


# Built once: the row goes in as parameters, so each write skips statement construction and
# reuses the compiled form (this runs on every read).
_INSERT = insert(AuditEvent.__table__)


class PrincipalLike(Protocol):
    user_id: int
    role: str


def record(principal: PrincipalLike | None, action: str, *, student_id: int | None = None,
           ssid: str | None = None, basis: str | None = None, details: dict[str, Any] | None = None,
           user_id: int | None = None, role: str | None = None) -> None:
    """Write an audit row for ``action`` in the current transaction (the caller commits)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if basis is not None and basis not in BASES:
        raise ValueError(f"unknown audit basis {basis!r}")
    row = {
        "user_id": principal.user_id if principal else user_id,
        "role": principal.role if principal else role,
        "action": action,
        "student_id": student_id,
        "ssid": ssid,
        "basis": basis,
        "endpoint": (f"{request.method} {request.url_rule.rule if request.url_rule else request.path}"
                     if has_request_context() else "cli"),
        "request_id": g.get("request_id") if has_request_context() else None,
        "details": details,
    }
    try:
        # On the session's connection (same transaction), not session.execute: that would first
        # autoflush the caller's pending changes, whose errors (a lost race on a unique index)
        # belong to the caller's commit handling, not to the audit write.
        db.session.connection().execute(_INSERT, row)
    except SQLAlchemyError as exc:
        # Fail closed: without its audit row, the disclosure or change must not happen either.
        db.session.rollback()
        log.error("audit write failed", extra={"error_class": type(exc).__name__, "event": action})
        raise unavailable("The service cannot record this access right now; retry shortly.") from exc
