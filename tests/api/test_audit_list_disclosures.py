"""Per-child record of disclosure for lists (issue 12, item 5) and server request ids (issue 11, item 6).

Search results, caseload cards and a supervisee's caseload write one ``audit_event_students`` row
per student shown, with the parent row, in one statement (PostgreSQL) and the same transaction.
"""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace

import pytest
from sqlalchemy import event, select

from mobile_service import audit
from mobile_service.extensions import db
from mobile_service.models import AuditEvent, AuditEventStudent
from tests.api.caseload_helpers import audit_rows

ACCESS_HISTORY = "/api/v1/admin/access-history"


def children(app, event_id: int | None = None) -> set[tuple[int, str]]:
    """(student_id, basis) of the child rows of one audit event (or of all)."""
    with app.app_context():
        stmt = select(AuditEventStudent.student_id, AuditEventStudent.basis)
        if event_id is not None:
            stmt = stmt.where(AuditEventStudent.audit_event_id == event_id)
        return {tuple(row) for row in db.session.execute(stmt)}


def history(client, world, key: str) -> list[dict]:
    response = client.post(ACCESS_HISTORY, json={"ssid": world.ssid[key]}, headers=world.headers["admin"])
    assert response.status_code == 200
    return response.json["items"]


def test_caseload_view_writes_one_row_per_child_shown(app, client, world):
    """Who saw this child, when, why: each card has its own row, with its own basis."""
    response = client.get("/api/v1/caseload", headers=world.headers["csw"])
    assert response.status_code == 200 and len(response.json["items"]) == 2
    [view] = audit_rows(app, "caseload.view")
    assert view.user_id == world.id["csw"] and view.request_id == response.headers["X-Request-ID"]
    assert children(app, view.id) == {(world.student_id["assigned"], "dcfs_assignment"),
                                      (world.student_id["added"], "caseload")}


def test_caseload_pages_record_only_the_children_each_page_shows(app, client, world):
    """A page of one card records that card only; the next page records the next."""
    first = client.get("/api/v1/caseload", query_string={"limit": 1}, headers=world.headers["csw"]).json
    client.get("/api/v1/caseload", query_string={"limit": 1, "cursor": first["next_cursor"]},
               headers=world.headers["csw"])
    views = audit_rows(app, "caseload.view")
    assert [len(children(app, v.id)) for v in views] == [1, 1]
    assert children(app) == {(world.student_id["assigned"], "dcfs_assignment"),
                             (world.student_id["added"], "caseload")}


def test_supervisee_caseload_writes_one_row_per_child_on_basis_supervision(app, client, world):
    """The SCSW's read of a supervisee's caseload names every child shown, basis supervision."""
    response = client.get(f"/api/v1/supervisees/{world.id['csw']}/caseload", headers=world.headers["scsw"])
    assert response.status_code == 200 and len(response.json["items"]) == 2
    [view] = audit_rows(app, "caseload.view")
    assert view.user_id == world.id["scsw"] and view.basis == "supervision"
    assert children(app, view.id) == {(world.student_id["assigned"], "supervision"),
                                      (world.student_id["added"], "supervision")}


def test_denied_supervisee_caseload_writes_nothing(app, client, world):
    """A 404 (not this SCSW's supervisee) shows no child and records none."""
    response = client.get(f"/api/v1/supervisees/{world.id['peer']}/caseload", headers=world.headers["scsw"])
    assert response.status_code == 404
    assert audit_rows(app, "caseload.view") == [] and children(app) == set()


def test_search_writes_one_row_per_result(app, client, world):
    """Every search result is a child row; students not in the results are not."""
    response = client.post("/api/v1/students/search", json={"name": "a"}, headers=world.headers["csw"])
    assert response.status_code == 422  # control: one letter is refused and records nothing
    response = client.post("/api/v1/students/search", json={"first_name": "ana"}, headers=world.headers["csw"])
    assert response.status_code == 200 and response.json["count"] == 1
    [search] = audit_rows(app, "student.search")
    assert search.details["result_count"] == 1
    assert children(app, search.id) == {(world.student_id["assigned"], "search")}
    # Out of the peer's scope only the exact lookup (full SSID + last name) finds the child.
    response = client.post("/api/v1/students/search", json={"ssid": world.ssid["unrelated"], "last_name": "Diaz"},
                           headers=world.headers["peer"])
    assert response.json["count"] == 1 and response.json["rule"] == "exact_lookup"
    exact = audit_rows(app, "student.search")[-1]
    assert children(app, exact.id) == {(world.student_id["unrelated"], "exact_lookup")}


def test_search_with_no_results_writes_the_list_row_without_children(app, client, world):
    """An empty result is still a search on record, with no child rows."""
    response = client.post("/api/v1/students/search", json={"last_name": "zzzz"}, headers=world.headers["csw"])
    assert response.status_code == 200 and response.json["count"] == 0
    [search] = audit_rows(app, "student.search")
    assert children(app, search.id) == set()


