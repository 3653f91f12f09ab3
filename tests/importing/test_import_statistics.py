"""After a load on PostgreSQL the written tables are ANALYZEd (planner statistics match the data)."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from mobile_service.extensions import db
from mobile_service.importing import run_import
from mobile_service.importing.runner import SPECS
from tests.importing.import_helpers import SCHOOLS, STUDENTS


def test_every_kind_names_the_tables_it_writes():
    assert all(spec.writes for spec in SPECS.values())
    assert set(SPECS["students"].writes) == {"students", "student_ssids", "student_name_parts", "ssid_grams"}


def test_loaded_tables_are_analyzed_on_postgresql(ctx, csv_file):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("planner statistics are a PostgreSQL concern")
    run_import("schools", csv_file(SCHOOLS, "schools.csv"))
    run_import("students", csv_file(STUDENTS, "students.csv"))
    analyzed = db.session.execute(text(
        "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL "
        "AND relname IN ('schools', 'students', 'student_ssids', 'student_name_parts', 'ssid_grams')"
    )).scalars().all()
    db.session.rollback()
    assert set(analyzed) == {"schools", "students", "student_ssids", "student_name_parts", "ssid_grams"}
