"""Who may read which student record: role x relationship x route (search included), one identical 404, audit rows."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from mobile_service import audit as audit_module
from mobile_service import usage as usage_module
from mobile_service.extensions import db
from mobile_service.models import new_student_key
from tests.api.caseload_helpers import audit_rows, bearer, usage_rows
from tests.api.student_helpers import ROUTE_ACTIONS, STUDENT_ROUTES, add_to_caseload
from tests.factories import app_token_for, make_case, make_student, make_supervision, make_user

BASE = "/api/v1/students/"


@pytest.fixture
def world(fixed_today, app, monkeypatch):
    """Workers, supervisors and students in every relationship the matrix needs."""
    with app.app_context():
        csw, peer = make_user("csw"), make_user("csw")
        scsw, ex_scsw, other_scsw = make_user("scsw"), make_user("scsw"), make_user("scsw")
        coordinator, admin = make_user("pilot_coordinator"), make_user("admin")
        make_supervision(scsw, csw)
        make_supervision(ex_scsw, csw, start_date=dt.date(2024, 1, 1), end_date=dt.date(2026, 6, 30))
        make_supervision(other_scsw, peer)
        added = make_student(retired_ssids=("6660001234",))
        assigned, removed, peers, closed, reassigned = (make_student() for _ in range(5))
        add_to_caseload(csw, added)
        make_case(assigned, csw)
        from mobile_service import clock

        add_to_caseload(csw, removed, removed_at=clock.utcnow(), removed_reason="case transferred")
        make_case(peers, peer)
        make_case(closed, csw, case_status="closed")
        make_case(reassigned, csw, assignment_end=dt.date(2026, 9, 30))  # reassigned away before today
        make_case(reassigned, peer, assignment_start=dt.date(2026, 10, 1))
        db.session.commit()
        users = {"csw": csw, "peer": peer, "scsw": scsw, "ex_scsw": ex_scsw, "other_scsw": other_scsw,
                     "coordinator": coordinator, "admin": admin}
        ns = SimpleNamespace(tokens={name: app_token_for(u) for name, u in users.items()},
                             ids={name: u.id for name, u in users.items()})
        ns.students = {name: s.ssid for name, s in {"added": added, "assigned": assigned, "removed": removed,
                                                        "peers": peers, "closed": closed, "reassigned": reassigned}.items()}
        ns.keys = {name: s.student_key for name, s in {"added": added, "assigned": assigned, "removed": removed,
                                                         "peers": peers, "closed": closed,
                                                         "reassigned": reassigned}.items()}
        ns.student_ids = {name: s.id for name, s in {"added": added, "assigned": assigned}.items()}
        ns.students["missing"] = "9999999999"
        ns.keys["missing"] = new_student_key()
        return ns


# actor -> student -> expected basis (absent: 404)
EXPECTED = {
    "csw": {"added": "caseload", "assigned": "dcfs_assignment"},
    "peer": {"peers": "dcfs_assignment", "reassigned": "dcfs_assignment"},
    "scsw": {"added": "supervision", "assigned": "supervision"},
    "ex_scsw": {},
    "other_scsw": {"peers": "supervision", "reassigned": "supervision"},
}
STUDENTS = ("added", "assigned", "removed", "peers", "closed", "reassigned", "missing")


def _problem_without_request_id(response) -> dict:
    body = dict(response.get_json())
    body.pop("request_id")
    return body


@pytest.mark.parametrize("route", STUDENT_ROUTES)
@pytest.mark.parametrize("actor", sorted(EXPECTED))
def test_role_relationship_matrix(client, app, world, actor, route):
    not_found_bodies = []
    for student in STUDENTS:
        response = client.get(BASE + world.keys[student] + route, headers=bearer(world.tokens[actor]))
        basis = EXPECTED[actor].get(student)
        if basis:
            assert response.status_code == 200, (actor, student, route)
            assert response.headers["Cache-Control"] == "private, no-store"
            if route == "/brief":  # the brief names the student by key only (no SSID at the door)
                assert response.get_json()["student_key"] == world.keys[student]
            else:
                assert response.get_json()["ssid"] == world.students[student]
            if route == "":
                assert response.get_json()["access_basis"] == basis
        else:
            assert response.status_code == 404, (actor, student, route)
            assert response.mimetype == "application/problem+json"
            assert response.headers["X-Request-ID"] == response.get_json()["request_id"]
            not_found_bodies.append(_problem_without_request_id(response))
    # "Not yours" and "does not exist" are indistinguishable.
    assert all(body == not_found_bodies[0] for body in not_found_bodies)
    # Exactly one audit row per disclosure, none for refusals.
    rows = audit_rows(app)
    assert len(rows) == len(EXPECTED[actor])
    assert {r.action for r in rows} <= {ROUTE_ACTIONS[route]}
    assert {(r.ssid, r.basis) for r in rows} == {(world.students[s], b) for s, b in EXPECTED[actor].items()}
    assert all(r.user_id == world.ids[actor] for r in rows)


@pytest.mark.parametrize("actor", sorted(EXPECTED))
def test_search_scope_matrix(client, app, world, actor):
    """A partial search finds exactly the students the actor may read, by the same relationships."""
    # Every student of the world shares the default birth date: a birth date alone is partial.
    response = client.post(BASE + "search", json={"dob": "2012-03-04", "limit": 50},
                           headers=bearer(world.tokens[actor]))
    assert response.status_code == 200 and response.get_json()["rule"] == "scope"
    assert response.headers["Cache-Control"] == "private, no-store"
    found = {card["student_key"] for card in response.get_json()["results"]}
    assert found == {world.keys[s] for s in EXPECTED[actor]}, actor
    assert all(card["in_scope"] for card in response.get_json()["results"])
    [row] = audit_rows(app, "student.search")
    assert row.details["rule"] == "scope" and row.details["full_cards"] == len(EXPECTED[actor])


@pytest.mark.parametrize("route", STUDENT_ROUTES)
@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_coordinators_and_admins_get_403_on_every_student_route(client, world, role, route):
    response = client.get(BASE + world.keys["added"] + route, headers=bearer(world.tokens[role]))
    assert response.status_code == 403
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]


@pytest.mark.parametrize("route", STUDENT_ROUTES)
def test_no_token_is_401(client, world, route):
    response = client.get(BASE + world.keys["added"] + route)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("route", STUDENT_ROUTES)
@pytest.mark.parametrize("key", ["123", "abcdefghij", "q3Vd9fK2LmX0aB7cR1sT4", "q3Vd9fK2LmX0aB7cR1sT4wx",
                                 "q3Vd9fK2LmX0aB7cR1sT4%21", "%25%25", "1" * 400, "9999999999",
                                 "99999999999999999999999999999"])
def test_malformed_key_is_the_same_404(client, world, route, key):
    response = client.get(BASE + key + route, headers=bearer(world.tokens["csw"]))
    assert response.status_code == 404
    missing = client.get(BASE + world.keys["missing"] + route, headers=bearer(world.tokens["csw"]))
    assert missing.status_code == 404
    assert _problem_without_request_id(response) == _problem_without_request_id(missing)


@pytest.mark.parametrize("route", STUDENT_ROUTES)
def test_ssid_paths_are_gone(client, app, world, route):
    """The old SSID paths answer the one 404, even for the caller's own student (current or retired SSID)."""
    for ssid in (world.students["added"], "6660001234"):
        response = client.get(BASE + ssid + route, headers=bearer(world.tokens["csw"]))
        assert response.status_code == 404
    assert audit_rows(app) == []


