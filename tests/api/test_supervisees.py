"""GET /api/v1/supervisees and a supervisee's read-only caseload."""

from __future__ import annotations

import datetime as dt

import pytest

from mobile_service.extensions import db
from mobile_service.models import CaseloadEntry
from tests.api.caseload_helpers import (
    StatementCounter,
    audit_rows,
    usage_rows,
)
from tests.factories import make_case, make_student, make_supervision, make_user

SUPERVISEE_KEYS = {"user_id", "display_name", "email", "office", "supervision_start", "caseload_size", "flagged_adds"}
SUPERVISED_CARD_KEYS = {"student_key", "ssid", "first_name", "last_name", "preferred_first_name", "age", "grade",
                        "school", "enrollment_start", "days_since_school_change", "school_changes_this_year",
                        "attendance",
                        "latest_progress_report", "assigned_in_dcfs_feed", "added_at", "alerts", "flagged",
                        "added_reason"}


def test_supervisees_list_with_sizes_and_flags(client, world):
    response = client.get("/api/v1/supervisees", headers=world.headers["scsw"])
    assert response.status_code == 200 and "ETag" in response.headers
    assert set(response.json) == {"items", "next_cursor"}
    [item] = response.json["items"]
    assert set(item) == SUPERVISEE_KEYS
    assert item["user_id"] == world.id["csw"] and item["display_name"] == "Carla Worker"
    assert item["caseload_size"] == 2 and item["flagged_adds"] == 1 and item["supervision_start"] == "2025-07-01"
    client.post("/api/v1/caseload", json={"student_key": world.key["unrelated"], "reason": "new case"},
                headers=world.headers["csw"])
    [item] = client.get("/api/v1/supervisees", headers=world.headers["scsw"]).json["items"]
    assert item["caseload_size"] == 3 and item["flagged_adds"] == 2


def test_ended_supervision_lists_nobody(client, world):
    assert client.get("/api/v1/supervisees", headers=world.headers["scsw_ended"]).json["items"] == []


def test_supervisee_caseload_304_is_no_store_too(client, world):
    url = f"/api/v1/supervisees/{world.id['csw']}/caseload"
    first = client.get(url, headers=world.headers["scsw"])
    again = client.get(url, headers={**world.headers["scsw"], "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.headers["Cache-Control"] == "private, no-store"


def test_flagged_adds_visible_to_supervisor(app, client, world):
    client.post("/api/v1/caseload", json={"student_key": world.key["unrelated"], "reason": "covering for Pat"},
                headers=world.headers["csw"])
    response = client.get(f"/api/v1/supervisees/{world.id['csw']}/caseload", headers=world.headers["scsw"])
    assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-store"
    body = response.json
    assert set(body) == {"worker_id", "items", "total", "next_cursor", "freshness"}
    assert body["worker_id"] == world.id["csw"] and body["total"] == 3
    cards = {c["ssid"]: c for c in body["items"]}
    for card in cards.values():
        assert set(card) == SUPERVISED_CARD_KEYS
    assert {c["student_key"] for c in body["items"]} == {world.key[k] for k in ("unrelated", "added", "assigned")}
    assert cards[world.ssid["unrelated"]]["flagged"] is True
    assert cards[world.ssid["unrelated"]]["added_reason"] == "covering for Pat"
    assert cards[world.ssid["added"]]["flagged"] is True and cards[world.ssid["added"]]["added_reason"] == "covering"
    assert cards[world.ssid["assigned"]]["flagged"] is False and cards[world.ssid["assigned"]]["added_reason"] is None
    [row] = audit_rows(app, "caseload.view")
    assert row.user_id == world.id["scsw"] and row.basis == "supervision"
    assert row.details["worker_id"] == world.id["csw"] and row.details["count"] == 3 and row.details["flagged"] == 2
    [event] = usage_rows(app, "caseload_view")
    assert event.detail == "supervisee"


def test_supervisee_caseload_etag(client, world):
    url = f"/api/v1/supervisees/{world.id['csw']}/caseload"
    tag = client.get(url, headers=world.headers["scsw"]).headers["ETag"]
    assert client.get(url, headers={**world.headers["scsw"], "If-None-Match": tag}).status_code == 304


def test_supervision_ending_ends_access_on_next_request(app, client, world):
    from mobile_service.models import Supervision

    url = f"/api/v1/supervisees/{world.id['csw']}/caseload"
    assert client.get(url, headers=world.headers["scsw"]).status_code == 200
    with app.app_context():
        link = db.session.execute(db.select(Supervision).where(Supervision.supervisor_id == world.id["scsw"])).scalar_one()
        link.end_date = dt.date(2026, 10, 1)
        db.session.commit()
    assert client.get(url, headers=world.headers["scsw"]).status_code == 404
    assert client.get("/api/v1/supervisees", headers=world.headers["scsw"]).json["items"] == []


def test_supervisees_constant_query_count(app, client, token_for, fixed_today):
    """Statements for a team of 1 and a team of 6 are equal (no per-worker queries)."""
    def team(size: int) -> str:
        with app.app_context():
            boss = make_user("scsw")
            for _ in range(size):
                worker = make_user("csw")
                make_supervision(boss, worker)
                student = make_student()
                make_case(student, worker)
                db.session.add(CaseloadEntry(user_id=worker.id, student_id=make_student().id, origin="added",
                                             flagged=True, added_reason="covering"))
            db.session.commit()
            return {"Authorization": f"Bearer {token_for(boss)}"}

    small, big = team(1), team(6)
    with app.app_context():
        engine = db.engine
    counts = []
    for headers in (small, big):
        with StatementCounter(engine) as counter:
            response = client.get("/api/v1/supervisees", headers=headers)
        assert response.status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]
    assert len(response.json["items"]) == 6 and all(i["flagged_adds"] == 1 for i in response.json["items"])


def test_supervisee_list_pagination(app, client, token_for, fixed_today):
    with app.app_context():
        boss = make_user("scsw")
        for n in range(5):
            make_supervision(boss, make_user("csw", display_name=f"Worker {n}"))
        db.session.commit()
        headers = {"Authorization": f"Bearer {token_for(boss)}"}
    names, cursor = [], None
    for _ in range(3):
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = client.get("/api/v1/supervisees", query_string=query, headers=headers).json
        names += [i["display_name"] for i in body["items"]]
        cursor = body["next_cursor"]
    assert names == [f"Worker {n}" for n in range(5)] and cursor is None



@pytest.mark.parametrize("worker_id", [2**31, 20603806456182, 2**63])
def test_ids_beyond_the_integer_column_are_plain_404s(client, worker_id):
    """Regression (schemathesis on PostgreSQL): ids past users.id's 32-bit range were a 500."""
    from tests.factories import app_token_for

    with client.application.app_context():
        scsw = make_user("scsw")
        db.session.commit()
        token = app_token_for(scsw)
    response = client.get(f"/api/v1/supervisees/{worker_id}/caseload", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
