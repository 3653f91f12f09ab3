"""caseload entries: review state of manual adds (expiry, approval, denial, lapse, feed confirmation)

A manual add of a student the DCFS feed does not assign to the worker used to give lasting
access on the worker's word alone (issue 11). It now lasts ``MANUAL_ADD_DAYS`` (30) unless the
supervising SCSW, or an admin for a worker without one, approves it, or the feed confirms it.

Backfill: every open add gets a state. An add made with a DCFS assignment (not flagged), or a
flagged one whose student the feed assigns to the worker today, is ``confirmed``; every other
flagged add is ``pending`` and expires ``MANUAL_ADD_DAYS`` after it was made, so an add older than
that lapses at once (it is no longer a basis for access; the daily job then marks it lapsed).
Closed adds keep their history and get a state the same way.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 13:40:00
"""
import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _days() -> int:
    try:
        from flask import current_app, has_app_context

        if has_app_context():
            return int(current_app.config.get("MANUAL_ADD_DAYS", 30))
    except ImportError:
        pass
    return 30


def upgrade():
    with op.batch_alter_table("caseload_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("review_state", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("reviewed_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("review_note", sa.Text(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_caseload_entries_reviewed_by_users"), "users",
                                    ["reviewed_by"], ["id"])
    op.create_index("ix_caseload_entries_pending", "caseload_entries", ["expires_at"], unique=False,
                    postgresql_where=sa.text("review_state = 'pending'"),
                    sqlite_where=sa.text("review_state = 'pending'"))

    bind = op.get_bind()
    days = _days()
    # Los Angeles calendar day, as every date rule of the service (mobile_service.clock).
    today = dt.datetime.now(dt.UTC).astimezone(ZoneInfo("America/Los_Angeles")).date()
    if bind.dialect.name == "postgresql":
        expiry = "added_at + make_interval(days => :days)"
    else:  # SQLite stores UTC timestamps as naive text with microseconds (models.base.UTCDateTime)
        expiry = "strftime('%Y-%m-%d %H:%M:%f000', added_at, '+' || :days || ' days')"
    assigned = ("EXISTS (SELECT 1 FROM dcfs_cases c JOIN users u ON u.dcfs_employee_id = c.csw_employee_id "
                "WHERE u.id = caseload_entries.user_id AND c.student_id = caseload_entries.student_id "
                "AND c.case_status = 'open' AND c.assignment_start <= :today "
                "AND (c.assignment_end IS NULL OR c.assignment_end >= :today))")
    op.execute(sa.text("UPDATE caseload_entries SET review_state = 'confirmed' "
                       f"WHERE origin = 'added' AND (flagged = :no OR {assigned})")
               .bindparams(no=False, today=today))
    op.execute(sa.text(f"UPDATE caseload_entries SET review_state = 'pending', expires_at = {expiry} "
                       "WHERE origin = 'added' AND review_state IS NULL").bindparams(days=days))


def downgrade():
    op.drop_index("ix_caseload_entries_pending", table_name="caseload_entries")
    with op.batch_alter_table("caseload_entries", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_caseload_entries_reviewed_by_users"), type_="foreignkey")
        batch_op.drop_column("review_note")
        batch_op.drop_column("reviewed_at")
        batch_op.drop_column("reviewed_by")
        batch_op.drop_column("review_state")
        batch_op.drop_column("expires_at")
