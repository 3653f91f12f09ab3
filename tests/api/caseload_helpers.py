"""Helpers shared by the caseload, supervisee and access-history tests (fixtures: ``conftest.py``)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import event, select

from mobile_service.extensions import db
from mobile_service.models import (
    AttendanceSummary,
    AuditEvent,
    CaseloadEntry,
    Enrollment,
    ProgressMark,
    ProgressReport,
    Student,
    UsageEvent,
)

# The ``fixed_today`` fixture's date (tests/conftest.py): only clock.today is fixed.
TODAY = dt.date(2026, 10, 15)
UNKNOWN_SSID = "9999999999"
UNKNOWN_KEY = "AAAAAAAAAAAAAAAAAAAAAA"  # well formed, no such student


def bearer(token: str) -> dict[str, str]:
    """Authorization header."""
    return {"Authorization": f"Bearer {token}"}


def without_request_id(body: dict) -> dict:
    """A problem document minus its per-request id (for comparing 404 bodies)."""
    return {k: v for k, v in body.items() if k != "request_id"}


def full_record(student, school, *, chronic: bool = False, failing: bool = False) -> None:
    """Enrollment, attendance this year and a progress report with marks for one student."""
    db.session.add(Enrollment(student_id=student.id, school_id=school.id, academic_year="2026-27",
                              enrollment_status="10", grade_level="07", start_date=dt.date(2026, 8, 13)))
    absent = 6 if chronic else 1
    db.session.add(AttendanceSummary(student_id=student.id, school_id=school.id, academic_year="2026-27",
                                     as_of_date=dt.date(2026, 10, 9), days_expected=40, days_attended=40 - absent,
                                     days_absent_excused=absent))
    report = ProgressReport(student_id=student.id, school_id=school.id, academic_year="2026-27", term="Q1",
                            report_date=dt.date(2026, 10, 2))
    db.session.add(report)
    db.session.flush()
    for code, mark in (("ENG7", "F" if failing else "B+"), ("MATH7", "A-"), ("PE7", "P")):
        db.session.add(ProgressMark(progress_report_id=report.id, course_code=code, course_title=code, mark=mark,
                                    credits_attempted=Decimal(5), credits_earned=Decimal(5)))
    db.session.flush()


def audit_rows(app, action: str | None = None) -> list[AuditEvent]:
    """Audit rows so far (optionally one action), oldest first."""
    with app.app_context():
        stmt = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            stmt = stmt.where(AuditEvent.action == action)
        rows = list(db.session.execute(stmt).scalars())
        db.session.expunge_all()
        return rows


def usage_rows(app, name: str) -> list[UsageEvent]:
    """Usage events of one kind so far."""
    with app.app_context():
        rows = list(db.session.execute(select(UsageEvent).where(UsageEvent.event == name)).scalars())
        db.session.expunge_all()
        return rows


def entries(app, user_id: int, student_id: int | None = None) -> list[CaseloadEntry]:
    """Caseload entries of a user (optionally one student), oldest first."""
    with app.app_context():
        stmt = select(CaseloadEntry).where(CaseloadEntry.user_id == user_id).order_by(CaseloadEntry.id)
        if student_id is not None:
            stmt = stmt.where(CaseloadEntry.student_id == student_id)
        rows = list(db.session.execute(stmt).scalars())
        db.session.expunge_all()
        return rows


class StatementCounter:
    """Counts SQL statements sent to the engine while active (``before_cursor_execute``)."""

    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def _count(self, *_args, **_kwargs):
        self.count += 1

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._count)


# --- the one place tests add a student and read a record (a lookup change is made here only) -----

CASELOAD_URL = "/api/v1/caseload"


def student_key_of(client, ssid: str) -> str:
    """The opaque ``student_key`` of the student known by ``ssid`` (:data:`UNKNOWN_KEY` if there is none)."""
    with client.application.app_context():
        key = db.session.execute(select(Student.student_key).where(Student.ssid == ssid)).scalar()
        db.session.remove()
    return UNKNOWN_KEY if key is None else key


def add_student(client, headers: dict[str, str], ssid: str, reason: str | None = "covering for a colleague"):
    """``POST /api/v1/caseload`` adding the student known by ``ssid`` (with a reason unless None)."""
    key = student_key_of(client, ssid)
    body = {"student_key": key} if reason is None else {"student_key": key, "reason": reason}
    return client.post(CASELOAD_URL, json=body, headers=headers)


def student_url(client, ssid: str, route: str = "") -> str:
    """The record path of the student known by ``ssid`` (``route``: "", "/enrollments", ...)."""
    return f"/api/v1/students/{student_key_of(client, ssid)}{route}"


# How a user's standing can change between two requests (issue 14: each must take effect at once).
USER_CHANGES = ("deactivated", "token_version", "role", "employee_id")


def change_user(app, user_id: int, change: str) -> None:
    """Apply one of ``USER_CHANGES`` to the user in the registry and commit."""
    from mobile_service.models import User

    with app.app_context():
        user = db.session.get(User, user_id)
        if change == "deactivated":
            user.active = False
        elif change == "token_version":
            user.token_version += 1
        elif change == "role":
            user.role = "pilot_coordinator"
        else:
            user.dcfs_employee_id = "E999999"  # the feed assigns the student to the old id only
        db.session.commit()


def revoke_sessions(app, user_id: int) -> None:
    """Revoke every refresh family (sign-in session) of the user, as sign-out everywhere does."""
    from mobile_service import clock
    from mobile_service.models import RefreshFamily

    with app.app_context():
        for family in db.session.execute(select(RefreshFamily).where(RefreshFamily.user_id == user_id)).scalars():
            family.revoked_at = clock.utcnow()
        db.session.commit()
