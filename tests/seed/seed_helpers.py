"""Helpers of the seed tests: table counts and a wipe between two loads in one test."""
from __future__ import annotations

from sqlalchemy import func, select, text

from mobile_service.extensions import db
from mobile_service.models import Base

SCALE = 600
# Tables the importer fills: the same data loaded two ways must give the same counts.
IMPORTED_TABLES = ("schools", "users", "supervisions", "students", "student_ssids", "ssid_grams",
                   "student_name_parts", "dcfs_cases", "enrollments", "attendance_summaries", "progress_reports",
                   "progress_marks")


def table_counts() -> dict[str, int]:
    """Row count of every imported table."""
    tables = Base.metadata.tables
    return {name: db.session.execute(select(func.count()).select_from(tables[name])).scalar_one()
            for name in IMPORTED_TABLES}


def wipe() -> None:
    """Empty every table (the autouse cleanup does the same after each test)."""
    names = [t.name for t in reversed(Base.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))
    else:
        for name in names:
            db.session.execute(text(f"DELETE FROM {name}"))
    db.session.commit()
