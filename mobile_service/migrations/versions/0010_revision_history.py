"""alembic_version_history: every revision this database has applied

``alembic_version`` holds only the current revision. A pod whose code is older than the
database (a rollout that migrates first) sees an unknown revision and cannot tell "ahead of my
head" from "another history". This table records each applied revision (env.py adds one per
upgrade step and removes it on downgrade), so ``/readyz`` can accept a database whose history
contains the code's head: the code's migrations are a prefix of the database's (issue 13).
Backfilled with this revision's ancestors, which every database at this point has applied.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 14:30:00
"""
import sqlalchemy as sa
from alembic import context, op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    history = op.create_table(
        "alembic_version_history",
        sa.Column("revision", sa.String(length=32), primary_key=True),
        sa.Column("applied_at", sa.DateTime(timezone=True), server_default=sa.func.current_timestamp(),
                  nullable=False),
    )
    # This revision and every ancestor, walked from the script directory (not a hard-coded list,
    # so a re-chained history stays right).
    applied = [script.revision for script in context.script.walk_revisions(base="base", head=revision)]
    op.bulk_insert(history, [{"revision": rev} for rev in reversed(applied)])


def downgrade():
    op.drop_table("alembic_version_history")
