"""Issue 14: the caseload and the search read their cards in at most 2 statements plus the audit write
on PostgreSQL, whatever the caseload's size or the search's rule, and the caseload's remembered caller
never outlives a revocation, deactivation, token-version bump, role or employee-id change."""
from __future__ import annotations

import datetime as dt

import pytest

from mobile_service.extensions import db
from mobile_service.models import CaseloadEntry, User
from tests.api import test_one_round_trip as record_trips
from tests.api.caseload_helpers import USER_CHANGES, audit_rows, bearer, change_user, revoke_sessions
from tests.api.test_one_round_trip import Statements, _count, _postgres
from tests.factories import app_token_for, make_case, make_student, make_user

assigned = record_trips.assigned  # the same fixture (steady_app is in tests/api/conftest.py)


def _pg_only(application) -> None:
    if not _postgres(application):
        pytest.skip("SQLite keeps the simpler path")


# Caseload (issue 14: its cards in at most 2 statements + the audit write): the list's membership
# (ONE statement: open adds and feed removals UNION ALL the open DCFS assignments, and the remembered
# caller's session check), the page with its cards' rows as JSON columns, the audit statement (list
# row, one row per card, usage event). A token's first request in a process adds the session lookup.
CASELOAD_STATEMENTS = 3
# Worst case (no freshness cache, no request-event batching): + the freshness stamps read, + the
# request event's own INSERT (committed on its own, after the response).
CASELOAD_WORST_STATEMENTS = 5


def test_caseload_reads_its_cards_in_two_statements_on_postgresql(steady_app, assigned):
    _pg_only(steady_app)
    statements, commits, sql = _count(steady_app, "GET", "/api/v1/caseload", bearer(assigned["token"]))
    assert (statements, commits) == (CASELOAD_STATEMENTS, 1), sql
    assert "UNION ALL" in sql[0] and "refresh_families" in sql[0] and "card_enrollments" in sql[1], sql
    assert sum("INSERT INTO" in s for s in sql) == 1 and "INSERT INTO audit_events" in sql[-1]


def test_caseload_worst_case_statements_on_postgresql(make_app, base_env, app, assigned):
    worst = make_app({**base_env, "FRESHNESS_CACHE_SECONDS": "0", "USAGE_EVENT_BATCH": "1"})
    _pg_only(worst)
    statements, _commits, sql = _count(worst, "GET", "/api/v1/caseload", bearer(assigned["token"]))
    assert statements == CASELOAD_WORST_STATEMENTS, sql
    assert sum("source_loads" in s for s in sql) == 1 and sum("INSERT INTO usage_events" in s for s in sql) == 2


def _caseload_of(size: int) -> dict:
    """A CSW with ``size`` students, half feed-assigned, half added (a third of those flagged)."""
    csw = make_user("csw")
    for n in range(size):
        kid = make_student(legal_last_name=f"Size{n:03d}")
        if n % 2:
            db.session.add(CaseloadEntry(user_id=csw.id, student_id=kid.id, origin="added", flagged=n % 3 == 0,
                                         added_reason="covering" if n % 3 == 0 else None))
        else:
            make_case(kid, csw)
    db.session.commit()
    return bearer(app_token_for(csw))


def test_caseload_statements_are_constant_on_postgresql(steady_app, fixed_today):
    """22 and 400 students, pages of 25 and 100: the same statements (no N+1)."""
    _pg_only(steady_app)
    with steady_app.app_context():
        small, large = _caseload_of(22), _caseload_of(400)
    for headers, total in ((small, 22), (large, 400)):
        for limit in (25, 100):
            statements, _, sql = _count(steady_app, "GET", f"/api/v1/caseload?limit={limit}", headers)
            assert statements == CASELOAD_STATEMENTS, (total, limit, sql)
        body = steady_app.test_client().get("/api/v1/caseload?limit=100", headers=headers).get_json()
        assert body["total"] == total and len(body["items"]) == min(total, 100)


