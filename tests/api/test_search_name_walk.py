"""Name-only search walks the name index up to the cap: ranking, duplicates and refetches hold."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import event

from api.students.name_walk import split_words
from api.students.search import NAME_FIELDS, build_criteria, explain
from mobile_service.extensions import db
from mobile_service.models import FOSTER_INACTIVE
from tests.api.student_helpers import bearer, fix_today
from tests.factories import app_token_for, make_student, make_user

URL = "/api/v1/students/search"


def _token(app, monkeypatch) -> str:
    fix_today(monkeypatch)
    with app.app_context():
        token = app_token_for(make_user("csw"))
        db.session.commit()
    return token


def _names(response) -> list[tuple[str, str]]:
    assert response.status_code == 200, response.get_json()
    return [(c["legal_first_name"], c["legal_last_name"]) for c in response.get_json()["results"]]


def test_exact_names_outrank_a_cap_full_of_earlier_prefixes(app, client, monkeypatch):
    token = _token(app, monkeypatch)
    with app.app_context():
        for n in range(10):  # ten prefix matches whose last names sort first; the exact ones still lead
            make_student(legal_first_name="Anna", legal_last_name=f"Aaron{n}")
        for last in ("Zulu", "Young", "Xu"):
            make_student(legal_first_name="Ann", legal_last_name=last)
        db.session.commit()
    names = _names(client.post(URL, json={"name": "ann", "limit": 5}, headers=bearer(token)))
    assert names == [("Ann", "Xu"), ("Ann", "Young"), ("Ann", "Zulu"), ("Anna", "Aaron0"), ("Anna", "Aaron1")]


def test_prefix_matches_fill_the_cap_in_name_index_order_then_display_by_last_name(app, client, monkeypatch):
    token = _token(app, monkeypatch)
    with app.app_context():
        make_student(legal_first_name="Gabe", legal_last_name="Zamora")
        make_student(legal_first_name="Gaby", legal_last_name="Adams")
        make_student(legal_first_name="Gael", legal_last_name="Moss")
        make_student(legal_first_name="Gala", legal_last_name="Baker", foster_status=FOSTER_INACTIVE)
        db.session.commit()
    names = _names(client.post(URL, json={"name": "ga", "limit": 2}, headers=bearer(token)))
    # The cap keeps the two alphabetically first matching parts (gabe, gaby); inactive never shows.
    assert names == [("Gaby", "Adams"), ("Gabe", "Zamora")]
    every = _names(client.post(URL, json={"name": "ga"}, headers=bearer(token)))
    assert every == [("Gaby", "Adams"), ("Gael", "Moss"), ("Gabe", "Zamora")]


def test_a_student_matching_many_parts_appears_once_and_the_walk_reads_on(app, client, monkeypatch):
    token = _token(app, monkeypatch)
    with app.app_context():
        # Six parts starting "ma": the first 2 x 3 walked rows all belong to this one student.
        make_student(legal_first_name="Maa Mab Mac", legal_last_name="Mad Mae Maf")
        make_student(legal_first_name="Mazz", legal_last_name="Other")
        db.session.commit()
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        names = _names(client.post(URL, json={"name": "ma", "limit": 2}, headers=bearer(token)))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert names == [("Maa Mab Mac", "Mad Mae Maf"), ("Mazz", "Other")]
    walks = [s for s in statements if "student_name_parts" in s and "LIMIT" in s.upper()]
    assert len(walks) == 3  # exact walk, prefix walk, one longer prefix walk


def test_every_word_must_match_and_the_longest_word_drives(app, client, monkeypatch):
    token = _token(app, monkeypatch)
    with app.app_context():
        make_student(legal_first_name="María", legal_last_name="García")
        make_student(legal_first_name="Mario", legal_last_name="Lopez")
        make_student(legal_first_name="Garth", legal_last_name="Marsh", alias_first_name="Gus")
        db.session.commit()
    names = _names(client.post(URL, json={"name": "mar garc"}, headers=bearer(token)))
    assert names == [("María", "García")]
    assert _names(client.post(URL, json={"first_name": "gar", "last_name": "mar"}, headers=bearer(token))) == [
        ("Garth", "Marsh")]
    assert _names(client.post(URL, json={"first_name": "mar", "last_name": "mar"}, headers=bearer(token))) == []
    assert split_words({"name": ("mar", "garc")}, NAME_FIELDS) == (("garc", NAME_FIELDS["name"]),
                                                                  [("mar", NAME_FIELDS["name"])])
    # Equal lengths: the narrower field set (fewer index entries) drives.
    assert split_words({"name": ("gar",), "last_name": ("mar",)}, NAME_FIELDS)[0] == ("mar", NAME_FIELDS["last_name"])


def test_birth_dates_still_narrow_name_searches(app, client, monkeypatch):
    token = _token(app, monkeypatch)
    with app.app_context():
        make_student(legal_first_name="Ana", legal_last_name="Ruiz", birth_date=dt.date(2012, 1, 1))
        make_student(legal_first_name="Ana", legal_last_name="Ruiz", birth_date=dt.date(2013, 1, 1))
        db.session.commit()
    response = client.post(URL, json={"name": "ana ruiz", "dob": "2013-01-01"}, headers=bearer(token))
    assert [c["birth_date"] for c in response.get_json()["results"]] == ["2013-01-01"]


def test_other_words_are_probed_per_student_not_hash_joined(ctx):
    """The plan walks the driving word's index range and probes the others per walked row."""
    for n in range(30):
        make_student(legal_first_name=f"Maria{n}", legal_last_name=f"Garcia{n % 5}")
    db.session.commit()
    plan = "\n".join(explain(build_criteria(name="mar gar")))
    if db.engine.dialect.name == "postgresql":
        assert "SubPlan" in plan and "Hash Join" not in plan and "Semi Join" not in plan and "Sort" not in plan, plan
    else:
        assert "CORRELATED SCALAR SUBQUERY" in plan or "CORRELATED" in plan, plan
    # The walk reads only active students' parts (the partial index), the probe the per-student index.
    assert "ix_student_name_parts_active_walk" in plan and "ix_student_name_parts_student_part" in plan, plan
    db.session.rollback()
