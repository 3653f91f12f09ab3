"""students.student_key: the opaque, random key of record URLs

SSIDs travelled in URL paths (``/api/v1/students/{ssid}``, ``DELETE /caseload/{ssid}``) and so
landed in proxy and server access logs, outside the record of access (issue 11). Each student
gets a random key (``secrets.token_urlsafe(16)``, never derived from the SSID), unique and
stable: the importer assigns one to every new student and never changes it.

Existing rows are backfilled in batches from Python (the same generator on SQLite and
PostgreSQL, no database extension needed); the column becomes NOT NULL and uniquely indexed
afterwards.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 13:40:00
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade():
    with op.batch_alter_table("students", schema=None) as batch_op:
        batch_op.add_column(sa.Column("student_key", sa.String(length=32), nullable=True))
    connection = op.get_bind()
    students = sa.table("students", sa.column("id", sa.Integer), sa.column("student_key", sa.String))
    update = (sa.update(students).where(students.c.id == sa.bindparam("row_id"))
              .values(student_key=sa.bindparam("key")))
    last = 0
    while True:
        ids = connection.execute(sa.select(students.c.id).where(students.c.id > last, students.c.student_key.is_(None))
                                 .order_by(students.c.id).limit(BATCH)).scalars().all()
        if not ids:
            break
        connection.execute(update, [{"row_id": i, "key": secrets.token_urlsafe(16)} for i in ids])
        last = ids[-1]
    with op.batch_alter_table("students", schema=None) as batch_op:
        batch_op.alter_column("student_key", existing_type=sa.String(length=32), nullable=False)
        batch_op.create_index("ix_students_student_key", ["student_key"], unique=True)


def downgrade():
    with op.batch_alter_table("students", schema=None) as batch_op:
        batch_op.drop_index("ix_students_student_key")
        batch_op.drop_column("student_key")
