"""The EPS Portal user registry, supervision links and the mobile caseload."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from mobile_service.models.base import Base, UTCDateTime, now

ROLE_CSW = "csw"
ROLE_SCSW = "scsw"
ROLE_COORDINATOR = "pilot_coordinator"
ROLE_ADMIN = "admin"
ROLES = (ROLE_CSW, ROLE_SCSW, ROLE_COORDINATOR, ROLE_ADMIN)
FIELD_ROLES = (ROLE_CSW, ROLE_SCSW)


class User(Base):
    """A registered person; Entra proves who they are, this row decides what they may do."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-cased
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    dcfs_employee_id: Mapped[str | None] = mapped_column(String(20), unique=True)
    office: Mapped[str | None] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    entra_tenant_id: Mapped[str | None] = mapped_column(String(36))
    entra_object_id: Mapped[str | None] = mapped_column(String(36))
    pilot_cohort: Mapped[str | None] = mapped_column(String(60), index=True)
    # Bumped to invalidate every app token of the user at once (role change, deactivation).
    token_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    activated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_sign_in_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("entra_tenant_id", "entra_object_id"),)


class Supervision(Base):
    """An SCSW supervising a CSW between two dates (``end_date`` open means ongoing)."""

    __tablename__ = "supervisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)


class CaseloadEntry(Base):
    """A student on a worker's mobile caseload; rows are closed, never deleted (history).

    ``origin`` is ``added`` (found by search and added) or ``feed`` (a removal recorded for a
    DCFS-assigned student, who otherwise appears by himself). ``flagged`` marks adds of
    students not assigned to the worker in the DCFS feed: the supervising SCSW sees them.
    """

    __tablename__ = "caseload_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    origin: Mapped[str] = mapped_column(String(10), default="added")
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    added_reason: Mapped[str | None] = mapped_column(Text)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    removed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    removed_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_caseload_entries_user_open", "user_id", "removed_at"),
        Index("ix_caseload_entries_student_id", "student_id"),
        # At most one open entry per worker and student; history rows are closed.
        Index(
            "uq_caseload_entries_open",
            "user_id",
            "student_id",
            unique=True,
            sqlite_where=text("removed_at IS NULL"),
            postgresql_where=text("removed_at IS NULL"),
        ),
    )