def test_record_carries_the_ssid_in_the_body_only(client, app, world):
    response = client.get(BASE + world.keys["added"], headers=bearer(world.tokens["csw"]))
    assert response.status_code == 200
    body = response.get_json()
    assert body["ssid"] == world.students["added"] and body["retired_ssids"] == ["6660001234"]
    [row] = audit_rows(app, "student.view")
    assert row.ssid == world.students["added"] and row.student_id == world.student_ids["added"]


def test_access_changes_apply_on_the_next_request(client, app, world):
    url = BASE + world.keys["added"]
    assert client.get(url, headers=bearer(world.tokens["csw"])).status_code == 200
    with app.app_context():
        from mobile_service import clock
        from mobile_service.models import CaseloadEntry

        entry = db.session.execute(db.select(CaseloadEntry).where(
            CaseloadEntry.student_id == world.student_ids["added"])).scalar_one()
        entry.removed_at = clock.utcnow()
        db.session.commit()
    assert client.get(url, headers=bearer(world.tokens["csw"])).status_code == 404


@pytest.mark.parametrize("route", STUDENT_ROUTES)
def test_audit_and_usage_per_view(client, app, world, route):
    response = client.get(BASE + world.keys["assigned"] + route,
                          headers={**bearer(world.tokens["csw"]), "X-App-Platform": "android"})
    assert response.status_code == 200
    [row] = audit_rows(app)
    assert row.action == ROUTE_ACTIONS[route] and row.basis == "dcfs_assignment"
    assert row.student_id == world.student_ids["assigned"] and row.ssid == world.students["assigned"]
    assert row.role == "csw" and row.request_id == response.headers["X-Request-ID"]
    assert row.endpoint == "GET /api/v1/students/<student_key>" + route
    [event] = usage_rows(app, "record_view")
    tab = {"": "demographics", "/enrollments": "enrollments", "/attendance": "attendance",
           "/progress-reports": "progress_reports", "/brief": "brief"}[route]
    assert event.detail == tab and event.platform == "android"
    assert world.students["assigned"] not in repr(vars(event)) and world.keys["assigned"] not in repr(vars(event))


