"""Search is indexed (never a full scan) and costs a constant number of SQL statements.

``api.students.search.explain`` prints the plan; the benchmark can call it at county scale.
"""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import event

from api.students.search import build_criteria, exact_lookup_ids, explain
from mobile_service.extensions import db
from tests.api.student_helpers import bearer, enroll, fix_today
from tests.factories import app_token_for, make_school, make_student, make_user

CASES = {
    "partial name": {"name": "mar gar"},
    "first/last narrowed": {"first_name": "mar", "last_name": "gar"},
    "partial ssid": {"ssid": "45678"},
    "full ssid": {"ssid": "4000000123"},
    "dob": {"dob": "2011-05-06"},
    "name and dob": {"name": "mar", "dob": "2011-05-06"},
    "exact name and dob": {"first_name": "maria", "last_name": "garcia", "dob": "2011-05-06"},
}
# Index each case must use, per engine (SQLite names its primary-key indexes sqlite_autoindex_*).
EXPECTED_INDEX = {
    # Name walks read the partial index of active students' parts (migration 0004).
    "partial name": ("ix_student_name_parts_active_walk", "ix_student_name_parts_active_walk"),
    "first/last narrowed": ("ix_student_name_parts_active_walk", "ix_student_name_parts_active_walk"),
    "partial ssid": ("ssid_grams_1", "pk_ssid_grams"),
    "full ssid": ("student_ssids_1", "pk_student_ssids"),
    "dob": ("ix_students_birth_date_last_first", "ix_students_birth_date_last_first"),
    "name and dob": ("ix_students_birth_date_last_first", "ix_students_birth_date_last_first"),
    "exact name and dob": ("ix_students_birth_date_last_first", "ix_students_birth_date_last_first"),
}
SQLITE_FULL_SCAN = re.compile(r"^SCAN (students|student_name_parts|ssid_grams|student_ssids)\b")


@pytest.mark.parametrize("case", sorted(CASES))
def test_search_plan_uses_indexes(ctx, case):
    for n in range(30):
        make_student(legal_first_name=f"Maria{n}", legal_last_name=f"Garcia{n % 5}",
                     birth_date=dt.date(2011, 5, 1 + n % 20))
    db.session.commit()
    criteria = build_criteria(**CASES[case])
    plan = explain(criteria, exact_lookup_ids(criteria) or ([1] if criteria.exact_name_dob else []))
    text = "\n".join(plan)
    print(f"\n{case}:\n{text}")  # visible with -s: the plan the benchmark also reports
    sqlite_index, pg_index = EXPECTED_INDEX[case]
    if db.engine.dialect.name == "postgresql":
        assert "Seq Scan" not in text, text
        assert pg_index in text, text
    else:
        assert not any(SQLITE_FULL_SCAN.match(line) for line in plan), text
        assert sqlite_index in text, text
    db.session.rollback()


def test_search_costs_a_constant_number_of_statements(app, client, monkeypatch):
    fix_today(monkeypatch)
    with app.app_context():
        csw = make_user("csw")
        school = make_school()
        for n in range(50):
            kid = make_student(legal_first_name="Many", legal_last_name=f"Kid{n:02d}", birth_date=dt.date(2012, 1, 1))
            enroll(kid, school, dt.date(2026, 8, 12), grade="07")
        make_student(legal_first_name="Solo", legal_last_name="Kid", birth_date=dt.date(2013, 1, 1))
        db.session.commit()
        token = app_token_for(csw)
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        one = client.post("/api/v1/students/search", json={"dob": "2013-01-01"}, headers=bearer(token))
        cost_one, statements[:] = len(statements), []
        many = client.post("/api/v1/students/search", json={"dob": "2012-01-01", "limit": 50}, headers=bearer(token))
        cost_many = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert one.get_json()["count"] == 1 and many.get_json()["count"] == 50
    assert all(card["school_name"] for card in many.get_json()["results"])
    assert cost_many == cost_one, (cost_one, cost_many)
