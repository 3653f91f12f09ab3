"""Who a search can find (issue 11): the caller's scope, plus the EPS exact lookup as reduced cards.

Reproduces the measured leak first: two-letter name searches listed students of the whole county
(name, DOB, SSID, school). Now a partial search sees only the caller's scope; a student outside
it appears only through the exact lookup (first + last name + DOB, or a full SSID with the last
name or the DOB), as a reduced card.
"""
from __future__ import annotations

import datetime as dt
import itertools
import string
from types import SimpleNamespace

import pytest

from mobile_service.extensions import db
from mobile_service.models import FOSTER_INACTIVE
from tests.api.caseload_helpers import audit_rows, bearer
from tests.api.student_helpers import add_to_caseload, enroll
from tests.factories import app_token_for, make_case, make_school, make_student, make_supervision, make_user

URL = "/api/v1/students/search"
REDUCED_KEYS = {"student_key", "in_scope", "legal_first_name", "legal_last_name", "birth_date", "school_name"}
FULL_KEYS = REDUCED_KEYS | {"ssid", "grade_level", "on_my_caseload"}
FIRST = ("Maria", "Mateo", "Marcus", "Ana", "Andres", "Sofia", "Diego", "Camila", "Lucas", "Elena")
LAST = ("Martinez", "Garcia", "Hernandez", "Lopez", "Gonzalez", "Ramirez", "Torres", "Flores")


@pytest.fixture
def county(fixed_today, app, monkeypatch):
    """Two CSWs with small, disjoint caseloads in a county of 80 foster youth, an SCSW over one."""
    with app.app_context():
        carla, pablo, sofia, ines = make_user("csw"), make_user("csw"), make_user("scsw"), make_user("csw")
        make_supervision(sofia, carla)
        school = make_school(name="Garey High", district_name="Pomona Unified")
        kids = []
        for n, (first, last) in enumerate(itertools.product(FIRST, LAST)):
            kid = make_student(legal_first_name=first, legal_last_name=last, birth_date=dt.date(2010, 1, 1 + n % 28))
            enroll(kid, school, dt.date(2026, 8, 12), grade="08")
            kids.append(kid)
        carla_kids, pablo_kids = kids[:4], kids[4:7]
        for kid in carla_kids[:2]:
            make_case(kid, carla)
        for kid in carla_kids[2:]:
            add_to_caseload(carla, kid)
        for kid in pablo_kids:
            make_case(kid, pablo)
        outsider = make_student(ssid="4999000111", legal_first_name="Valeria", legal_last_name="Quintero",
                                alias_last_name="Quin", birth_date=dt.date(2011, 2, 3), retired_ssids=("4999000222",))
        enroll(outsider, school, dt.date(2026, 8, 12), grade="09")
        closed = make_student(ssid="4999000333", legal_first_name="Rosa", legal_last_name="Villa",
                              birth_date=dt.date(2008, 6, 7), foster_status=FOSTER_INACTIVE, case_type="KIN-GAP")
        db.session.commit()
        ns = SimpleNamespace(
            tokens={name: app_token_for(u) for name, u in
                    {"carla": carla, "pablo": pablo, "sofia": sofia, "ines": ines}.items()},
            carla={k.student_key for k in carla_kids}, pablo={k.student_key for k in pablo_kids},
            every_key={k.student_key for k in kids}, every_ssid={k.ssid for k in kids},
            carla_first=(carla_kids[0].legal_first_name, carla_kids[0].legal_last_name,
                         carla_kids[0].birth_date.isoformat(), carla_kids[0].ssid, carla_kids[0].student_key),
            outsider=SimpleNamespace(key=outsider.student_key, ssid=outsider.ssid),
            closed=SimpleNamespace(key=closed.student_key, ssid=closed.ssid),
        )
        return ns


def search(client, token, **body):
    response = client.post(URL, json=body, headers=bearer(token))
    assert response.status_code == 200, response.get_json()
    assert response.headers["Cache-Control"] == "private, no-store"
    return response.get_json()


