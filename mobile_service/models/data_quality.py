"""Data-quality reports' named students and the outbox of notices to EPS support stewards."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from mobile_service.models.base import Base, BigIntPK, UTCDateTime, now

# duplicate_ssid: two students under one SSID; multiple_ssids: one student under two SSIDs. These
# data-quality reports name students by key and are worked by EPS support stewards (issue 17).
DATA_QUALITY_KINDS = ("duplicate_ssid", "multiple_ssids")
# How a steward resolves a data-quality report (the reporter sees it with the steward's note).
DATA_QUALITY_OUTCOMES = ("merged", "corrected_at_source", "not_a_duplicate")
# Students a data-quality report names: (fewest, most) per kind.
DATA_QUALITY_STUDENTS = {"duplicate_ssid": (1, 2), "multiple_ssids": (2, 2)}


class IssueReportStudent(Base):
    """A student named by a data-quality report (``duplicate_ssid``, ``multiple_ssids``), in order.

    No cascade from ``students``: a report a steward is working must not lose its children silently.
    """

    __tablename__ = "issue_report_students"

    issue_id: Mapped[int] = mapped_column(ForeignKey("issue_reports.id", ondelete="CASCADE"), primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), primary_key=True)
    position: Mapped[int] = mapped_column(SmallInteger, default=0)
    # How the reporter could name the child: a scope basis or ``exact_lookup`` (kept for the steward's audit).
    basis: Mapped[str] = mapped_column(String(40))

    __table_args__ = (Index("ix_issue_report_students_student", "student_id"),)


class OutboxMessage(Base):
    """A notice to send, written in the same transaction as the change it announces.

    ``topic`` names what happened (``dq_report.new``); the row holds no student data and no
    addresses: the delivery job (``flask outbox deliver``) counts due rows per topic, renders
    one notice per recipient and marks them sent, or reschedules them with exponential backoff.
    Rows are never deleted by delivery, so an SMTP outage delays a notice and loses nothing.
    """

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    topic: Mapped[str] = mapped_column(String(40))
    issue_id: Mapped[int | None] = mapped_column(ForeignKey("issue_reports.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending, sent
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_outbox_messages_due", "status", "next_attempt_at"),)
