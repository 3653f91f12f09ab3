"""POST /api/v1/students/search: hostile input, who may search, and what is audited and logged.

Every student of the ``people`` fixture is in the CSW's scope (caseload adds, DCFS assignments),
so these tests exercise the matching rules; who can be found at all is tested in
``test_search_scope.py``.
"""
from __future__ import annotations

import pytest

from mobile_service.extensions import db
from tests.api.caseload_helpers import audit_rows, bearer, usage_rows
from tests.api.search_helpers import URL, search, ssids
from tests.factories import app_token_for, make_user

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