def test_access_history_and_cli_include_list_disclosures(app, client, runner, world):
    """The admin endpoint and ``flask audit student`` show the lists a child appeared in, and no other child."""
    client.get("/api/v1/caseload", headers=world.headers["csw"])
    client.get(f"/api/v1/supervisees/{world.id['csw']}/caseload", headers=world.headers["scsw"])
    # Ana is outside the peer's scope: only the exact lookup finds her (as a reduced card).
    found = client.post("/api/v1/students/search", json={"first_name": "ana", "last_name": "alvarez",
                                                         "dob": "2012-03-04"}, headers=world.headers["peer"])
    assert found.json["count"] == 1 and found.json["rule"] == "exact_lookup"
    items = history(client, world, "assigned")
    assert [(i["action"], i["basis"], i["user_id"], i["shown_in_list"]) for i in items] == [
        ("student.search", "exact_lookup", world.id["peer"], True),
        ("caseload.view", "supervision", world.id["scsw"], True),
        ("caseload.view", "dcfs_assignment", world.id["csw"], True),
    ]
    # The other child on the same caseload is not named in this child's record.
    body = client.post(ACCESS_HISTORY, json={"ssid": world.ssid["assigned"]},
                       headers=world.headers["admin"]).get_data(as_text=True)
    assert world.ssid["added"] not in body
    assert [(i["action"], i["basis"]) for i in history(client, world, "added") if i["action"] != "audit.view"] == [
        ("caseload.view", "supervision"), ("caseload.view", "caseload")]
    # A child in no list has no list rows.
    assert [i for i in history(client, world, "foreign") if i["action"] != "audit.view"] == []
    result = runner.invoke(args=["audit", "student", world.ssid["assigned"], "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = [r for r in csv.DictReader(io.StringIO(result.stdout)) if r["action"] != "audit.view"]
    assert [(r["action"], r["basis"], r["shown_in_list"]) for r in rows] == [
        ("student.search", "exact_lookup", "yes"), ("caseload.view", "supervision", "yes"),
        ("caseload.view", "dcfs_assignment", "yes")]


def test_a_failed_child_row_discloses_nothing(app, client, world, monkeypatch):
    """Fail closed: if a child row cannot be written, neither is the list row, and the list is a 503."""
    real = audit.record_list

    def broken(principal, action, shown, **kwargs):
        return real(principal, action, [*shown, (2_000_000_000, "caseload")], **kwargs)  # no such student

    monkeypatch.setattr(audit, "record_list", broken)
    response = client.get("/api/v1/caseload", headers=world.headers["csw"])
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert world.ssid["assigned"] not in response.get_data(as_text=True)
    assert audit_rows(app) == [] and children(app) == set()


def test_the_list_audit_is_one_statement_on_postgresql(app, client, world):
    """One INSERT writes the list row and its children (a data-modifying CTE); SQLite needs two."""
    with app.app_context():
        engine, dialect = db.engine, db.engine.dialect.name
    writes: list[str] = []

    def count(conn, cursor, statement, *args):
        if "audit_event" in statement and statement.lstrip().upper().startswith(("INSERT", "WITH")):
            writes.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get("/api/v1/caseload", headers=world.headers["csw"]).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(writes) == (1 if dialect == "postgresql" else 2), writes
    assert len(children(app)) == 2


def test_audit_request_id_is_the_servers_and_the_clients_is_kept_beside_it(app, client, world):
    """Two views sent with one X-Request-ID get two server ids; the client's id is kept if well formed."""
    for _ in range(2):
        response = client.get("/api/v1/caseload", headers={**world.headers["csw"], "X-Request-ID": "app-trace-0001"})
        assert response.headers["X-Request-ID"] != "app-trace-0001"
    client.get("/api/v1/caseload", headers={**world.headers["csw"], "X-Request-ID": "bad id;<script>"})
    client.get("/api/v1/caseload", headers={**world.headers["csw"], "X-Request-ID": "x" * 65})
    views = audit_rows(app, "caseload.view")
    assert len({v.request_id for v in views}) == 4 and all(len(v.request_id) == 32 for v in views)
    assert [v.client_request_id for v in views] == ["app-trace-0001", "app-trace-0001", None, None]
    items = history(client, world, "assigned")
    assert [i["client_request_id"] for i in items if i["action"] == "caseload.view"] == [
        None, None, "app-trace-0001", "app-trace-0001"]


def test_record_list_refuses_unknown_bases(app, world):
    """A basis outside the list of legal bases is a programming error, not a row."""
    principal = SimpleNamespace(user_id=world.id["csw"], role="csw")
    with app.test_request_context(), pytest.raises(ValueError):
        audit.record_list(principal, "caseload.view", [(world.student_id["assigned"], "curiosity")])
    with app.app_context():
        assert db.session.execute(select(AuditEvent)).first() is None
