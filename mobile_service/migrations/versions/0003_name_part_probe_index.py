"""name parts: index (student_id, part) for per-student word probes

A multi-word name search walks the driving word's range of ``student_name_parts`` in index
order and, for each walked row, asks whether the same student also has a part matching each
other word (api/students/name_walk.py). With an index on ``student_id`` alone every probe
visits the table; with ``(student_id, part)`` it is an index-only lookup. The new index also
serves everything the old one did (deletes and cascades by student), so it replaces it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 13:30:00
"""
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("student_name_parts", schema=None) as batch_op:
        batch_op.create_index("ix_student_name_parts_student_part", ["student_id", "part"], unique=False)
        batch_op.drop_index("ix_student_name_parts_student_id")


def downgrade():
    with op.batch_alter_table("student_name_parts", schema=None) as batch_op:
        batch_op.create_index("ix_student_name_parts_student_id", ["student_id"], unique=False)
        batch_op.drop_index("ix_student_name_parts_student_part")
