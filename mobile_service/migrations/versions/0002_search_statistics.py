"""planner statistics for the search's active-student filter (PostgreSQL)

The search filters on ``foster_status || ''`` (api/students/search.py: it keeps the planner off
the unselective ``foster_status`` index). Without statistics on that expression PostgreSQL
guesses 0.5% of students match instead of the real ~20% (measured at 200,000 students: an
estimate of 1,000 rows for 40,000), which skews join choices. Extended statistics on the
expression (PostgreSQL 14+) give it the real figure; ANALYZE fills them. SQLite: nothing.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 12:00:00
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

STATISTICS = "st_students_foster_status_search"


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"CREATE STATISTICS IF NOT EXISTS {STATISTICS} ON ((foster_status || '')) FROM students")
    op.execute("ANALYZE students")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP STATISTICS IF EXISTS {STATISTICS}")
