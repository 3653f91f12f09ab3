"""POST /api/v1/students/search: matching rules within the caller's scope, ranking, caps, hostile input.

Every student of the ``people`` fixture is in the CSW's scope (caseload adds, DCFS assignments),
so these tests exercise the matching rules; who can be found at all is tested in
``test_search_scope.py``.
"""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from mobile_service import clock
from mobile_service.extensions import db
from mobile_service.models import FOSTER_INACTIVE
from tests.api.caseload_helpers import audit_rows, bearer, usage_rows
from tests.api.student_helpers import add_to_caseload, enroll
from tests.factories import app_token_for, make_case, make_school, make_student, make_user

URL = "/api/v1/students/search"
CARD_KEYS = {"student_key", "in_scope", "ssid", "legal_first_name", "legal_last_name", "birth_date", "school_name", "grade_level",
             "on_my_caseload"}


@pytest.fixture
def people(fixed_today, app, monkeypatch):
    """A CSW and a handful of foster youth with tricky names, SSIDs and statuses."""
    with app.app_context():
        csw = make_user("csw")
        school = make_school(name="Garey High")
        maria = make_student(ssid="1234567890", legal_first_name="María", legal_last_name="García",
                             birth_date=dt.date(2011, 5, 6))
        marcus = make_student(ssid="2234567890", legal_first_name="Marcus", legal_last_name="Garfield",
                              birth_date=dt.date(2010, 1, 2))
        cruz = make_student(ssid="3000000003", legal_first_name="José", legal_last_name="De La Cruz",
                            birth_date=dt.date(2012, 7, 8))
        jones = make_student(ssid="3000000004", legal_first_name="Jon", legal_last_name="Smith-Jones",
                             birth_date=dt.date(2013, 9, 10))
        bobby = make_student(ssid="3000000005", legal_first_name="Robert", legal_last_name="Lee",
                             alias_first_name="Bobby", alias_last_name="Leeson", birth_date=dt.date(2012, 2, 3))
        retired = make_student(ssid="5550001111", retired_ssids=("5559998888",), legal_first_name="Tomas",
                               legal_last_name="Reyes", birth_date=dt.date(2014, 4, 4))
        inactive = make_student(ssid="7770001111", legal_first_name="Inés", legal_last_name="Olvera",
                                alias_first_name="Nessa", birth_date=dt.date(2009, 12, 1),
                                foster_status=FOSTER_INACTIVE, case_type="KIN-GAP")
        mia = make_student(ssid="3000000006", legal_first_name="Mia", legal_last_name="Moreno",
                           birth_date=dt.date(2014, 8, 8))
        enroll(maria, school, dt.date(2026, 8, 12), grade="09")
        for kid in (maria, jones, bobby, retired, inactive, mia):
            add_to_caseload(csw, kid)
        make_case(cruz, csw)
        # Marcus: assigned in the DCFS feed (in scope) but removed from the caseload list.
        make_case(marcus, csw)
        add_to_caseload(csw, marcus, origin="feed", removed_at=clock.utcnow())
        db.session.commit()
        ns = SimpleNamespace(token=app_token_for(csw), csw_id=csw.id, csw=csw)
        for name, s in {"maria": maria, "marcus": marcus, "cruz": cruz, "jones": jones, "bobby": bobby, "retired": retired,
                            "inactive": inactive, "mia": mia}.items():
            setattr(ns, name, s.ssid)
        return ns


def search(client, token, **body):
    return client.post(URL, json=body, headers=bearer(token))


