"""The caseload change log that offline sync reads (``GET /api/v1/caseload/changes``)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from mobile_service.models.base import Base, BigIntPK, UTCDateTime, now

# What a change-log row says changed. The four record tabs and a deletion at the source are
# about a student (``user_id`` NULL: whoever holds the student must refresh it); the membership
# kinds are about one worker's caseload (``user_id`` set).
TAB_KINDS = ("demographics", "enrollments", "attendance", "progress_reports")
KIND_RECORD_DELETED = "record_deleted"  # a source withdrew the record (a DCFS case deleted by a snapshot)
KIND_CASELOAD = "caseload"  # the worker's caseload entry for the student changed (add, review, lapse, feed)
KIND_REMOVED = "removed"  # the worker removed the student from their caseload
KIND_SCOPE = "scope"  # the worker's scope changed as a whole (supervision, DCFS employee id); no student
CHANGE_KINDS = (*TAB_KINDS, KIND_RECORD_DELETED, KIND_CASELOAD, KIND_REMOVED, KIND_SCOPE)


class SyncChange(Base):
    """One change that a synced caseload may need to pick up; written in the change's transaction.

    Append-only; the daily job prunes rows older than any usable sync token. ``id`` is the
    position a sync token carries: writers take the change-log lock before inserting
    (``mobile_service.changelog``), so committed ids always form a prefix and a reader
    never skips a row that commits late. No foreign keys: the log outlives what it names.
    """

    __tablename__ = "sync_changes"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    student_id: Mapped[int | None] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))

    __table_args__ = (
        Index("ix_sync_changes_student_position", "student_id", "id"),
        # Only membership rows name a worker; bulk import rows stay out of this index.
        Index("ix_sync_changes_user_position", "user_id", "id", postgresql_where=text("user_id IS NOT NULL"),
              sqlite_where=text("user_id IS NOT NULL")),
    )
