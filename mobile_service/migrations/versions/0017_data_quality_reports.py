"""data-quality reports: named students, the steward's outcome, and the notice outbox (issue 17)

``issue_reports`` gains ``outcome`` and ``resolved_by`` (an EPS support steward's resolution of a
``duplicate_ssid`` / ``multiple_ssids`` report). ``issue_report_students`` names the students of
such a report by id; ``outbox_messages`` holds the notices to stewards, written in the report's
transaction and delivered by ``flask outbox deliver`` (no student data, no addresses).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 16:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

BigIntPK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    with op.batch_alter_table("issue_reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("outcome", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("resolved_by", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_issue_reports_resolved_by_users"), "users",
                                    ["resolved_by"], ["id"])
    op.create_table(
        "issue_report_students",
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("basis", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["issue_id"], ["issue_reports.id"],
                                name=op.f("fk_issue_report_students_issue_id_issue_reports"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["student_id"], ["students.id"],
                                name=op.f("fk_issue_report_students_student_id_students")),
        sa.PrimaryKeyConstraint("issue_id", "student_id", name=op.f("pk_issue_report_students")),
    )
    op.create_index("ix_issue_report_students_student", "issue_report_students", ["student_id"], unique=False)
    op.create_table(
        "outbox_messages",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("topic", sa.String(length=40), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["issue_id"], ["issue_reports.id"],
                                name=op.f("fk_outbox_messages_issue_id_issue_reports"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_messages")),
    )
    op.create_index("ix_outbox_messages_due", "outbox_messages", ["status", "next_attempt_at"], unique=False)


def downgrade():
    op.drop_index("ix_outbox_messages_due", table_name="outbox_messages")
    op.drop_table("outbox_messages")
    op.drop_index("ix_issue_report_students_student", table_name="issue_report_students")
    op.drop_table("issue_report_students")
    with op.batch_alter_table("issue_reports", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_issue_reports_resolved_by_users"), type_="foreignkey")
        batch_op.drop_column("resolved_by")
        batch_op.drop_column("outcome")