def ssids(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [card["ssid"] for card in response.get_json()["results"]]


# --- matching rules -----------------------------------------------------------------------------

def test_partial_ssid_matches_substring(client, people):
    assert ssids(search(client, people.token, ssid="4567")) == [people.maria, people.marcus]
    assert ssids(search(client, people.token, ssid="34567890")) == [people.maria, people.marcus]
    assert ssids(search(client, people.token, ssid="9999")) == []


def test_retired_ssid_matches_partially_and_exactly(client, people):
    assert ssids(search(client, people.token, ssid="99988")) == [people.retired]
    assert ssids(search(client, people.token, ssid="5559998888")) == [people.retired]


def test_full_ssid_is_exact(client, people):
    assert ssids(search(client, people.token, ssid="1234567890")) == [people.maria]


@pytest.mark.parametrize("name, expected", [
    ("mar gar", ["maria", "marcus"]),
    ("MARIA garcia", ["maria"]),
    ("maría garcía", ["maria"]),
    ("cruz", ["cruz"]),
    ("de la cruz", ["cruz"]),
    ("delacruz", ["cruz"]),
    ("jon", ["jones"]),
    ("smith-jones", ["jones"]),
    ("bobby", ["bobby"]),
    ("leeso", ["bobby"]),
])
def test_name_prefix_per_word_accent_and_case_insensitive(client, people, name, expected):
    assert ssids(search(client, people.token, name=name)) == [getattr(people, e) for e in expected]


def test_jon_finds_smith_jones_by_last_name_part(client, people):
    # "jon" is also Jon's first name; narrowed to last names it still finds the Smith-Jones part.
    assert ssids(search(client, people.token, last_name="jon")) == [people.jones]


def test_all_words_must_match(client, people):
    assert ssids(search(client, people.token, name="maria cruz")) == []


def test_first_and_last_name_narrow_fields(client, people):
    assert ssids(search(client, people.token, first_name="gar")) == []
    assert ssids(search(client, people.token, last_name="gar")) == [people.maria, people.marcus]
    assert ssids(search(client, people.token, first_name="mar", last_name="garc")) == [people.maria]
    assert ssids(search(client, people.token, first_name="bob")) == [people.bobby]  # alias first name
    assert ssids(search(client, people.token, last_name="bob")) == []


@pytest.mark.parametrize("dob", ["2011-05-06", "05/06/2011", "5/6/2011"])
def test_dob_both_formats(client, people, dob):
    assert ssids(search(client, people.token, dob=dob)) == [people.maria]


def test_criteria_combine_with_and(client, people):
    assert ssids(search(client, people.token, name="mar", dob="2010-01-02")) == [people.marcus]
    assert ssids(search(client, people.token, name="mar", ssid="1234")) == [people.maria]
    assert ssids(search(client, people.token, name="mar", ssid="3000")) == []


# --- the rule that answered --------------------------------------------------------------------

def test_inactive_students_in_scope_are_found_by_a_partial_search(client, people):
    # The scope is the authority: a student on my caseload stays findable when the case closes.
    for criteria in ({"name": "ines"}, {"ssid": "77700011"}, {"dob": "2009-12-01"},
                     {"first_name": "Ines", "last_name": "Olvera"}):
        response = search(client, people.token, **criteria)
        assert ssids(response) == [people.inactive], criteria
        assert response.get_json()["rule"] == "scope"


def test_exact_name_and_dob_is_the_exact_lookup(client, people):
    response = search(client, people.token, first_name="INÉS", last_name="olvera", dob="12/01/2009")
    assert ssids(response) == [people.inactive]
    assert response.get_json()["rule"] == "exact_lookup"
    # An alias first name counts as the exact first name.
    assert ssids(search(client, people.token, first_name="Nessa", last_name="Olvera", dob="2009-12-01")) == [
        people.inactive]


def test_full_ssid_alone_is_a_partial_search_with_last_name_or_dob_the_exact_lookup(client, people):
    response = search(client, people.token, ssid=people.inactive)
    assert ssids(response) == [people.inactive] and response.get_json()["rule"] == "scope"
    for extra in ({"last_name": "olvera"}, {"dob": "2009-12-01"}):
        response = search(client, people.token, ssid=people.inactive, **extra)
        assert ssids(response) == [people.inactive] and response.get_json()["rule"] == "exact_lookup", extra
    assert search(client, people.token, ssid="7770").get_json()["rule"] == "scope"


# --- ranking, cap, limit, result shape ----------------------------------------------------------

def test_exact_name_ranks_before_prefix(client, app, people):
    with app.app_context():
        # Alphabetically before García, but only a prefix match for "garcia maria".
        early = make_student(legal_first_name="Mariam", legal_last_name="Garciaz", birth_date=dt.date(2011, 1, 1))
        add_to_caseload(people.csw, early)
        db.session.commit()
        early_ssid = early.ssid
    assert ssids(search(client, people.token, name="garcia maria")) == [people.maria, early_ssid]


def test_exact_ssid_ranks_first(client, app, people):
    assert ssids(search(client, people.token, ssid="1234567890")) == [people.maria]


def test_stable_order_by_last_then_first_name(client, app, people):
    with app.app_context():
        made = [make_student(legal_first_name=f, legal_last_name=last, birth_date=dt.date(2015, 1, 1))
                for f, last in (("Zed", "Abbot"), ("Amy", "Abbot"), ("Bea", "Aaron"))]
        for kid in made:
            add_to_caseload(people.csw, kid)
        db.session.commit()
        expected = [made[2].ssid, made[1].ssid, made[0].ssid]
    assert ssids(search(client, people.token, dob="2015-01-01")) == expected


def test_limit_default_cap_and_over_cap(client, app, people):
    with app.app_context():
        for _ in range(60):
            add_to_caseload(people.csw, make_student(legal_first_name="Ana", legal_last_name="Many",
                                                     birth_date=dt.date(2016, 6, 6)))
        db.session.commit()
    body = search(client, people.token, dob="2016-06-06").get_json()
    assert body["count"] == 25 and body["limit"] == 25 and len(body["results"]) == 25
    assert len(ssids(search(client, people.token, dob="2016-06-06", limit=50))) == 50
    assert len(ssids(search(client, people.token, dob="2016-06-06", limit=3))) == 3
    for bad in (51, 0, -1, 10**30, "10", 2.5, "x", None):
        response = search(client, people.token, dob="2016-06-06", limit=bad)
        assert response.status_code == 422, bad
        assert "limit" in str(response.get_json()["errors"])


def test_results_are_identification_cards_only(client, people):
    body = search(client, people.token, name="maria").get_json()
    assert set(body) == {"results", "count", "limit", "rule"}
    [card] = body["results"]
    assert set(card) == CARD_KEYS
    assert len(card["student_key"]) == 22 and people.maria not in card["student_key"]
    assert card == {"student_key": card["student_key"], "in_scope": True,
                    "ssid": people.maria, "legal_first_name": "María", "legal_last_name": "García",
                    "birth_date": "2011-05-06", "school_name": "Garey High", "grade_level": "09",
                    "on_my_caseload": True}


def test_on_my_caseload_covers_adds_and_dcfs_assignments(client, people):
    cards = {c["ssid"]: c for c in search(client, people.token, dob="2012-07-08").get_json()["results"]}
    assert cards[people.cruz]["on_my_caseload"] is True  # DCFS assignment
    cards = {c["ssid"]: c for c in search(client, people.token, name="mar").get_json()["results"]}
    assert cards[people.maria]["on_my_caseload"] is True and cards[people.marcus]["on_my_caseload"] is False
    assert cards[people.marcus]["school_name"] is None and cards[people.marcus]["grade_level"] is None


# --- validation and hostile input ---------------------------------------------------------------

@pytest.mark.parametrize("body, field", [
    ({}, "_schema"),
    ({"limit": 5}, "_schema"),
    ({"ssid": "123"}, "ssid"),
    ({"ssid": "12345678901"}, "ssid"),
    ({"ssid": "12a4"}, "ssid"),
    ({"ssid": "12%4"}, "ssid"),
    ({"ssid": 1234}, "ssid"),
    ({"name": "a"}, "name"),
    ({"name": "maria g"}, "name"),
    ({"name": ""}, "name"),
    ({"name": "%"}, "name"),
    ({"name": "%%__\\\\''\"\""}, "name"),
    ({"name": "_"}, "name"),
    ({"name": "x" * 101}, "name"),
    ({"name": "x" * 10_000}, "name"),
    ({"first_name": "ma\tria"}, "first_name"),
    ({"last_name": "gar\x1bcia"}, "last_name"),
    ({"name": "maria\u202egarcia"}, "name"),
    ({"name": "\ud800ab"}, "name"),
    ({"name": "one two three four five six seven"}, "name"),
    ({"dob": "2011-13-01"}, "dob"),
    ({"dob": "2011-02-30"}, "dob"),
    ({"dob": "13/01/2011"}, "dob"),
    ({"dob": "20110506"}, "dob"),
    ({"dob": "1800-01-01"}, "dob"),
    ({"name": "maria", "role": "admin"}, "role"),
    ({"name": ["maria"]}, "name"),
])
def test_bad_input_is_422_with_field_errors(client, people, body, field):
    response = client.post(URL, json=body, headers=bearer(people.token))
    assert response.status_code == 422, response.get_json()
    problem = response.get_json()
    assert response.mimetype == "application/problem+json"
    assert field in problem["errors"]["json"]
    assert problem["request_id"] == response.headers["X-Request-ID"]


@pytest.mark.parametrize("name", ["ma%", "ma_", "ma\\", "ma'", 'ma"', "%ma", "m%a", "m_a", "ma%%%%"])
def test_wildcards_and_quotes_are_literal_text(client, people, name):
    # Folded away like in stored names: "ma%" is the word "ma", never a pattern such as "m%a".
    response = search(client, people.token, name=name)
    found = ssids(response)
    assert people.mia not in found  # "m%a" or "m_a" as a LIKE pattern would match Mia
    assert set(found) <= {people.maria, people.marcus}


def test_percent_does_not_widen_a_partial_ssid(client, people):
    assert search(client, people.token, ssid="%").status_code == 422
    assert search(client, people.token, ssid="12_4").status_code == 422


def test_nul_byte_never_reaches_the_database(client, people):
    response = client.post(URL, data='{"name": "ma\\u0000ria"}', content_type="application/json",
                           headers=bearer(people.token))
    assert response.status_code in (400, 422)
    assert response.mimetype == "application/problem+json"


def test_emoji_and_symbols_are_folded_away(client, people):
    assert ssids(search(client, people.token, name="maría 😀")) == [people.maria]
    assert search(client, people.token, name="😀😀").status_code == 422


def test_non_json_body_is_rejected(client, people):
    response = client.post(URL, data="name=maria", content_type="application/x-www-form-urlencoded",
                           headers=bearer(people.token))
    assert 400 <= response.status_code < 500


# --- access, audit, usage -----------------------------------------------------------------------

@pytest.mark.parametrize("role", ["pilot_coordinator", "admin"])
def test_coordinators_and_admins_cannot_search(client, app, role):
    with app.app_context():
        user = make_user(role)
        db.session.commit()
        token = app_token_for(user)
    response = search(client, token, name="maria")
    assert response.status_code == 403
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]


