"""source loads: snapshot scope and rows deleted

``flask import KIND FILE --snapshot SCOPE`` removes the scope's rows that the file no longer has
(issue 12). The source-load record says which scope the file was the truth of and how many rows
it removed, next to the inserted / updated / unchanged counts. Existing loads were upserts:
scope NULL, nothing deleted.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 13:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("source_loads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rows_deleted", sa.Integer(), server_default=sa.text("0"), nullable=False))
        batch_op.add_column(sa.Column("snapshot_scope", sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table("source_loads", schema=None) as batch_op:
        batch_op.drop_column("snapshot_scope")
        batch_op.drop_column("rows_deleted")
