"""Search is indexed (never a full scan), driven by the caller's scope, and costs a constant number of statements.

``api.students.search_sql.explain`` prints the plan; the benchmark can call it at county scale.
"""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import event

from api.students.search import build_criteria, exact_matches
from api.students.search_sql import exact_lookup_statement, explain, search_statement
from auth.principal import Principal
from mobile_service import scoping
from mobile_service.extensions import db
from mobile_service.models import Student
from tests.api.caseload_helpers import bearer
from tests.api.student_helpers import add_to_caseload, enroll
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
# Index each scoped search must use, per engine (SQLite names its primary-key indexes sqlite_autoindex_*):
# name words are probed per scoped student on (student_id, part).
EXPECTED_INDEX = {
    "partial name": ("ix_student_name_parts_student_part", "ix_student_name_parts_student_part"),
    "first/last narrowed": ("ix_student_name_parts_student_part", "ix_student_name_parts_student_part"),
    # Per scoped student, index-only on (student_id, ssid) (migration 0018).
    "partial ssid": ("ix_student_ssids_student_id_ssid", "ix_student_ssids_student_id_ssid"),
    "full ssid": ("student_ssids", "student_ssids"),
    "dob": ("caseload_entries", "caseload_entries"),  # the scope, read by index; the planner picks the join
    "name and dob": ("ix_student_name_parts_student_part", "ix_student_name_parts_student_part"),
    "exact name and dob": ("ix_student_name_parts_student_part", "ix_student_name_parts_student_part"),
}
# The exact lookup's candidates, by the indexes of the whole-database rule.
EXACT_CASES = {
    "exact name and dob": ({"first_name": "maria", "last_name": "garcia", "dob": "2011-05-06"},
                           "ix_students_birth_date_last_first"),
    "full ssid and last name": ({"ssid": "4000000123", "last_name": "garcia"}, ("student_ssids_1", "pk_student_ssids")),
    "full ssid and dob": ({"ssid": "4000000123", "dob": "2011-05-06"}, ("student_ssids_1", "pk_student_ssids")),
}
SQLITE_FULL_SCAN = re.compile(r"^SCAN (students|student_name_parts|ssid_grams|student_ssids|caseload_entries"
                              r"|dcfs_cases)\b")


def _county(scope_size: int = 10) -> Principal:
    """30 students, ``scope_size`` of them on one CSW's caseload; that CSW's principal."""
    csw = make_user("csw")
    for n in range(30):
        kid = make_student(legal_first_name=f"Maria{n}", legal_last_name=f"Garcia{n % 5}",
                           birth_date=dt.date(2011, 5, 1 + n % 20))
        if n < scope_size:
            add_to_caseload(csw, kid)
    db.session.commit()
    return Principal(user_id=csw.id, role="csw", sid="s", dcfs_employee_id=csw.dcfs_employee_id)


def _assert_indexed(plan: list[str], index) -> None:
    text = "\n".join(plan)
    sqlite_index, pg_index = index if isinstance(index, tuple) else (index, index)
    if db.engine.dialect.name == "postgresql":
        assert "Seq Scan" not in text, text
        assert pg_index is None or pg_index in text, text
    else:
        assert not any(SQLITE_FULL_SCAN.match(line) for line in plan), text
        assert sqlite_index is None or sqlite_index in text, text


@pytest.mark.parametrize("case", sorted(CASES))
def test_scoped_search_plan_uses_indexes(ctx, case):
    principal = _county()
    criteria = build_criteria(**CASES[case])
    plan = explain(search_statement(criteria, scoping.search_scope(principal)), scoping.access_params(principal))
    print(f"\n{case}:\n" + "\n".join(plan))  # visible with -s: the plan the benchmark also reports
    _assert_indexed(plan, EXPECTED_INDEX[case])
    db.session.rollback()


@pytest.mark.parametrize("case", sorted(EXACT_CASES))
def test_exact_lookup_plan_uses_indexes(ctx, case):
    _county()
    criteria, index = EXACT_CASES[case]
    criteria = build_criteria(**criteria)
    plan = explain(exact_lookup_statement(criteria))
    print(f"\n{case}:\n" + "\n".join(plan))
    _assert_indexed(plan, index)
    # Then the matches by their ids (never a scan).
    ids = [row.id for row in exact_matches(criteria, db.session.execute(exact_lookup_statement(criteria)).all())] or [1]
    _assert_indexed(explain(search_statement(criteria, Student.id.in_(ids))), (None, None))
    db.session.rollback()


def test_name_words_are_probed_per_scoped_student_not_walked_across_the_county(ctx):
    """The scope drives the plan; each word is a per-student probe (a SubPlan), never a hash join."""
    principal = _county()
    plan = "\n".join(explain(search_statement(build_criteria(name="mar gar"), scoping.search_scope(principal)),
                             scoping.access_params(principal)))
    if db.engine.dialect.name == "postgresql":
        assert "SubPlan" in plan and "Hash Join" not in plan, plan
    else:
        assert "CORRELATED" in plan, plan
    assert "ix_student_name_parts_active_walk" not in plan, plan
    db.session.rollback()


def test_a_partial_ssid_is_probed_per_scoped_student_never_across_the_county(ctx):
    """The scope drives the plan; each scoped student's own SSIDs are probed (a SubPlan), never a hash join."""
    principal = _county()
    plan = "\n".join(explain(search_statement(build_criteria(ssid="00001"), scoping.search_scope(principal)),
                             scoping.access_params(principal)))
    if db.engine.dialect.name == "postgresql":
        assert "SubPlan" in plan and "Hash Join" not in plan and "ssid_grams" not in plan, plan
    else:
        assert "CORRELATED" in plan and "ssid_grams" not in plan, plan
    db.session.rollback()


def test_search_costs_a_constant_number_of_statements(fixed_today, app, client, monkeypatch):
    with app.app_context():
        csw = make_user("csw")
        school = make_school()
        for n in range(50):
            kid = make_student(legal_first_name="Many", legal_last_name=f"Kid{n:02d}", birth_date=dt.date(2012, 1, 1))
            enroll(kid, school, dt.date(2026, 8, 12), grade="07")
            add_to_caseload(csw, kid)
        add_to_caseload(csw, make_student(legal_first_name="Solo", legal_last_name="Kid", birth_date=dt.date(2013, 1, 1)))
        # Out of scope: one and then five namesakes (same name and birth date), found by the exact lookup.
        for n in range(6):
            twin = make_student(legal_first_name="Twin" if n else "Single", legal_last_name="Kid",
                                birth_date=dt.date(2014, 1, 1))
            enroll(twin, school, dt.date(2026, 8, 12), grade="07")
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
        cost_many, statements[:] = len(statements), []
        single = client.post("/api/v1/students/search", json={"first_name": "Single", "last_name": "Kid",
                                                              "dob": "2014-01-01"}, headers=bearer(token))
        cost_single, statements[:] = len(statements), []
        twins = client.post("/api/v1/students/search", json={"first_name": "Twin", "last_name": "Kid",
                                                             "dob": "2014-01-01"}, headers=bearer(token))
        cost_twins = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert one.get_json()["count"] == 1 and many.get_json()["count"] == 50
    assert all(card["school_name"] for card in many.get_json()["results"])
    assert cost_many == cost_one, (cost_one, cost_many)
    assert single.get_json()["count"] == 1 and twins.get_json()["count"] == 5
    assert not any(card["in_scope"] for card in twins.get_json()["results"])
    assert cost_twins == cost_single, (cost_single, cost_twins)
