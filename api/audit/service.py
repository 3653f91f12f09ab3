"""The record of access of one student (FERPA 34 CFR 99.32, Ed Code 49064): read and itself audited."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Select, and_, select, union

from mobile_service import audit, clock
from mobile_service.errors import not_found
from mobile_service.extensions import db
from mobile_service.models import AuditEvent, AuditEventStudent, Student, StudentSsid, User
from mobile_service.pagination import paginate
from mobile_service.student_lookup import find_student, find_student_by_ssid


def history_query(student: Student, since: dt.date | None) -> Select:
    """Audit rows about ``student``, joined with the actor and, for a list, the child's own basis.

    A row is about the student if it names them (by id or any of their SSIDs) or if it is a list
    (search results, caseload cards) that showed them (``audit_event_students``). Each branch is
    an indexed lookup; their union of ids drives the page.
    """
    ssids = select(StudentSsid.ssid).where(StudentSsid.student_id == student.id)
    about = union(
        select(AuditEvent.id).where(AuditEvent.student_id == student.id),
        select(AuditEvent.id).where(AuditEvent.ssid.in_(ssids)),
        select(AuditEventStudent.audit_event_id).where(AuditEventStudent.student_id == student.id),
    )
    stmt = (select(AuditEvent, User.display_name, User.email, AuditEventStudent.basis)
            .outerjoin(User, User.id == AuditEvent.user_id)
            .outerjoin(AuditEventStudent, and_(AuditEventStudent.audit_event_id == AuditEvent.id,
                                               AuditEventStudent.student_id == student.id))
            .where(AuditEvent.id.in_(about)))
    if since is not None:
        # ``since`` is a Los Angeles day, like every date rule of the service.
        stmt = stmt.where(AuditEvent.occurred_at >= clock.start_of_day(since))
    return stmt


def event_payload(event: AuditEvent, display_name: str | None, email: str | None,
                  list_basis: str | None = None) -> dict[str, Any]:
    """One access-history item (allow-listed fields); ``list_basis`` is set when a list showed the child."""
    return {"occurred_at": event.occurred_at, "user_id": event.user_id, "user_display_name": display_name,
            "user_email": email, "role": event.role, "action": event.action,
            "action_description": audit.ACTIONS.get(event.action, event.action),
            "basis": list_basis or event.basis, "shown_in_list": list_basis is not None,
            "endpoint": event.endpoint, "request_id": event.request_id,
            "client_request_id": event.client_request_id, "details": event.details}


def access_history(principal, *, ssid: str | None = None, student_key: str | None = None, since: dt.date | None,
                   limit: int, cursor: str | None) -> dict[str, Any]:
    """One page of who accessed this student's record, newest first; writes an ``audit.view`` row."""
    student = find_student(student_key) if student_key is not None else find_student_by_ssid(ssid)
    if student is None:
        raise not_found()
    page = paginate(history_query(student, since), [AuditEvent.occurred_at, AuditEvent.id], limit=limit,
                    cursor=cursor, scope=f"access-history:{student.id}:{since}", user_id=principal.user_id,
                    descending=True)
    items = [event_payload(row[0], row[1], row[2], row[3]) for row in page.rows]
    audit.record(principal, "audit.view", student_id=student.id, ssid=student.ssid, basis="admin",
                 details={"count": len(items)})
    audit.commit()
    return {"ssid": student.ssid, "items": items, "next_cursor": page.next_cursor}


def iter_history(ssid: str, since: dt.date | None, batch: int = 500) -> Iterator[dict[str, Any]] | None:
    """Every access-history item of a student, newest first (CLI); None if no such student."""
    student = find_student_by_ssid(ssid)
    if student is None:
        return None
    stmt = history_query(student, since).order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())

    def generate() -> Iterator[dict[str, Any]]:
        for row in db.session.execute(stmt.execution_options(yield_per=batch)):
            yield event_payload(row[0], row[1], row[2], row[3])

    return generate()
