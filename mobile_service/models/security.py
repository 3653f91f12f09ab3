"""The record of access (audit) and sign-in sessions (refresh-token families)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from mobile_service.models.base import Base, BigIntPK, UTCDateTime, now


class AuditEvent(Base):
    """Who saw or changed what, when and on what basis (FERPA 34 CFR 99.32, Ed Code 49064).

    Append-only. Written in the same transaction as the disclosure or change it records.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str | None] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(40))
    student_id: Mapped[int | None] = mapped_column(ForeignKey("students.id", ondelete="SET NULL"))
    ssid: Mapped[str | None] = mapped_column(String(10))
    basis: Mapped[str | None] = mapped_column(String(40))
    endpoint: Mapped[str | None] = mapped_column(String(120))
    request_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict | None] = mapped_column(JSON)

    __table_args__ = (
        Index("ix_audit_events_ssid_time", "ssid", "occurred_at"),
        Index("ix_audit_events_student_time", "student_id", "occurred_at"),
        Index("ix_audit_events_user_time", "user_id", "occurred_at"),
    )


class RefreshFamily(Base):
    """A sign-in session: the chain of rotated refresh tokens issued from one exchange."""

    __tablename__ = "refresh_families"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the app token's ``sid``
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    client_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    last_used_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    absolute_expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(40))


class RefreshToken(Base):
    """One refresh token of a family, stored only as its SHA-256 hash."""

    __tablename__ = "refresh_tokens"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    family_id: Mapped[str] = mapped_column(ForeignKey("refresh_families.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
