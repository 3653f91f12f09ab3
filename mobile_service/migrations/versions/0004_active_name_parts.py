"""name parts: an ``active`` flag and a partial index for the name walk

Name search returns active students only, but its walk of ``student_name_parts`` also read the
parts of every inactive student (four in five) and skipped them one by one after a visit to
``students``. For two-word prefixes with few matches the walk reads a word's whole range, so that
waste grew with the county (bench/RESULTS.md, third pass). ``active`` mirrors
``students.foster_status = 'active'`` (kept by ``importing.tables.recompute_foster_status``) and
the partial index holds only active students' parts, in the walk's order.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 15:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("student_name_parts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("active", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute("UPDATE student_name_parts SET active = TRUE WHERE student_id IN "
               "(SELECT id FROM students WHERE foster_status = 'active')")
    op.create_index("ix_student_name_parts_active_walk", "student_name_parts", ["part", "field", "student_id"],
                    unique=False, postgresql_where=sa.text("active"), sqlite_where=sa.text("active = 1"))


def downgrade():
    op.drop_index("ix_student_name_parts_active_walk", table_name="student_name_parts")
    with op.batch_alter_table("student_name_parts", schema=None) as batch_op:
        batch_op.drop_column("active")