def keys(body) -> set[str]:
    return {card["student_key"] for card in body["results"]}


def test_two_letter_searches_no_longer_list_the_county(client, county):
    """The measured leak: every two-letter prefix of the county's names, 50 results each."""
    # 58 two-letter searches, as measured: the county's own name starts, then "a?" and "m?" ones.
    starts = sorted({name[:2].lower() for name in FIRST + LAST})
    prefixes = (starts + [a + b for a, b in itertools.product("am", string.ascii_lowercase)
                          if a + b not in starts])[:58]
    assert len(prefixes) == 58
    seen: set[str] = set()
    for prefix in prefixes:
        body = search(client, county.tokens["carla"], name=prefix, limit=50)
        assert body["rule"] == "scope"
        seen |= keys(body)
    assert seen == county.carla  # before the fix: 80 students, SSIDs and schools included


def test_the_same_query_by_two_csws_returns_disjoint_in_scope_sets(client, county):
    for criteria in ({"name": "ma"}, {"name": "ga"}, {"dob": "2010-01-01"}, {"ssid": "4000"}):
        carla = keys(search(client, county.tokens["carla"], limit=50, **criteria))
        pablo = keys(search(client, county.tokens["pablo"], limit=50, **criteria))
        assert carla <= county.carla and pablo <= county.pablo and not carla & pablo, criteria
    assert keys(search(client, county.tokens["carla"], dob="2010-01-01", limit=50))  # the query does match


def test_scsw_partial_search_adds_active_supervisees_scope(client, county):
    sofia = keys(search(client, county.tokens["sofia"], ssid="4000", limit=50))
    assert sofia == county.carla
    assert keys(search(client, county.tokens["ines"], ssid="4000", limit=50)) == set()


def test_full_ssid_alone_outside_scope_finds_nothing(client, county):
    for ssid in (county.outsider.ssid, "4999000222", county.closed.ssid):
        body = search(client, county.tokens["carla"], ssid=ssid)
        assert body == {"results": [], "count": 0, "limit": 25, "rule": "scope"}


@pytest.mark.parametrize("extra", [{"last_name": "Quintero"}, {"last_name": "QUIN"}, {"dob": "2011-02-03"},
                                   {"dob": "02/03/2011", "last_name": "quintero"}])
@pytest.mark.parametrize("ssid", ["4999000111", "4999000222"])  # current and retired SSID
def test_full_ssid_with_last_name_or_dob_finds_a_reduced_card(client, app, county, extra, ssid):
    body = search(client, county.tokens["carla"], ssid=ssid, **extra)
    assert body["rule"] == "exact_lookup" and body["count"] == 1
    [card] = body["results"]
    assert set(card) == REDUCED_KEYS
    assert card == {"student_key": county.outsider.key, "in_scope": False, "legal_first_name": "Valeria",
                    "legal_last_name": "Quintero", "birth_date": "2011-02-03", "school_name": "Garey High"}
    [row] = audit_rows(app, "student.search")
    assert row.basis == "exact_lookup" and row.student_id is None and row.ssid is None
    assert row.details["rule"] == "exact_lookup"
    assert (row.details["result_count"], row.details["full_cards"], row.details["reduced_cards"]) == (1, 0, 1)


@pytest.mark.parametrize("extra", [{"last_name": "Quinter"}, {"last_name": "Garcia"}, {"dob": "2011-02-04"},
                                   {"name": "valeria"}, {"first_name": "Valeria"}])
def test_full_ssid_with_a_wrong_or_partial_companion_finds_nothing(client, county, extra):
    body = search(client, county.tokens["carla"], ssid=county.outsider.ssid, **extra)
    assert body["results"] == []


