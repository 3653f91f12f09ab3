"""placements in the DCFS feed and school-of-origin travel plans (DCFS 0900-520.20)

The DCFS cases feed gains optional placement columns (start date, type, location; the location
is used only to estimate a distance, never returned or logged), and ``travel_plans`` holds the
CSW's school-of-origin travel plans (the DCFS 63B / FCSS Auto 280) with their SCSW decision.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 16:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("dcfs_cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("placement_start_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("placement_type", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("placement_latitude", sa.Double(), nullable=True))
        batch_op.add_column(sa.Column("placement_longitude", sa.Double(), nullable=True))
    op.create_table(
        "travel_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_key", sa.String(length=32), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("csw_user_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("transport", sa.String(length=20), nullable=False),
        sa.Column("one_way_miles", sa.Numeric(precision=6, scale=2), nullable=True),
        sa.Column("mileage_source", sa.String(length=30), nullable=True),
        sa.Column("rounded_miles", sa.Integer(), nullable=True),
        sa.Column("monthly_rate", sa.Integer(), nullable=True),
        sa.Column("rate_table_effective", sa.Date(), nullable=True),
        sa.Column("placement_start", sa.Date(), nullable=True),
        sa.Column("placement_type", sa.String(length=10), nullable=True),
        sa.Column("effective_start", sa.Date(), nullable=True),
        sa.Column("iep_transport", sa.Boolean(), nullable=True),
        sa.Column("temporarily_absent", sa.Boolean(), nullable=True),
        sa.Column("eligible", sa.Boolean(), nullable=True),
        sa.Column("failing_items", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review_comment", sa.Text(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=True),
        sa.Column("ended_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["student_id"], ["students.id"], name=op.f("fk_travel_plans_student_id_students"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["csw_user_id"], ["users.id"], name=op.f("fk_travel_plans_csw_user_id_users")),
        sa.ForeignKeyConstraint(["school_id"], ["schools.id"], name=op.f("fk_travel_plans_school_id_schools")),
        sa.ForeignKeyConstraint(["reviewed_by"], ["users.id"], name=op.f("fk_travel_plans_reviewed_by_users")),
        sa.ForeignKeyConstraint(["ended_by"], ["users.id"], name=op.f("fk_travel_plans_ended_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_travel_plans")),
    )
    with op.batch_alter_table("travel_plans", schema=None) as batch_op:
        batch_op.create_index("ix_travel_plans_plan_key", ["plan_key"], unique=True)
        batch_op.create_index("ix_travel_plans_student_id", ["student_id"], unique=False)
        batch_op.create_index("ix_travel_plans_status_csw", ["status", "csw_user_id"], unique=False)
        batch_op.create_index("uq_travel_plans_open", ["student_id"], unique=True,
                              sqlite_where=sa.text("status <> 'stopped'"),
                              postgresql_where=sa.text("status <> 'stopped'"))


def downgrade():
    op.drop_table("travel_plans")
    with op.batch_alter_table("dcfs_cases", schema=None) as batch_op:
        batch_op.drop_column("placement_longitude")
        batch_op.drop_column("placement_latitude")
        batch_op.drop_column("placement_type")
        batch_op.drop_column("placement_start_date")
