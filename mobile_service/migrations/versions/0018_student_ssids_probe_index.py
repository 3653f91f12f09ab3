"""student_ssids: an index on (student_id, ssid) for the partial-SSID probe per scoped student (issue 14)

A partial SSID search runs only over the caller's scope (issue 11). It probed ``ssid_grams`` by
``student_id``: seven heap rows per student, on seven pages (the grams are stored in gram order),
about ten buffers per scoped student, and at 1,000,000 students most of them outside shared
buffers. The search now checks each scoped student's own SSIDs with an index-only scan of
``(student_id, ssid)``. That index also serves every lookup by ``student_id`` alone, so the old
single-column index goes.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 23:55:00
"""
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_student_ssids_student_id_ssid", "student_ssids", ["student_id", "ssid"])
    op.drop_index("ix_student_ssids_student_id", table_name="student_ssids")


def downgrade():
    op.create_index("ix_student_ssids_student_id", "student_ssids", ["student_id"])
    op.drop_index("ix_student_ssids_student_id_ssid", table_name="student_ssids")
