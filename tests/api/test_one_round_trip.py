"""Issue 14: a record tab is ONE statement on PostgreSQL (scope, session check, read, audit row, usage
event) plus the commit, and a remembered caller never outlives a revocation, deactivation, token-version
bump, role change or DCFS employee-id change: each takes effect on the very next request."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event

from mobile_service import clock
from mobile_service.extensions import db
from mobile_service.models import CaseloadEntry, RefreshFamily, User
from tests.api.caseload_helpers import audit_rows, bearer, usage_rows
from tests.api.student_helpers import STUDENT_ROUTES
from tests.factories import app_token_for, make_case, make_student, make_user

BASE = "/api/v1/students/"


class Statements:
    """The SQL statements and commits sent while active."""

    def __init__(self, engine):
        self.engine, self.sql, self.commits = engine, [], 0

    def _execute(self, _conn, _cursor, statement, *_args):
        self.sql.append(statement)

    def _commit(self, *_args):
        self.commits += 1

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._execute)
        event.listen(self.engine, "commit", self._commit)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._execute)
        event.remove(self.engine, "commit", self._commit)


@pytest.fixture
def steady_app(make_app, base_env):
    """The service as deployed: freshness stamps cached, request events batched."""
    application = make_app({**base_env, "FRESHNESS_CACHE_SECONDS": "60", "USAGE_EVENT_BATCH": "1000"})
    yield application
    from mobile_service.pilot import request_events

    with application.app_context():
        request_events.flush()


@pytest.fixture
def assigned(app, fixed_today):
    """A CSW and a student the DCFS feed assigns to them."""
    with app.app_context():
        csw = make_user("csw")
        kid = make_student()
        make_case(kid, csw)
        db.session.commit()
        return {"token": app_token_for(csw), "user_id": csw.id, "key": kid.student_key, "ssid": kid.ssid}


def _postgres(application) -> bool:
    with application.app_context():
        return db.engine.dialect.name == "postgresql"


RECORD_TABS = tuple(route for route in STUDENT_ROUTES if route != "/brief")  # the brief: its own count below


@pytest.mark.parametrize("route", RECORD_TABS)
def test_a_record_tab_is_one_statement_and_the_commit_on_postgresql(steady_app, assigned, route):
    if not _postgres(steady_app):
        pytest.skip("SQLite keeps the simpler path (no data-modifying CTEs)")
    client = steady_app.test_client()
    url, headers = BASE + assigned["key"] + route, bearer(assigned["token"])
    assert client.get(url, headers=headers).status_code == 200  # remembers the caller, warms the caches
    with steady_app.app_context():
        engine = db.engine
    with Statements(engine) as seen:
        response = client.get(url, headers=headers)
    assert response.status_code == 200
    assert len(seen.sql) == 1 and seen.commits == 1, seen.sql
    statement = seen.sql[0]
    assert "INSERT INTO audit_events" in statement and "INSERT INTO usage_events" in statement
    assert "refresh_families" in statement  # the session check rides in the same statement


def test_the_brief_has_a_fixed_statement_count_on_postgresql(steady_app, assigned):
    """The brief reads three tables for its figures: session, student, its reads, audit, one commit."""
    if not _postgres(steady_app):
        pytest.skip("the PostgreSQL count")
    client = steady_app.test_client()
    url, headers = BASE + assigned["key"] + "/brief", bearer(assigned["token"])
    assert client.get(url, headers=headers).status_code == 200
    with steady_app.app_context():
        engine = db.engine
    with Statements(engine) as seen:
        response = client.get(url, headers=headers)
    assert response.status_code == 200 and seen.commits == 1
    assert len(seen.sql) == BRIEF_STATEMENTS, seen.sql
    assert any("INSERT INTO audit_events" in sql for sql in seen.sql)


BRIEF_STATEMENTS = 7  # caller, student in scope, enrollments, attendance, latest marks, audit row, usage event


def test_a_missing_student_is_one_statement_and_no_commit_on_postgresql(steady_app, assigned):
    if not _postgres(steady_app):
        pytest.skip("SQLite keeps the simpler path")
    client = steady_app.test_client()
    headers = bearer(assigned["token"])
    assert client.get(BASE + assigned["key"], headers=headers).status_code == 200
    with steady_app.app_context():
        engine = db.engine
        other = make_student()
        db.session.commit()
        other_key = other.student_key
    with Statements(engine) as seen:
        response = client.get(BASE + other_key, headers=headers)
    assert response.status_code == 404 and len(seen.sql) == 1 and seen.commits == 0


def _warm(client, assigned, route):
    response = client.get(BASE + assigned["key"] + route, headers=bearer(assigned["token"]))
    assert response.status_code == 200


@pytest.mark.parametrize("route", STUDENT_ROUTES)
def test_a_revoked_session_ends_at_the_next_request(app, client, assigned, route):
    _warm(client, assigned, route)
    with app.app_context():
        for family in db.session.execute(db.select(RefreshFamily).where(RefreshFamily.user_id == assigned["user_id"])).scalars():
            family.revoked_at = clock.utcnow()
        db.session.commit()
    before = len(audit_rows(app))
    response = client.get(BASE + assigned["key"] + route, headers=bearer(assigned["token"]))
    assert response.status_code == 401 and "session ended" in response.headers["WWW-Authenticate"]
    assert assigned["ssid"] not in response.get_data(as_text=True)
    assert len(audit_rows(app)) == before  # nothing disclosed, nothing audited


@pytest.mark.parametrize("change", ["deactivated", "token_version", "role", "employee_id"])
def test_a_changed_user_takes_effect_at_the_next_request(app, client, assigned, change):
    _warm(client, assigned, "")
    with app.app_context():
        user = db.session.get(User, assigned["user_id"])
        if change == "deactivated":
            user.active = False
        elif change == "token_version":
            user.token_version += 1
        elif change == "role":
            user.role = "pilot_coordinator"
        else:
            user.dcfs_employee_id = "E999999"  # the feed assigns the student to the old id only
        db.session.commit()
    views_before = len(usage_rows(app, "record_view"))
    response = client.get(BASE + assigned["key"], headers=bearer(assigned["token"]))
    expected = {"deactivated": 401, "token_version": 401, "role": 403, "employee_id": 404}[change]
    assert response.status_code == expected
    assert assigned["ssid"] not in response.get_data(as_text=True)
    assert len(usage_rows(app, "record_view")) == views_before


def test_a_malformed_key_with_a_revoked_session_is_a_401(app, client, assigned):
    _warm(client, assigned, "")
    with app.app_context():
        family = db.session.execute(db.select(RefreshFamily).where(RefreshFamily.user_id == assigned["user_id"])).scalar_one()
        family.revoked_at = clock.utcnow() - dt.timedelta(seconds=1)
        db.session.commit()
    assert client.get(BASE + "not-a-key", headers=bearer(assigned["token"])).status_code == 401


def _count(application, method: str, url: str, headers: dict, **kwargs) -> tuple[int, int, list[str]]:
    client = application.test_client()
    assert client.open(url, method=method, headers=headers, **kwargs).status_code == 200  # warm the caches
    with application.app_context():
        engine = db.engine
    with Statements(engine) as seen:
        response = client.open(url, method=method, headers=headers, **kwargs)
    assert response.status_code == 200
    return len(seen.sql), seen.commits, seen.sql


def _pg_only(application) -> None:
    if not _postgres(application):
        pytest.skip("SQLite keeps the simpler path")


# Caseload (issue 14: its cards in at most 2 statements + the audit write): the session, the list's
# membership (ONE statement: open adds and feed removals UNION ALL the open DCFS assignments), the page
# with its cards' rows as JSON columns, the audit statement (list row, one row per card, usage event).
CASELOAD_STATEMENTS = 4
# Worst case (no freshness cache, no request-event batching): + the freshness stamps read, + the
# request event's own INSERT (committed on its own, after the response).
CASELOAD_WORST_STATEMENTS = 6


def test_caseload_reads_its_cards_in_two_statements_on_postgresql(steady_app, assigned):
    _pg_only(steady_app)
    statements, commits, sql = _count(steady_app, "GET", "/api/v1/caseload", bearer(assigned["token"]))
    assert (statements, commits) == (CASELOAD_STATEMENTS, 1), sql
    assert "UNION ALL" in sql[1] and "card_enrollments" in sql[2], sql
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
