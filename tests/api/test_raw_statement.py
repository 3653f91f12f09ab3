"""Issue 14: the record tabs' one statement runs on psycopg directly (``mobile_service.raw_statement``).

The driver gets exactly the SQL and parameters SQLAlchemy would send and the rows come back as
SQLAlchemy would return them; a driver error is SQLAlchemy's ``DBAPIError`` (503, nothing
disclosed, the connection usable again); a connection the database dropped is retried once on a
fresh one and the pool hands out no dead connection afterwards.
"""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import event, text

from mobile_service import audit as audit_module
from mobile_service.extensions import db
from mobile_service.raw_statement import RawStatement
from tests.api.caseload_helpers import audit_rows, bearer
from tests.factories import app_token_for, make_case, make_student, make_user

BASE = "/api/v1/students/"
TABS = ("", "/enrollments", "/attendance", "/progress-reports")


@pytest.fixture
def steady_app(steady_app):
    """The conftest's service as deployed, on PostgreSQL only: the driver path is PostgreSQL's."""
    with steady_app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("the driver path is PostgreSQL's")
    return steady_app


@pytest.fixture
def caller(app, steady_app, fixed_today):
    """A CSW and a student the DCFS feed assigns to them (``app``: the schema, by the migrations)."""
    with app.app_context():
        csw = make_user("csw")
        kid = make_student()
        make_case(kid, csw)
        db.session.commit()
        return {"headers": bearer(app_token_for(csw)), "key": kid.student_key, "ssid": kid.ssid}


@pytest.mark.parametrize("route", TABS)
def test_the_driver_gets_what_sqlalchemy_would_send_and_the_same_rows(steady_app, caller, monkeypatch, route):
    real, compared = RawStatement.rows, []

    def rows_checked(self, connection, params):
        sent = []

        def capture(_conn, _cursor, statement, parameters, *_args):
            if "SAVEPOINT" not in statement:
                sent.append((statement, parameters))
        event.listen(connection.engine, "before_cursor_execute", capture)
        try:
            savepoint = connection.begin_nested()  # SQLAlchemy runs it too, then it is undone
            expected = [tuple(row) for row in connection.execute(self.statement, params)]
            savepoint.rollback()
        finally:
            event.remove(connection.engine, "before_cursor_execute", capture)
        got = real(self, connection, params)
        assert sent == [(self.sql, self.parameters(params))]
        assert got == expected and all(type(row) is tuple for row in got)
        compared.append(got)
        return got

    monkeypatch.setattr(RawStatement, "rows", rows_checked)
    client = steady_app.test_client()
    url = BASE + caller["key"] + route
    for _ in range(2):  # the caller looked up, then remembered (the statement's session check)
        response = client.get(url, headers=caller["headers"])
        assert response.status_code == 200 and caller["ssid"] in response.get_data(as_text=True)
    assert len(compared) == 2 and len(audit_rows(steady_app)) == 2


@pytest.mark.parametrize("route", TABS)
def test_a_driver_error_is_a_503_that_leaves_the_connection_usable(steady_app, caller, monkeypatch, route):
    client, url = steady_app.test_client(), BASE + caller["key"] + route
    assert client.get(url, headers=caller["headers"]).status_code == 200
    real_row = audit_module.event_row
    monkeypatch.setattr(audit_module, "event_row", lambda principal, *a, **k: real_row(
        SimpleNamespace(user_id=987654321, role=principal.role), *a, **k))  # the audit INSERT fails (FK)
    refused = client.get(url, headers=caller["headers"])
    assert refused.status_code == 503 and refused.headers["Retry-After"]
    assert caller["ssid"] not in refused.get_data(as_text=True)
    monkeypatch.undo()
    assert client.get(url, headers=caller["headers"]).status_code == 200  # rolled back, not broken
    assert len(audit_rows(steady_app)) == 2


@pytest.mark.parametrize("route", TABS)
def test_a_connection_the_database_dropped_is_retried_once_and_not_handed_out_again(app, steady_app, caller, route):
    client, url = steady_app.test_client(), BASE + caller["key"] + route
    assert client.get(url, headers=caller["headers"]).status_code == 200  # pooled, caller remembered
    with steady_app.app_context():  # every connection in this app's pool (the suite's own stay up)
        pids = [record.dbapi_connection.info.backend_pid for record in list(db.engine.pool._pool.queue)]
    with app.app_context():
        dropped = db.session.execute(text("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) "
                                          "FROM unnest(CAST(:pids AS int[])) AS pid"), {"pids": pids}).scalar_one()
        db.session.commit()
    assert dropped == len(pids) >= 1
    for _ in range(3):  # the first meets the dead connection (the statement is retried), the rest never do
        response = client.get(url, headers=caller["headers"])
        assert response.status_code == 200 and caller["ssid"] in response.get_data(as_text=True)
    assert len(audit_rows(steady_app)) == 4
