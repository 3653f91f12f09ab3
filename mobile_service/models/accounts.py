"""The EPS Portal user registry, supervision links and the mobile caseload."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from mobile_service import clock
from mobile_service.models.base import Base, UTCDateTime, now

ROLE_CSW = "csw"
ROLE_SCSW = "scsw"
ROLE_COORDINATOR = "pilot_coordinator"
ROLE_ADMIN = "admin"
# An LACOE data steward: works the queue of data-quality reports (duplicate SSIDs) and nothing else.
ROLE_EPS_SUPPORT = "eps_support"
ROLES = (ROLE_CSW, ROLE_SCSW, ROLE_COORDINATOR, ROLE_ADMIN, ROLE_EPS_SUPPORT)
FIELD_ROLES = (ROLE_CSW, ROLE_SCSW)

# Review states of an "added" caseload entry. A pending add is a basis for access until its
# ``expires_at``; approved (by the supervising SCSW or an admin) and confirmed (the DCFS feed
# assigns the student to the worker) ones hold; denied and lapsed ones never do.
REVIEW_PENDING, REVIEW_APPROVED, REVIEW_DENIED = "pending", "approved", "denied"
REVIEW_LAPSED, REVIEW_CONFIRMED = "lapsed", "confirmed"
REVIEW_STATES = (REVIEW_PENDING, REVIEW_APPROVED, REVIEW_DENIED, REVIEW_LAPSED, REVIEW_CONFIRMED)
REVIEW_HOLDING = (REVIEW_APPROVED, REVIEW_CONFIRMED)
MANUAL_ADD_DAYS_DEFAULT = 30


def manual_add_days() -> int:
    """How many days an unreviewed add lasts (``MANUAL_ADD_DAYS``; the default outside an app)."""
    from flask import current_app, has_app_context

    return int(current_app.config.get("MANUAL_ADD_DAYS", MANUAL_ADD_DAYS_DEFAULT)) if has_app_context() \
        else MANUAL_ADD_DAYS_DEFAULT


# Column defaults: every path that writes an add (service, seed, import, tests) gets a bounded
# one unless it says otherwise, so forgetting the review state can never grant lasting access.
def _default_review_state(context) -> str | None:
    params = context.get_current_parameters()
    if params.get("origin", "added") != "added":
        return None
    return REVIEW_PENDING if params.get("flagged") else REVIEW_CONFIRMED


def _default_expires_at(context) -> dt.datetime | None:
    params = context.get_current_parameters()
    if params.get("origin", "added") != "added" or not params.get("flagged"):
        return None
    added_at = params.get("added_at") or clock.utcnow()
    return added_at + dt.timedelta(days=manual_add_days())


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
    students not assigned to the worker in the DCFS feed: such an add is ``pending`` until
    ``expires_at`` (``MANUAL_ADD_DAYS`` after the add) unless the supervising SCSW (an admin when
    the worker has none) approves or denies it, or the DCFS feed confirms the assignment.
    ``reviewed_by`` is null when the feed confirmed it or the daily job marked it lapsed.
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
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=_default_expires_at)
    review_state: Mapped[str | None] = mapped_column(String(10), default=_default_review_state)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_caseload_entries_user_open", "user_id", "removed_at"),
        # The review queues and the daily lapse sweep read open pending adds only.
        Index("ix_caseload_entries_pending", "expires_at", postgresql_where=text("review_state = 'pending'"),
              sqlite_where=text("review_state = 'pending'")),
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
