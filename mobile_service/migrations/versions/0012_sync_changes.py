"""sync_changes: the caseload change log that offline sync reads

Imports, caseload changes and scope changes append a row per (student, tab) or per (worker,
student) in the transaction of the change (issue 15); ``GET /api/v1/caseload/changes`` reads
the rows after its sync token's position. Append-only, pruned by the daily job.

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-01 16:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sync_changes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_changes")),
    )
    op.create_index("ix_sync_changes_student_position", "sync_changes", ["student_id", "id"])
    op.create_index("ix_sync_changes_user_position", "sync_changes", ["user_id", "id"],
                    postgresql_where=sa.text("user_id IS NOT NULL"), sqlite_where=sa.text("user_id IS NOT NULL"))


def downgrade():
    op.drop_index("ix_sync_changes_user_position", table_name="sync_changes")
    op.drop_index("ix_sync_changes_student_position", table_name="sync_changes")
    op.drop_table("sync_changes")
