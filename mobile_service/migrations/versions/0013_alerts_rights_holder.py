"""alerts and alert_seen; the education rights holder in full on dcfs_cases and students

Alerts are stored when the data changes (imports, the daily job, caseload events) and read by
``GET /api/v1/alerts`` (issue 15). The DCFS feed's optional rights-holder columns (issue 16):
relationship, phone, JV-535 order date and whether the parent's educational rights are
limited, on the case and, derived from the current case, on the student.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 16:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

HOLDER_COLUMNS = (("rights_holder_relationship", sa.String(length=60)), ("rights_holder_phone", sa.String(length=30)),
                  ("jv535_order_date", sa.Date()), ("parent_rights_limited", sa.Boolean()))


def upgrade():
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("student_id", sa.Integer(), sa.ForeignKey("students.id", ondelete="CASCADE",
                                                            name="fk_alerts_student_id_students"), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("audience", sa.String(length=40), server_default="", nullable=False),
        sa.Column("basis", sa.String(length=64), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_alerts"),
    )
    op.create_index("uq_alerts_open", "alerts", ["student_id", "kind", "audience"], unique=True,
                    postgresql_where=sa.text("cleared_at IS NULL"), sqlite_where=sa.text("cleared_at IS NULL"))
    op.create_index("ix_alerts_student_changed", "alerts", ["student_id", "changed_at"])
    op.create_index("ix_alerts_audience_changed", "alerts", ["audience", "changed_at"])
    op.create_table(
        "alert_seen",
        sa.Column("alert_id", sa.Integer(), sa.ForeignKey("alerts.id", ondelete="CASCADE",
                                                          name="fk_alert_seen_alert_id_alerts"), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", name="fk_alert_seen_user_id_users"),
                  nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("alert_id", "user_id", name="pk_alert_seen"),
    )
    for table in ("dcfs_cases", "students"):
        with op.batch_alter_table(table) as batch:
            for name, type_ in HOLDER_COLUMNS:
                batch.add_column(sa.Column(name, type_, nullable=True))


def downgrade():
    for table in ("students", "dcfs_cases"):
        with op.batch_alter_table(table) as batch:
            for name, _ in reversed(HOLDER_COLUMNS):
                batch.drop_column(name)
    op.drop_table("alert_seen")
    op.drop_index("ix_alerts_audience_changed", table_name="alerts")
    op.drop_index("ix_alerts_student_changed", table_name="alerts")
    op.drop_index("uq_alerts_open", table_name="alerts")
    op.drop_table("alerts")
