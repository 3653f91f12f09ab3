"""Reports from the app's development tools: crashes, failed calls and slow screens.

A report names no student and no person: the app reduces a stack trace to a signature on the
device, and the service refuses any text shaped like an SSID, a date or an e-mail address
(``mobile_service.pilot.client_events``). Reports with the same kind and signature are merged
into one ``ClientEventSignature`` (counts, first and last seen); each accepted report is kept as
a ``ClientEvent`` occurrence for the per-version and per-request views.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mobile_service.models.base import Base, BigIntPK, UTCDateTime, now

# The merged counts are 32-bit columns; a crash loop (up to 10,000 per report) could overflow
# ``occurrences`` into a database error on every later report of the signature, so the sums
# saturate here. Two billion is "more than anyone needs to know" on the dashboard.
COUNT_CEILING = 2_000_000_000


class ClientEventSignature(Base):
    """One kind + signature: every report of it merged (count, reports, first and last seen)."""

    __tablename__ = "client_event_signatures"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # crash, failed_call, slow_screen
    signature: Mapped[str] = mapped_column(String(64))
    error_code: Mapped[str | None] = mapped_column(String(40))
    screen: Mapped[str | None] = mapped_column(String(60))
    message: Mapped[str | None] = mapped_column(String(200))  # scrubbed, from the latest report
    first_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    occurrences: Mapped[int] = mapped_column(Integer, default=0)  # saturates at COUNT_CEILING
    reports: Mapped[int] = mapped_column(Integer, default=0)  # saturates at COUNT_CEILING
    issue_id: Mapped[int | None] = mapped_column(ForeignKey("issue_reports.id", ondelete="SET NULL"))

    __table_args__ = (UniqueConstraint("kind", "signature"),)


class ClientEvent(Base):
    """One accepted report from one participant's app (``report_id`` makes a resend a no-op)."""

    __tablename__ = "client_events"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    signature_id: Mapped[int] = mapped_column(ForeignKey("client_event_signatures.id", ondelete="CASCADE"),
                                              index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    report_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    app_version: Mapped[str] = mapped_column(String(30))
    platform: Mapped[str] = mapped_column(String(20))
    os_version: Mapped[str | None] = mapped_column(String(30))
    screen: Mapped[str | None] = mapped_column(String(60))
    error_code: Mapped[str | None] = mapped_column(String(40))
    request_id: Mapped[str | None] = mapped_column(String(64))
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        UniqueConstraint("user_id", "report_id"),
        Index("ix_client_events_time_kind", "occurred_at", "kind"),
        Index("ix_client_events_request_id", "request_id"),
    )
