"""Name search over the caller's scope: ranking, duplicates, AND of words, cost bounded by the scope."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import event

from mobile_service.extensions import db
from mobile_service.models import FOSTER_INACTIVE
from tests.api.caseload_helpers import bearer
from tests.factories import app_token_for, make_student, make_user

URL = "/api/v1/students/search"


def _world(app):
    """A CSW token and a function making students in (or, with ``mine=False``, outside) the scope.

    Callers take the ``fixed_today`` fixture.
    """
    with app.app_context():
        csw = make_user("csw")
        db.session.commit()
        token, csw_id = app_token_for(csw), csw.id

    def student(mine: bool = True, **values):
        kid = make_student(**values)
        if mine:
            _add(csw_id, kid)
        return kid
    return token, student


def _add(user_id: int, kid) -> None:
    from mobile_service.models import CaseloadEntry

    db.session.add(CaseloadEntry(user_id=user_id, student_id=kid.id, origin="added", added_reason="covering"))
    db.session.flush()


def _names(response) -> list[tuple[str, str]]:
    assert response.status_code == 200, response.get_json()
    return [(c["legal_first_name"], c["legal_last_name"]) for c in response.get_json()["results"]]


def test_exact_names_outrank_a_cap_full_of_earlier_prefixes(fixed_today, app, client, monkeypatch):
    token, student = _world(app)
    with app.app_context():
        for n in range(10):  # ten prefix matches whose last names sort first; the exact ones still lead
            student(legal_first_name="Anna", legal_last_name=f"Aaron{n}")
        for last in ("Zulu", "Young", "Xu"):
            student(legal_first_name="Ann", legal_last_name=last)
        db.session.commit()
    names = _names(client.post(URL, json={"name": "ann", "limit": 5}, headers=bearer(token)))
    assert names == [("Ann", "Xu"), ("Ann", "Young"), ("Ann", "Zulu"), ("Anna", "Aaron0"), ("Anna", "Aaron1")]


def test_prefix_matches_fill_the_cap_by_last_name_and_only_from_the_scope(fixed_today, app, client, monkeypatch):
    token, student = _world(app)
    with app.app_context():
        student(legal_first_name="Gabe", legal_last_name="Zamora")
        student(legal_first_name="Gaby", legal_last_name="Adams")
        student(legal_first_name="Gael", legal_last_name="Moss")
        student(legal_first_name="Gala", legal_last_name="Baker", foster_status=FOSTER_INACTIVE)  # mine, inactive
        student(mine=False, legal_first_name="Gaia", legal_last_name="Aaberg")  # somebody else's
        db.session.commit()
    names = _names(client.post(URL, json={"name": "ga", "limit": 2}, headers=bearer(token)))
    assert names == [("Gaby", "Adams"), ("Gala", "Baker")]
    every = _names(client.post(URL, json={"name": "ga"}, headers=bearer(token)))
    assert every == [("Gaby", "Adams"), ("Gala", "Baker"), ("Gael", "Moss"), ("Gabe", "Zamora")]


def test_a_student_matching_many_parts_appears_once(fixed_today, app, client, monkeypatch):
    token, student = _world(app)
    with app.app_context():
        student(legal_first_name="Maa Mab Mac", legal_last_name="Mad Mae Maf")
        student(legal_first_name="Mazz", legal_last_name="Other")
        db.session.commit()
    names = _names(client.post(URL, json={"name": "ma", "limit": 2}, headers=bearer(token)))
    assert names == [("Maa Mab Mac", "Mad Mae Maf"), ("Mazz", "Other")]


def test_every_word_must_match_in_its_field(fixed_today, app, client, monkeypatch):
    token, student = _world(app)
    with app.app_context():
        student(legal_first_name="María", legal_last_name="García")
        student(legal_first_name="Mario", legal_last_name="Lopez")
        student(legal_first_name="Garth", legal_last_name="Marsh", alias_first_name="Gus")
        db.session.commit()
    assert _names(client.post(URL, json={"name": "mar garc"}, headers=bearer(token))) == [("María", "García")]
    assert _names(client.post(URL, json={"first_name": "gar", "last_name": "mar"}, headers=bearer(token))) == [
        ("Garth", "Marsh")]
    assert _names(client.post(URL, json={"first_name": "mar", "last_name": "mar"}, headers=bearer(token))) == []
    assert _names(client.post(URL, json={"first_name": "gus"}, headers=bearer(token))) == [("Garth", "Marsh")]


def test_birth_dates_still_narrow_name_searches(fixed_today, app, client, monkeypatch):
    token, student = _world(app)
    with app.app_context():
        student(legal_first_name="Ana", legal_last_name="Ruiz", birth_date=dt.date(2012, 1, 1))
        student(legal_first_name="Ana", legal_last_name="Ruiz", birth_date=dt.date(2013, 1, 1))
        db.session.commit()
    response = client.post(URL, json={"name": "ana ruiz", "dob": "2013-01-01"}, headers=bearer(token))
    assert [c["birth_date"] for c in response.get_json()["results"]] == ["2013-01-01"]


def test_a_common_prefix_costs_the_same_whatever_the_county_holds(fixed_today, app, client, monkeypatch):
    """One statement per search shape: 200 out-of-scope "Ma..." students add no statement and no row."""
    token, student = _world(app)
    with app.app_context():
        student(legal_first_name="Mateo", legal_last_name="Cruz")
        db.session.commit()
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    def run() -> tuple[int, list]:
        statements.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            names = _names(client.post(URL, json={"name": "ma", "limit": 50}, headers=bearer(token)))
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(statements), names

    small = run()
    with app.app_context():
        for n in range(200):
            student(mine=False, legal_first_name=f"Ma{n:03d}", legal_last_name="County")
        db.session.commit()
    assert run() == small and small[1] == [("Mateo", "Cruz")]
