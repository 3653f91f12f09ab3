"""The record of access: admin endpoint and the ``audit student`` CLI."""

from __future__ import annotations

import csv
import datetime as dt
import io

from mobile_service import audit
from mobile_service.extensions import db
from mobile_service.models import AuditEvent
from tests.api.caseload_helpers import UNKNOWN_SSID, audit_rows

ITEM_KEYS = {"occurred_at", "user_id", "user_display_name", "user_email", "role", "action", "action_description",
             "basis", "shown_in_list", "endpoint", "request_id", "client_request_id", "details"}


URL = "/api/v1/admin/access-history"


def history(client, world, ssid: str, **body):
    """POST the access-history request: the student travels in the body, never in the URL."""
    return client.post(URL, json={"ssid": ssid, **body}, headers=world.headers["admin"])


def make_history(client, world) -> None:
    """A CSW adds and removes a student; a peer's add of another student must not appear."""
    client.post("/api/v1/caseload", json={"student_key": world.key["unrelated"], "reason": "covering for Pat"},
                headers=world.headers["csw"])
    client.delete(f"/api/v1/caseload/{world.key['unrelated']}", headers=world.headers["csw"])
    client.post("/api/v1/caseload", json={"student_key": world.key["inactive"], "reason": "reopened"},
                headers=world.headers["peer"])


def test_access_history_newest_first_with_exact_keys(app, client, world):
    make_history(client, world)
    response = history(client, world, world.ssid["unrelated"])
    assert response.status_code == 200
    body = response.json
    assert set(body) == {"ssid", "items", "next_cursor"} and body["next_cursor"] is None
    assert [i["action"] for i in body["items"]] == ["caseload.remove", "caseload.add"]
    for item in body["items"]:
        assert set(item) == ITEM_KEYS
        assert item["user_id"] == world.id["csw"] and item["user_display_name"] == "Carla Worker"
        assert item["role"] == "csw" and item["request_id"] and item["occurred_at"].endswith("Z")
    assert body["items"][1]["basis"] == "exact_lookup"
    assert body["items"][1]["action_description"] == audit.ACTIONS["caseload.add"]
    assert "Pat" not in response.get_data(as_text=True)  # reasons are not in the audit log


def test_access_history_view_is_itself_audited(app, client, world):
    history(client, world, world.ssid["assigned"])
    [row] = audit_rows(app, "audit.view")
    assert row.user_id == world.id["admin"] and row.role == "admin" and row.basis == "admin"
    assert row.student_id == world.student_id["assigned"] and row.ssid == world.ssid["assigned"]
    # The next look shows the previous one.
    items = history(client, world, world.ssid["assigned"]).json["items"]
    assert [i["action"] for i in items] == ["audit.view"]


def test_access_history_pagination_and_since(app, client, world):
    with app.app_context():
        for day in range(1, 6):
            db.session.add(AuditEvent(occurred_at=dt.datetime(2026, 9, day, 12, tzinfo=dt.UTC),
                                      user_id=world.id["csw"], role="csw", action="student.view",
                                      student_id=world.student_id["assigned"], ssid=world.ssid["assigned"],
                                      basis="dcfs_assignment", endpoint="GET /api/v1/students/<student_key>",
                                      request_id=f"r{day}"))
        db.session.commit()
    seen, cursor = [], None
    for _ in range(3):
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = history(client, world, world.ssid["assigned"], **query).json
        seen += [i["request_id"] for i in body["items"]]
        cursor = body["next_cursor"]
    assert seen == ["r5", "r4", "r3", "r2", "r1"] and cursor is None
    body = history(client, world, world.ssid["assigned"], since="2026-09-04").json
    assert [i["request_id"] for i in body["items"] if i["action"] == "student.view"] == ["r5", "r4"]
    bad = history(client, world, world.ssid["assigned"], since="yesterday")
    assert bad.status_code == 422
    # A cursor of one student's history is refused on another's.
    first = history(client, world, world.ssid["assigned"], limit=1).json
    other = history(client, world, world.ssid["added"], cursor=first["next_cursor"])
    assert other.status_code == 422


def test_cli_table_and_csv(app, client, runner, world):
    make_history(client, world)
    result = runner.invoke(args=["audit", "student", world.ssid["unrelated"]])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["occurred_at", "user_id", "user_display_name"]
    assert "caseload.remove" in lines[1] and "caseload.add" in lines[2]
    result = runner.invoke(args=["audit", "student", world.ssid["unrelated"], "--format", "csv",
                                 "--since", "2000-01-01"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["action"] for r in rows] == ["audit.view", "caseload.remove", "caseload.add"]  # the table run shows
    assert rows[1]["user_display_name"] == "Carla Worker"
    cli_views = [r for r in audit_rows(app, "audit.view") if r.endpoint == "cli"]
    assert len(cli_views) == 2 and cli_views[0].role == "operator"


def test_cli_rejects_unknown_and_malformed(runner, world):
    assert runner.invoke(args=["audit", "student", UNKNOWN_SSID]).exit_code != 0
    assert runner.invoke(args=["audit", "student", "12ab"]).exit_code != 0
    assert runner.invoke(args=["audit", "student", world.ssid["added"], "--since", "nope"]).exit_code != 0


def test_access_history_since_is_a_los_angeles_day(app, client, world):
    """8 pm on Sept 3 in Los Angeles is Sept 4 in UTC: not "since Sept 4" (issue 11, LA days)."""
    with app.app_context():
        for request_id, at in (("evening-before", dt.datetime(2026, 9, 4, 3, 0, tzinfo=dt.UTC)),
                               ("la-midnight", dt.datetime(2026, 9, 4, 7, 0, tzinfo=dt.UTC))):
            db.session.add(AuditEvent(occurred_at=at, user_id=world.id["csw"], role="csw", action="student.view",
                                      student_id=world.student_id["assigned"], ssid=world.ssid["assigned"],
                                      basis="dcfs_assignment", endpoint="GET /api/v1/students/<student_key>",
                                      request_id=request_id))
        db.session.commit()
    body = history(client, world, world.ssid["assigned"], since="2026-09-04").json
    assert [i["request_id"] for i in body["items"] if i["action"] == "student.view"] == ["la-midnight"]


def test_access_history_by_student_key_and_body_rules(app, client, world):
    """The student is named in the body by SSID or by student key, exactly one of them."""
    make_history(client, world)
    by_key = client.post(URL, json={"student_key": world.key["unrelated"]}, headers=world.headers["admin"])
    assert by_key.status_code == 200 and by_key.json["ssid"] == world.ssid["unrelated"]
    assert [i["action"] for i in by_key.json["items"]] == ["caseload.remove", "caseload.add"]
    for body in ({}, {"ssid": world.ssid["unrelated"], "student_key": world.key["unrelated"]},
                 {"ssid": "12ab"}, {"ssid": world.ssid["unrelated"], "extra": 1}, {"student_key": "not a key"}):
        response = client.post(URL, json=body, headers=world.headers["admin"])
        assert response.status_code == 422, body
        assert response.headers["Content-Type"].startswith("application/problem+json")


def test_no_student_identifier_in_the_access_history_url(app, client, world):
    """The old path that carried an SSID is gone (issue 11: no student identifier in any URL)."""
    old = client.get(f"/api/v1/admin/students/{world.ssid['assigned']}/access-history", headers=world.headers["admin"])
    assert old.status_code == 404
    assert client.get(URL, headers=world.headers["admin"]).status_code == 405
    paths = client.get("/openapi.json").json["paths"]
    assert "/api/v1/admin/access-history" in paths and not any("ssid" in path for path in paths)
