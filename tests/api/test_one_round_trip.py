"""Issue 14: a record tab is ONE statement on PostgreSQL (scope, session check, read, audit row, usage
event) plus the commit, and a remembered caller never outlives a revocation, deactivation, token-version
bump, role change or DCFS employee-id change: each takes effect on the very next request."""
from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from sqlalchemy import event

from mobile_service import clock
from mobile_service.extensions import db
from mobile_service.models import RefreshFamily
from tests.api.caseload_helpers import USER_CHANGES, audit_rows, bearer, change_user, revoke_sessions, usage_rows
from tests.api.student_helpers import STUDENT_ROUTES
from tests.factories import app_token_for, make_case, make_student, make_user

BASE = "/api/v1/students/"


class Statements:
    """The SQL statements and commits sent while active.

    On PostgreSQL, counted at the driver: every ``psycopg.Cursor.execute``/``executemany`` call,
    whoever makes it (SQLAlchemy's execution layer, or ``mobile_service.raw_statement`` running a
    record tab on the driver directly, which SQLAlchemy's ``before_cursor_execute`` never sees).
    On SQLite (a C cursor, nothing to wrap; nothing bypasses SQLAlchemy there) SQLAlchemy's event.
    Commits: SQLAlchemy's ``commit`` event (every commit goes through the session).
    """

    def __init__(self, engine):
        self.engine, self.sql, self.commits = engine, [], 0
        self._patches = []

    def _execute(self, _conn, _cursor, statement, *_args):
        self.sql.append(statement)

    def _commit(self, *_args):
        self.commits += 1

    def __enter__(self):
        if self.engine.dialect.name == "postgresql":
            import psycopg

            # The engine's one-time dialect set-up on its first connection (server version,
            # schema, isolation level...) is not a request's statement (nor did SQLAlchemy's
            # event see it): connect once before counting.
            with self.engine.connect():
                pass

            for name in ("execute", "executemany"):
                real = getattr(psycopg.Cursor, name)

                def counted(cursor, query, *args, _real=real, **kwargs):
                    self.sql.append(query if isinstance(query, str) else query.as_string(cursor.connection))
                    return _real(cursor, query, *args, **kwargs)
                patch = mock.patch.object(psycopg.Cursor, name, counted)
                patch.start()
                self._patches.append(patch)
        else:
            event.listen(self.engine, "before_cursor_execute", self._execute)
        event.listen(self.engine, "commit", self._commit)
        return self

    def __exit__(self, *exc):
        for patch in self._patches:
            patch.stop()
        if not self._patches:
            event.remove(self.engine, "before_cursor_execute", self._execute)
        event.remove(self.engine, "commit", self._commit)


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
    revoke_sessions(app, assigned["user_id"])
    before = len(audit_rows(app))
    response = client.get(BASE + assigned["key"] + route, headers=bearer(assigned["token"]))
    assert response.status_code == 401 and "session ended" in response.headers["WWW-Authenticate"]
    assert assigned["ssid"] not in response.get_data(as_text=True)
    assert len(audit_rows(app)) == before  # nothing disclosed, nothing audited


@pytest.mark.parametrize("change", USER_CHANGES)
def test_a_changed_user_takes_effect_at_the_next_request(app, client, assigned, change):
    _warm(client, assigned, "")
    change_user(app, assigned["user_id"], change)
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
