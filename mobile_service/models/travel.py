"""School-of-origin travel plans (DCFS 0900-520.20): the DCFS 63B and FCSS Auto 280 of one child."""
from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from mobile_service.models.base import Base, UTCDateTime, now

PLAN_DRAFT, PLAN_SUBMITTED, PLAN_RETURNED = "draft", "submitted", "returned"
PLAN_APPROVED, PLAN_STOPPED = "approved", "stopped"
PLAN_STATES = (PLAN_DRAFT, PLAN_SUBMITTED, PLAN_RETURNED, PLAN_APPROVED, PLAN_STOPPED)
PLAN_KEY_BYTES = 16


def new_plan_key() -> str:
    """A fresh opaque plan key for URLs (random; never derived from the student or the plan id)."""
    return secrets.token_urlsafe(PLAN_KEY_BYTES)


class TravelPlan(Base):
    """One school-of-origin travel plan: drafted and submitted by the CSW, decided by the supervising SCSW.

    The figures (miles, rate, effective start) are computed by ``mobile_service.travel`` when the
    plan is saved and kept as submitted: the approval is of what the SCSW saw. The placement's
    location is never stored here, only the distance computed from it.
    """

    __tablename__ = "travel_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_key: Mapped[str] = mapped_column(String(32), default=new_plan_key)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    csw_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    status: Mapped[str] = mapped_column(String(10), default=PLAN_DRAFT)
    transport: Mapped[str] = mapped_column(String(20))  # etr or public_transport, never both
    one_way_miles: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    mileage_source: Mapped[str | None] = mapped_column(String(30))
    rounded_miles: Mapped[int | None] = mapped_column(Integer)
    monthly_rate: Mapped[int | None] = mapped_column(Integer)  # dollars; None when passes replace the ETR
    rate_table_effective: Mapped[dt.date | None] = mapped_column(Date)
    placement_start: Mapped[dt.date | None] = mapped_column(Date)
    placement_type: Mapped[str | None] = mapped_column(String(10))
    effective_start: Mapped[dt.date | None] = mapped_column(Date)
    iep_transport: Mapped[bool | None] = mapped_column(Boolean)
    temporarily_absent: Mapped[bool | None] = mapped_column(Boolean)
    eligible: Mapped[bool | None] = mapped_column(Boolean)
    failing_items: Mapped[str | None] = mapped_column(String(200))  # comma-separated checklist items
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    review_comment: Mapped[str | None] = mapped_column(Text)
    ended_on: Mapped[dt.date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(Text)
    ended_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    __table_args__ = (
        Index("ix_travel_plans_plan_key", "plan_key", unique=True),
        Index("ix_travel_plans_student_id", "student_id"),
        Index("ix_travel_plans_status_csw", "status", "csw_user_id"),
        # At most one plan per child that is not stopped: two CSWs' concurrent drafts cannot both land.
        Index("uq_travel_plans_open", "student_id", unique=True, postgresql_where=text("status <> 'stopped'"),
              sqlite_where=text("status <> 'stopped'")),
    )
