"""Stored alerts: raised when the data changes (imports, the daily job, caseload events), cleared when no longer true."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from mobile_service.models.base import Base, UTCDateTime, now

# ``audience``: who the alert is for. "" is everyone with the student on their caseload;
# "e:<DCFS employee id>" the assigned worker (a new DCFS assignment); "u:<user id>" one user
# (the decision on their own manual add).
AUDIENCE_CASELOAD = ""


def user_audience(user_id: int) -> str:
    """The audience of an alert for one user (their own manual add's outcome)."""
    return f"u:{user_id}"


def employee_audience(employee_id: str) -> str:
    """The audience of an alert for the worker the DCFS feed assigns (by DCFS employee id)."""
    return f"e:{employee_id}"


class Alert(Base):
    """One alert about one student, for an audience; open while ``cleared_at`` is null."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    audience: Mapped[str] = mapped_column(String(40), default=AUDIENCE_CASELOAD, server_default="")
    # What makes this alert this one (the date of the move, the report, the case...): the same
    # fact seen again by a re-import is the open alert already, never a second one. No names.
    basis: Mapped[str] = mapped_column(String(64))
    raised_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    cleared_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # raised_at, then cleared_at once cleared: the feed's order and its ``since``.
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)

    __table_args__ = (
        # At most one open alert per student, kind and audience (a re-import cannot duplicate).
        Index("uq_alerts_open", "student_id", "kind", "audience", unique=True,
              postgresql_where=text("cleared_at IS NULL"), sqlite_where=text("cleared_at IS NULL")),
        Index("ix_alerts_student_changed", "student_id", "changed_at"),
        Index("ix_alerts_audience_changed", "audience", "changed_at"),
    )


class AlertSeen(Base):
    """A user marked an alert seen (``POST /alerts/seen``); one row per user and alert."""

    __tablename__ = "alert_seen"

    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
