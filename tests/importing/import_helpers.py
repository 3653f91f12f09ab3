"""Helpers of the importer tests: table snapshots and small queries."""
from __future__ import annotations

from sqlalchemy import text

from mobile_service.extensions import db

SNAPSHOT_TABLES = ("schools", "students", "student_ssids", "ssid_grams", "student_name_parts", "dcfs_cases",
                   "enrollments", "attendance_summaries", "progress_reports", "progress_marks", "users",
                   "supervisions", "refresh_families", "source_loads", "audit_events")


SCHOOLS = """cds_code,school_name,district_name,address,city,zip,phone,latitude,longitude
19647331932334,Pomona High,Pomona Unified,475 Bangor St,Pomona,91767,909-397-4800,34.0700,-117.7500
19647330000001,Garey High,Pomona Unified,321 W Lexington Ave,Pomona,91766,,,
"""
STUDENTS = """ssid,legal_first_name,legal_middle_name,legal_last_name,alias_first_name,alias_last_name,birth_date,gender_code,primary_language,foster_client_id,homeless,previous_ssids
1234567890,María José,,De La Cruz,,,2010-05-06,F,Spanish,1234567890,N,1111111111;2222222222
2345678901,Tom,Lee,Smith-Jones,Tommy,,2011-05-07,M,English,,Y,
3456789012,Ana,,García,,,2012-01-02,F,Spanish,,N,
"""


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table the importer may touch, for before/after equality."""
    result = {}
    for table in SNAPSHOT_TABLES:
        rows = db.session.execute(text(f"SELECT * FROM {table}")).all()
        result[table] = sorted(tuple(str(v) for v in row) for row in rows)
    db.session.rollback()
    return result


def count(table: str, where: str = "1 = 1", **params) -> int:
    """Rows of ``table`` matching ``where``."""
    value = db.session.execute(text(f"SELECT COUNT(*) FROM {table} WHERE {where}"), params).scalar_one()
    db.session.rollback()
    return value


def rows(sql: str, **params) -> list[tuple]:
    """The rows of a query."""
    found = [tuple(r) for r in db.session.execute(text(sql), params).all()]
    db.session.rollback()
    return found