def test_exact_name_and_dob_finds_a_reduced_card_never_a_partial_one(client, county):
    body = search(client, county.tokens["carla"], first_name="valeria", last_name="QUINTERO", dob="2011-02-03")
    assert body["rule"] == "exact_lookup"
    assert [c["student_key"] for c in body["results"]] == [county.outsider.key]
    assert set(body["results"][0]) == REDUCED_KEYS
    # Anything short of the exact lookup: nothing outside the scope.
    for criteria in ({"first_name": "valeria", "last_name": "quintero"}, {"name": "valeria quintero"},
                     {"first_name": "valer", "last_name": "quintero", "dob": "2011-02-03"},
                     {"dob": "2011-02-03"}, {"ssid": "49990001"}):
        assert search(client, county.tokens["carla"], **criteria)["results"] == [], criteria


def test_inactive_students_are_found_by_the_exact_lookup_only(client, county):
    token = county.tokens["carla"]
    body = search(client, token, first_name="Rosa", last_name="Villa", dob="2008-06-07")
    assert [(c["student_key"], c["in_scope"], c["school_name"]) for c in body["results"]] == [
        (county.closed.key, False, None)]
    assert keys(search(client, token, ssid=county.closed.ssid, dob="2008-06-07")) == {county.closed.key}
    assert search(client, token, name="rosa villa")["results"] == []


def test_mixed_results_full_in_scope_and_reduced_outside(client, app, county):
    first, last, dob, ssid, key = county.carla_first
    carla = search(client, county.tokens["carla"], first_name=first, last_name=last, dob=dob)
    pablo = search(client, county.tokens["pablo"], first_name=first, last_name=last, dob=dob)
    [mine], [theirs] = carla["results"], pablo["results"]
    assert mine["student_key"] == theirs["student_key"] == key
    assert set(mine) == FULL_KEYS and mine["ssid"] == ssid and mine["in_scope"] and mine["on_my_caseload"]
    assert set(theirs) == REDUCED_KEYS and not theirs["in_scope"]
    # No SSID, grade or district anywhere in the reduced answer.
    text = repr(pablo)
    assert ssid not in text and "Pomona" not in text
    rows = audit_rows(app, "student.search")
    assert [(r.details["full_cards"], r.details["reduced_cards"]) for r in rows] == [(1, 0), (0, 1)]


def test_a_reduced_card_opens_nothing_until_added_with_a_reason(client, county):
    token = county.tokens["carla"]
    [card] = search(client, token, first_name="Valeria", last_name="Quintero", dob="2011-02-03")["results"]
    record = client.get(f"/api/v1/students/{card['student_key']}", headers=bearer(token))
    assert record.status_code == 404
    missing = client.post("/api/v1/caseload", json={"student_key": card["student_key"]}, headers=bearer(token))
    assert missing.status_code == 422 and "reason" in missing.get_json()["errors"]["json"]
    added = client.post("/api/v1/caseload", json={"student_key": card["student_key"], "reason": "new case"},
                        headers=bearer(token))
    assert added.status_code == 201 and added.get_json()["student_key"] == card["student_key"]
    assert added.headers["Cache-Control"] == "private, no-store"
    assert client.get(f"/api/v1/students/{card['student_key']}", headers=bearer(token)).status_code == 200
    # Now in scope: a partial search finds the student, as a full card.
    [full] = search(client, token, name="valeria")["results"]
    assert full["in_scope"] and full["ssid"] == county.outsider.ssid


def test_caseload_add_refuses_an_ssid_body(client, county):
    response = client.post("/api/v1/caseload", json={"ssid": county.outsider.ssid, "reason": "xyz"},
                           headers=bearer(county.tokens["carla"]))
    assert response.status_code == 422
    assert set(response.get_json()["errors"]["json"]) == {"ssid", "student_key"}


def test_keys_are_random_unique_and_not_derived_from_the_ssid(county):
    assert len(county.every_key) == 80
    for key in county.every_key:
        assert len(key) == 22 and not any(ssid[-6:] in key for ssid in county.every_ssid)
