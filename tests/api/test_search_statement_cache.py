"""Issue 14: a search's statement is built once per shape and kind of caller; the values stay parameters.

A cached statement must never carry a value of the search that built it: the same shape with
other values finds other students, another caller's scope is never reused, and the SSID digits
cannot act as a LIKE pattern.
"""
from __future__ import annotations

import datetime as dt

from api.students import search_sql
from api.students.search import SearchCriteria, build_criteria
from auth.principal import Principal
from mobile_service import scoping
from mobile_service.extensions import db
from mobile_service.models import CaseloadEntry
from tests.api.caseload_helpers import bearer
from tests.factories import app_token_for, make_case, make_student, make_user

URL = "/api/v1/students/search"


def _ssids(response) -> set[str]:
    assert response.status_code == 200, response.get_json()
    return {card["ssid"] for card in response.get_json()["results"]}


def _names(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [card["legal_last_name"] for card in response.get_json()["results"]]


def test_one_shape_one_statement_and_each_search_finds_its_own_values(fixed_today, app, client):
    with app.app_context():
        csw = make_user("csw")
        kids = [make_student(ssid=ssid, legal_last_name=last, birth_date=dob) for ssid, last, dob in (
            ("4100000001", "Quintero", dt.date(2012, 1, 2)),
            ("4200000002", "Okafor", dt.date(2013, 3, 4)),
        )]
        for kid in kids:
            make_case(kid, csw)
        db.session.commit()
        headers = bearer(app_token_for(csw))
        principal = Principal(user_id=csw.id, role="csw", sid="s", dcfs_employee_id=csw.dcfs_employee_id)
        first = search_sql.visible_search(principal, build_criteria(ssid="41000"))[0]
        again = search_sql.visible_search(principal, build_criteria(ssid="42000"))[0]
        assert first is again  # built once for the shape
    assert _ssids(client.post(URL, json={"ssid": "41000"}, headers=headers)) == {"4100000001"}
    assert _ssids(client.post(URL, json={"ssid": "42000"}, headers=headers)) == {"4200000002"}
    assert _names(client.post(URL, json={"name": "quin"}, headers=headers)) == ["Quintero"]
    assert _names(client.post(URL, json={"name": "oka"}, headers=headers)) == ["Okafor"]
    assert _names(client.post(URL, json={"dob": "2013-03-04"}, headers=headers)) == ["Okafor"]
    assert _names(client.post(URL, json={"dob": "2012-01-02"}, headers=headers)) == ["Quintero"]
    assert _names(client.post(URL, json={"name": "quin", "limit": 1}, headers=headers)) == ["Quintero"]
    assert _names(client.post(URL, json={"name": "quin oka"}, headers=headers)) == []  # every word must match
    assert _names(client.post(URL, json={"name": "oka quin"}, headers=headers)) == []


def test_a_cached_statement_never_reuses_another_callers_scope(fixed_today, app, client):
    with app.app_context():
        worker, other, scsw = make_user("csw"), make_user("csw"), make_user("scsw")
        theirs = make_student(ssid="4300000003", legal_last_name="Vasquez")
        make_case(theirs, other)
        mine = make_student(ssid="4300000004", legal_last_name="Vasquez")
        db.session.add(CaseloadEntry(user_id=worker.id, student_id=mine.id, origin="added", added_reason="covering"))
        db.session.commit()
        tokens = {name: bearer(app_token_for(user)) for name, user in
                  (("worker", worker), ("other", other), ("scsw", scsw))}
        kinds = {scoping.student_access(Principal(user_id=u.id, role=u.role, sid="s", dcfs_employee_id=u.dcfs_employee_id))
                 for u in (worker, other, scsw)}
        assert len(kinds) == 2  # the two CSWs share one kind of access; the SCSW's is another
    for _ in range(2):  # the second round runs on the cached statements
        assert _ssids(client.post(URL, json={"ssid": "43000"}, headers=tokens["worker"])) == {"4300000004"}
        assert _ssids(client.post(URL, json={"ssid": "43000"}, headers=tokens["other"])) == {"4300000003"}
        assert _ssids(client.post(URL, json={"ssid": "43000"}, headers=tokens["scsw"])) == set()
        assert _ssids(client.post(URL, json={"name": "vasq"}, headers=tokens["other"])) == {"4300000003"}


def test_the_exact_lookup_binds_its_names_and_date_per_search(fixed_today, app, client):
    with app.app_context():
        csw = make_user("csw")
        a = make_student(legal_first_name="Rosa", legal_last_name="Delgado", birth_date=dt.date(2011, 6, 7))
        b = make_student(legal_first_name="Omar", legal_last_name="Haddad", birth_date=dt.date(2010, 8, 9))
        db.session.commit()
        headers, keys = bearer(app_token_for(csw)), {a.student_key, b.student_key}
    found = []
    for first, last, dob in (("Rosa", "Delgado", "2011-06-07"), ("Omar", "Haddad", "2010-08-09"),
                             ("Omar", "Haddad", "2011-06-07")):
        response = client.post(URL, json={"first_name": first, "last_name": last, "dob": dob}, headers=headers)
        assert response.status_code == 200, response.get_json()
        found.append([card["student_key"] for card in response.get_json()["results"]])
    assert [len(f) for f in found] == [1, 1, 0]
    assert found[0] != found[1] and set(found[0] + found[1]) == keys


def test_ssid_values_are_escaped_for_like():
    params = search_sql.statement_params(SearchCriteria(ssid="12%4_/"))
    assert params["search_ssid_like"] == "12/%4/_//"
    assert params["search_ssid"] == "12%4_/"  # the exact comparison of a full SSID needs no escape