# Search: the session, the search (ONE statement: the scoped matches and, for the exact lookup, its
# candidates with whether each is in scope), the cards' enrollments and caseload membership, the audit.
SEARCH_STATEMENTS = 4


def test_search_statement_counts_on_postgresql(steady_app, assigned):
    _pg_only(steady_app)
    headers = bearer(assigned["token"])
    statements, commits, sql = _count(steady_app, "POST", "/api/v1/students/search", headers,
                                      json={"ssid": assigned["ssid"][:7]})
    assert (statements, commits) == (SEARCH_STATEMENTS, 1), sql
    statements, commits, sql = _count(steady_app, "POST", "/api/v1/students/search", headers, json={"dob": "1999-01-01"})
    assert (statements, commits) == (SEARCH_STATEMENTS - 1, 1), sql  # nothing found: no cards to read
    statements, commits, sql = _count(steady_app, "GET", "/api/v1/me", headers)
    assert (statements, commits) == (2, 0), sql  # a CSW: the session, the user (no team query)


def test_the_exact_lookup_costs_no_more_statements_on_postgresql(steady_app, assigned):
    """Worst case of a search: the exact lookup finds students in scope and out of it."""
    _pg_only(steady_app)
    with steady_app.app_context():
        twin = make_student(legal_first_name="Exact", legal_last_name="Twin", birth_date=dt.date(2011, 5, 6))
        make_case(twin, db.session.get(User, assigned["user_id"]))
        make_student(legal_first_name="Exact", legal_last_name="Twin", birth_date=dt.date(2011, 5, 6))
        db.session.commit()
    criteria = {"first_name": "Exact", "last_name": "Twin", "dob": "2011-05-06"}
    client = steady_app.test_client()
    body = client.post("/api/v1/students/search", json=criteria, headers=bearer(assigned["token"])).get_json()
    assert body["rule"] == "exact_lookup" and sorted(card["in_scope"] for card in body["results"]) == [False, True]
    assert sum("ssid" in card for card in body["results"]) == 1  # the reduced card has none
    statements, commits, sql = _count(steady_app, "POST", "/api/v1/students/search", bearer(assigned["token"]),
                                      json=criteria)
    assert (statements, commits) == (SEARCH_STATEMENTS, 1), sql


def test_a_caseload_token_first_request_looks_the_session_up_on_postgresql(steady_app, assigned):
    _pg_only(steady_app)
    with steady_app.app_context():
        engine = db.engine
    with Statements(engine) as seen:
        response = steady_app.test_client().get("/api/v1/caseload", headers=bearer(assigned["token"]))
    assert response.status_code == 200 and len(seen.sql) == CASELOAD_STATEMENTS + 1, seen.sql
    assert "UNION ALL" in seen.sql[1] and "refresh_families" not in seen.sql[1]


def test_a_revoked_session_ends_the_caseload_at_the_next_request(app, client, assigned):
    assert client.get("/api/v1/caseload", headers=bearer(assigned["token"])).status_code == 200
    revoke_sessions(app, assigned["user_id"])
    before = len(audit_rows(app))
    response = client.get("/api/v1/caseload", headers=bearer(assigned["token"]))
    assert response.status_code == 401 and "session ended" in response.headers["WWW-Authenticate"]
    assert assigned["ssid"] not in response.get_data(as_text=True)
    assert len(audit_rows(app)) == before  # nothing disclosed, nothing audited


@pytest.mark.parametrize("change", USER_CHANGES)
def test_a_changed_user_takes_effect_on_the_caseload_at_the_next_request(app, client, assigned, change):
    assert client.get("/api/v1/caseload", headers=bearer(assigned["token"])).json["total"] == 1
    change_user(app, assigned["user_id"], change)
    response = client.get("/api/v1/caseload", headers=bearer(assigned["token"]))
    expected = {"deactivated": 401, "token_version": 401, "role": 403, "employee_id": 200}[change]
    assert response.status_code == expected
    assert assigned["ssid"] not in response.get_data(as_text=True)
    if change == "employee_id":
        assert response.json["total"] == 0  # the list of the new employee id, read again