@pytest.mark.parametrize("route", STUDENT_ROUTES)
def test_audit_failure_discloses_nothing(client, app, world, route, monkeypatch):
    real_row = audit_module.event_row

    def broken_row(principal, *args, **kwargs):
        # No such user: the audit INSERT fails (foreign key), as a full disk or lost database would.
        # Every audit writer builds its row here (SQLite's INSERT and PostgreSQL's one statement).
        return real_row(SimpleNamespace(user_id=987654321, role=principal.role), *args, **kwargs)

    monkeypatch.setattr(audit_module, "event_row", broken_row)
    response = client.get(BASE + world.keys["assigned"] + route, headers=bearer(world.tokens["csw"]))
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert world.students["assigned"] not in response.get_data(as_text=True)
    assert audit_rows(app) == []


def test_search_audit_failure_discloses_nothing(client, app, world, monkeypatch):
    real_record = audit_module.record_list  # a search is a list disclosure

    def broken_record(principal, *args, **kwargs):
        return real_record(SimpleNamespace(user_id=987654321, role=principal.role), *args, **kwargs)

    monkeypatch.setattr(audit_module, "record_list", broken_record)
    response = client.post(BASE + "search", json={"ssid": world.students["added"]}, headers=bearer(world.tokens["csw"]))
    assert response.status_code == 503
    assert world.students["added"] not in response.get_data(as_text=True)


def test_usage_event_failure_discloses_nothing_and_keeps_no_audit_row(client, app, world, monkeypatch):
    real_event = usage_module.event_row

    def broken_event(event, principal=None, **kwargs):
        return real_event(event, SimpleNamespace(user_id=987654321, role=principal.role), **kwargs)

    monkeypatch.setattr(usage_module, "event_row", broken_event)
    response = client.get(BASE + world.keys["assigned"], headers=bearer(world.tokens["csw"]))
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert world.students["assigned"] not in response.get_data(as_text=True)
    assert audit_rows(app) == [] and usage_rows(app, "record_view") == []
