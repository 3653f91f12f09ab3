"""indicator_baselines: the county baseline of the team indicators, once per data load and day

The SCSW team indicators (issue 16) compare a team with the county's active foster youth, by the
same rules. Computing that over the county (200,000 students) takes seconds, so it is computed
once per set of loads (the freshness stamps) and day, stored here and read by every worker;
``flask indicators baseline`` computes it after the nightly loads. Counts only, no student.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 16:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "indicator_baselines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("data_stamp", sa.String(length=64), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("students", sa.Integer(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_baselines")),
        sa.UniqueConstraint("as_of", "data_stamp", name=op.f("uq_indicator_baselines_as_of_data_stamp")),
    )


def downgrade():
    op.drop_table("indicator_baselines")
