"""The pilot: cohorts, feedback, issue reports, announcements and usage events.

Nothing here holds a student identifier except ``IssueReport.student_id`` (a wrong-data report
names the record it concerns); coordinator views never expose it.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, SmallInteger, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from mobile_service.models.base import Base, BigIntPK, UTCDateTime, now


class PilotCohort(Base):
    """A pilot: name, start date, length, target participants and the offices taking part."""

    __tablename__ = "pilot_cohorts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    start_date: Mapped[dt.date] = mapped_column(Date)
    length_days: Mapped[int] = mapped_column(Integer, default=30)
    target_participants: Mapped[int] = mapped_column(Integer, default=50)
    offices: Mapped[list | None] = mapped_column(JSON)
    # End-of-pilot success criteria, {criterion: target}; missing ones take the defaults of
    # mobile_service.pilot.criteria (a coordinator edits them).
    success_criteria: Mapped[dict | None] = mapped_column(JSON)


class Feedback(Base):
    """In-app feedback from a CSW or SCSW, with optional SUS questionnaire answers."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now, index=True)
    rating: Mapped[int] = mapped_column(SmallInteger)
    category: Mapped[str] = mapped_column(String(30))
    comment: Mapped[str | None] = mapped_column(Text)
    screen: Mapped[str | None] = mapped_column(String(60))
    app_version: Mapped[str | None] = mapped_column(String(30))
    platform: Mapped[str | None] = mapped_column(String(20))
    sus_answers: Mapped[list | None] = mapped_column(JSON)
    sus_score: Mapped[float | None] = mapped_column(Float)


class IssueReport(Base):
    """A problem or wrong-data report from the field, triaged by coordinators."""

    __tablename__ = "issue_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    kind: Mapped[str] = mapped_column(String(20))  # problem, wrong_data, duplicate_ssid, multiple_ssids
    description: Mapped[str] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(String(64))
    student_id: Mapped[int | None] = mapped_column(ForeignKey("students.id", ondelete="SET NULL"))
    screen: Mapped[str | None] = mapped_column(String(60))
    app_version: Mapped[str | None] = mapped_column(String(30))
    platform: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="new", index=True)
    status_note: Mapped[str | None] = mapped_column(Text)
    status_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # When it first left ``new`` (kept when the status moves on): the triage-time criterion.
    triaged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Set on issues a coordinator opened from an app error signature: the cohort it was seen in.
    cohort: Mapped[str | None] = mapped_column(String(60))
    # Data-quality reports only: the EPS support steward's outcome (merged, corrected_at_source,
    # not_a_duplicate) and who resolved it; the steward's note to the reporter is ``status_note``.
    outcome: Mapped[str | None] = mapped_column(String(30))
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Announcement(Base):
    """What's new or a known issue, published by a coordinator to the app."""

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    kind: Mapped[str] = mapped_column(String(20))  # whats_new, known_issue
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now, index=True)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class UsageEvent(Base):
    """A server-side usage event for pilot metrics; never carries student identifiers."""

    __tablename__ = "usage_events"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str | None] = mapped_column(String(20))
    event: Mapped[str] = mapped_column(String(30))
    route: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[int | None] = mapped_column(SmallInteger)
    latency_ms: Mapped[float | None] = mapped_column(Float)
    result_count: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str | None] = mapped_column(String(40))  # tab name, criteria kinds, outcome
    app_version: Mapped[str | None] = mapped_column(String(30))
    platform: Mapped[str | None] = mapped_column(String(20))
    # The server's X-Request-ID, on failed calls only (status >= 400): joins the app's reports.
    request_id: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_usage_events_time_event", "occurred_at", "event"),
        Index("ix_usage_events_request_id", "request_id", postgresql_where=text("request_id IS NOT NULL"),
              sqlite_where=text("request_id IS NOT NULL")),
        Index("ix_usage_events_user_time", "user_id", "occurred_at"),
    )
