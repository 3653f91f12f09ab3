"""POST /api/v1/students/search: matching rules within the caller's scope, ranking, caps, hostile input.

Every student of the ``people`` fixture is in the CSW's scope (caseload adds, DCFS assignments),
so these tests exercise the matching rules; who can be found at all is tested in
``test_search_scope.py``.
"""
from __future__ import annotations

import datetime as dt

import pytest

from mobile_service.extensions import db
from tests.api.search_helpers import CARD_KEYS, search, ssids
from tests.api.student_helpers import add_to_caseload
from tests.factories import make_student

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