def test_search_requires_a_token(client):
    assert client.post(URL, json={"name": "maria"}).status_code == 401


def test_search_is_audited_by_criteria_kinds_only(client, app, people):
    response = client.post(URL, json={"first_name": "María", "last_name": "García", "dob": "2011-05-06"},
                           headers={**bearer(people.token), "X-App-Version": "1.4.0", "X-App-Platform": "iOS"})
    assert ssids(response) == [people.maria]
    [row] = audit_rows(app, "student.search")
    assert row.user_id == people.csw_id and row.role == "csw"
    assert row.details == {"criteria": ["first_name", "last_name", "dob"], "rule": "exact_lookup",
                           "result_count": 1, "full_cards": 1, "reduced_cards": 0}
    assert row.basis == "exact_lookup" and row.student_id is None and row.ssid is None
    assert row.endpoint == "POST /api/v1/students/search"
    assert row.request_id == response.headers["X-Request-ID"]
    blob = repr(row.details)
    assert "Mar" not in blob and "2011" not in blob
    [event] = usage_rows(app, "search")
    assert event.result_count == 1 and event.detail == "first_name,last_name,dob"
    assert event.app_version == "1.4.0" and event.platform == "ios"


def test_zero_result_search_is_audited_too(client, app, people):
    assert ssids(search(client, people.token, name="zz", ssid="0000")) == []
    [row] = audit_rows(app, "student.search")
    assert row.details == {"criteria": ["ssid", "name"], "rule": "scope", "result_count": 0,
                           "full_cards": 0, "reduced_cards": 0}
    assert row.basis == "search"


def test_invalid_search_is_not_audited(client, app, people):
    assert search(client, people.token, name="a").status_code == 422
    assert audit_rows(app, "student.search") == []


def test_names_never_reach_the_logs(client, people, caplog):
    caplog.set_level("DEBUG")
    search(client, people.token, first_name="Inés", last_name="Olvera", dob="2009-12-01")
    text = caplog.text
    assert "Olvera" not in text and "2009-12-01" not in text and "eyJ" not in text



def test_every_bad_field_is_reported_at_once(client, people):
    response = search(client, people.token, name="j", dob="2012-02-30", ssid="12", role="admin")
    assert response.status_code == 422
    assert set(response.get_json()["errors"]["json"]) == {"name", "dob", "ssid", "role"}
