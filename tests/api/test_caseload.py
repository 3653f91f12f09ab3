"""GET/POST/DELETE /api/v1/caseload: cards, adds, removals, audit, idempotency."""

from __future__ import annotations

import datetime as dt

import pytest

from mobile_service import scoping
from mobile_service.extensions import db
from mobile_service.models import CaseloadEntry
from tests.api.caseload_helpers import (
    UNKNOWN_KEY,
    UNKNOWN_SSID,
    audit_rows,
    entries,
    usage_rows,
    without_request_id,
)
from tests.factories import make_case

URL = "/api/v1/caseload"
PAGE_KEYS = {"items", "total", "next_cursor", "freshness"}
CARD_KEYS = {"student_key", "ssid", "first_name", "last_name", "preferred_first_name", "age", "grade", "school",
             "enrollment_start", "days_since_school_change", "school_changes_this_year", "attendance",
             "latest_progress_report", "assigned_in_dcfs_feed", "added_at", "alerts"}
ENTRY_KEYS = {"student_key", "ssid", "on_caseload", "assigned_in_dcfs_feed", "added_at", "flagged", "review_state",
              "expires_at"}


def ssids(body) -> list[str]:
    return [card["ssid"] for card in body["items"]]


def test_caseload_lists_feed_and_added_students_with_exact_keys(client, world):
    response = client.get(URL, headers=world.headers["csw"])
    assert response.status_code == 200, response.json
    body = response.json
    assert set(body) == PAGE_KEYS
    assert ssids(body) == [world.ssid["assigned"], world.ssid["added"]]  # by last name
    assert body["total"] == 2 and body["next_cursor"] is None
    assert body["freshness"] == {"calpads": None, "dcfs": "2026-10-12T09:30:00Z", "district": None}
    assigned, added = body["items"]
    for card in body["items"]:
        assert set(card) == CARD_KEYS
    assert assigned["assigned_in_dcfs_feed"] is True and assigned["added_at"] is None
    assert added["assigned_in_dcfs_feed"] is False and added["added_at"].endswith("Z")
    assert assigned["age"] == 14 and assigned["grade"] == "07"
    assert assigned["school"] == {"cds_code": assigned["school"]["cds_code"], "name": "Garey High",
                                  "district_name": "Pomona Unified"}
    assert assigned["enrollment_start"] == "2026-08-13"
    assert assigned["days_since_school_change"] is None and assigned["school_changes_this_year"] == 0
    assert assigned["attendance"] == {"academic_year": "2026-27", "attendance_rate": 0.85, "days_absent": 6,
                                      "days_expected": 40, "chronically_absent": True}
    assert assigned["latest_progress_report"] == {"academic_year": "2026-27", "term": "Q1",
                                                  "report_date": "2026-10-02", "gpa": 3.5, "df_count": 0}
    assert assigned["alerts"] == ["chronic_absence"]
    assert added["latest_progress_report"]["gpa"] == 2.0 and added["latest_progress_report"]["df_count"] == 1
    assert added["alerts"] == ["failing_marks"]
    # Never the reason text or the flag on the worker's own list.
    assert "added_reason" not in added and "flagged" not in added


def test_peer_caseload_is_separate(client, world):
    assert ssids(client.get(URL, headers=world.headers["peer"]).json) == [world.ssid["foreign"]]
    assert ssids(client.get(URL, headers=world.headers["scsw"]).json) == []  # own caseload only


def test_caseload_view_is_audited_once_with_usage_event(app, client, world):
    client.get(URL, headers=world.headers["csw"])
    rows = audit_rows(app, "caseload.view")
    assert len(rows) == 1
    assert rows[0].user_id == world.id["csw"] and rows[0].role == "csw" and rows[0].basis == "caseload"
    assert rows[0].details["count"] == 2 and rows[0].endpoint == "GET /api/v1/caseload" and rows[0].request_id
    assert len(usage_rows(app, "caseload_view")) == 1


def test_etag_and_304(client, world):
    first = client.get(URL, headers=world.headers["csw"])
    tag = first.headers["ETag"]
    assert tag.startswith('"') and first.headers["Cache-Control"] == "private, no-store"
    again = client.get(URL, headers={**world.headers["csw"], "If-None-Match": tag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == tag
    assert again.headers["Cache-Control"] == "private, no-store"
    weak = client.get(URL, headers={**world.headers["csw"], "If-None-Match": f"W/{tag}"})
    assert weak.status_code == 304
    client.post(URL, json={"student_key": world.key["unrelated"], "reason": "new case"}, headers=world.headers["csw"])
    changed = client.get(URL, headers={**world.headers["csw"], "If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag


def test_add_unassigned_requires_reason_and_is_flagged(app, client, world):
    missing = client.post(URL, json={"student_key": world.key["unrelated"]}, headers=world.headers["csw"])
    assert missing.status_code == 422 and "reason" in missing.json["errors"]["json"]
    response = client.post(URL, json={"student_key": world.key["unrelated"], "reason": "  covering for Pat  "},
                           headers=world.headers["csw"])
    assert response.status_code == 201
    assert set(response.json) == ENTRY_KEYS
    assert response.json["flagged"] is True and response.json["assigned_in_dcfs_feed"] is False
    [entry] = entries(app, world.id["csw"], world.student_id["unrelated"])
    assert entry.flagged and entry.added_reason == "covering for Pat" and entry.origin == "added"
    [row] = audit_rows(app, "caseload.add")
    assert row.student_id == world.student_id["unrelated"] and row.ssid == world.ssid["unrelated"]
    assert row.basis == "exact_lookup" and row.details == {"result": "added", "flagged": True, "reason_given": True}
    assert "Pat" not in str(row.details)
    assert len(usage_rows(app, "caseload_add")) == 1
    assert world.ssid["unrelated"] in ssids(client.get(URL, headers=world.headers["csw"]).json)


def test_inactive_student_can_be_added_by_key(client, world):
    response = client.post(URL, json={"student_key": world.key["inactive"], "reason": "case reopened"},
                           headers=world.headers["csw"])
    assert response.status_code == 201


def test_add_is_idempotent(app, client, world):
    body = {"student_key": world.key["unrelated"], "reason": "new case"}
    first = client.post(URL, json=body, headers=world.headers["csw"])
    second = client.post(URL, json=body, headers=world.headers["csw"])
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json == second.json
    assert len(entries(app, world.id["csw"], world.student_id["unrelated"])) == 1
    assert [r.details["result"] for r in audit_rows(app, "caseload.add")] == ["added", "already_on_caseload"]
    assert len(usage_rows(app, "caseload_add")) == 1  # only real changes count in the pilot metrics


def test_adding_a_feed_assigned_student_needs_no_reason(client, world):
    response = client.post(URL, json={"student_key": world.key["assigned"]}, headers=world.headers["csw"])
    assert response.status_code == 200  # already on the list through the feed
    assert response.json == {"student_key": world.key["assigned"], "ssid": world.ssid["assigned"],
                             "on_caseload": True, "assigned_in_dcfs_feed": True,
                             "added_at": None, "flagged": False, "review_state": None, "expires_at": None}


def test_add_unknown_student_is_404(client, world):
    response = client.post(URL, json={"student_key": UNKNOWN_KEY, "reason": "x" * 10}, headers=world.headers["csw"])
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("application/problem+json")


def test_add_by_ssid_is_gone(app, client, world):
    """An SSID body was an existence oracle past the exact-lookup rule: refused as an unknown field."""
    response = client.post(URL, json={"ssid": world.ssid["unrelated"], "reason": "xyz"}, headers=world.headers["csw"])
    assert response.status_code == 422 and set(response.json["errors"]["json"]) == {"ssid", "student_key"}
    unknown = client.post(URL, json={"ssid": UNKNOWN_SSID, "reason": "xyz"}, headers=world.headers["csw"])
    assert without_request_id(unknown.json) == without_request_id(response.json)
    assert entries(app, world.id["csw"], world.student_id["unrelated"]) == []


@pytest.mark.parametrize("body, field", [
    ({}, "student_key"),
    ({"student_key": "short", "reason": "valid reason"}, "student_key"),
    ({"student_key": "q3Vd9fK2LmX0aB7cR1sT4w!", "reason": "valid reason"}, "student_key"),
    ({"student_key": "4000000001", "reason": "valid reason"}, "student_key"),
    ({"student_key": 4000000001, "reason": "valid reason"}, "student_key"),
    ({"student_key": "{unrelated}", "reason": "r" * 10_000}, "reason"),
    ({"student_key": "{unrelated}", "reason": "ab"}, "reason"),
    ({"student_key": "{unrelated}", "reason": "   "}, "reason"),
    ({"student_key": "{unrelated}", "reason": "ok reason", "user_id": 1}, "user_id"),
    ({"student_key": "{unrelated}", "reason": "ok reason", "flagged": False}, "flagged"),
])
def test_add_rejects_bad_bodies(app, client, world, body, field):
    body = {k: (v.format(unrelated=world.key["unrelated"]) if isinstance(v, str) and v.startswith("{") else v)
            for k, v in body.items()}
    response = client.post(URL, json=body, headers=world.headers["csw"])
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]["json"]
    assert entries(app, world.id["csw"], world.student_id["unrelated"]) == []
    assert audit_rows(app, "caseload.add") == []


@pytest.mark.parametrize("body", [{"student_key": "{unrelated}\u0000", "reason": "valid reason"},
                                  {"student_key": "{unrelated}", "reason": "bad\u0000reason"}])
def test_add_rejects_nul_bytes(app, client, world, body):
    body = {k: v.replace("{unrelated}", world.key["unrelated"]) for k, v in body.items()}
    response = client.post(URL, json=body, headers=world.headers["csw"])
    assert response.status_code in (400, 422)  # the request guard answers 400 before the schema
    assert entries(app, world.id["csw"], world.student_id["unrelated"]) == []


def test_add_rejects_non_json_and_non_object_bodies(client, world):
    assert client.post(URL, data="ssid=1", headers=world.headers["csw"]).status_code in (415, 422)
    assert client.post(URL, json=["x"], headers=world.headers["csw"]).status_code == 422


def test_remove_added_student_then_history_is_kept_on_readd(app, client, world):
    ssid, key, sid = world.ssid["added"], world.key["added"], world.student_id["added"]
    response = client.delete(f"{URL}/{key}", json={"reason": "case closed"}, headers=world.headers["csw"])
    assert response.status_code == 204 and response.data == b""
    assert ssid not in ssids(client.get(URL, headers=world.headers["csw"]).json)
    with app.app_context():
        from auth.principal import Principal

        p = Principal(user_id=world.id["csw"], role="csw", sid="s", dcfs_employee_id=None)
        assert scoping.basis_for(p, sid) is None  # no other basis: no longer visible
    again = client.delete(f"{URL}/{key}", headers=world.headers["csw"])
    assert again.status_code == 204  # idempotent: it was on my caseload before
    assert client.post(URL, json={"student_key": key, "reason": "reopened"}, headers=world.headers["csw"]).status_code == 201
    rows = entries(app, world.id["csw"], sid)
    assert len(rows) == 2 and rows[0].removed_at is not None and rows[0].removed_reason == "case closed"
    assert rows[1].removed_at is None and rows[1].added_reason == "reopened"
    assert [r.details["result"] for r in audit_rows(app, "caseload.remove")] == ["removed", "not_on_caseload"]
    assert len(usage_rows(app, "caseload_remove")) == 1


def test_removing_feed_assigned_student_hides_until_newer_assignment(app, client, world):
    ssid, sid = world.ssid["assigned"], world.student_id["assigned"]
    assert client.delete(f"{URL}/{world.key['assigned']}", headers=world.headers["csw"]).status_code == 204
    [removal] = entries(app, world.id["csw"], sid)
    assert removal.origin == "feed" and removal.removed_at is not None
    assert ssid not in ssids(client.get(URL, headers=world.headers["csw"]).json)
    [row] = audit_rows(app, "caseload.remove")
    assert row.basis == "dcfs_assignment" and row.details["feed_assigned"] is True
    with app.app_context():
        from auth.principal import Principal
        from mobile_service.models import User

        user = db.session.get(User, world.id["csw"])
        p = Principal(user_id=user.id, role="csw", sid="s", dcfs_employee_id=user.dcfs_employee_id)
        assert scoping.basis_for(p, sid) == "dcfs_assignment"  # still a basis for access
        # The same old assignment reloaded by the feed does not bring the student back...
        entry = db.session.get(CaseloadEntry, removal.id)
        entry.removed_at = dt.datetime(2026, 9, 1, 12, tzinfo=dt.UTC)
        db.session.commit()
    assert ssid not in ssids(client.get(URL, headers=world.headers["csw"]).json)
    with app.app_context():
        from mobile_service.models import Student, User

        # ...a new assignment starting after the removal does.
        make_case(db.session.get(Student, sid), db.session.get(User, world.id["csw"]),
                  assignment_start=dt.date(2026, 10, 1))
        db.session.commit()
    assert ssid in ssids(client.get(URL, headers=world.headers["csw"]).json)


def test_readding_removed_feed_student_needs_no_reason(client, world):
    ssid, key = world.ssid["assigned"], world.key["assigned"]
    client.delete(f"{URL}/{key}", headers=world.headers["csw"])
    response = client.post(URL, json={"student_key": key}, headers=world.headers["csw"])
    assert response.status_code == 201 and response.json["flagged"] is False
    card = next(c for c in client.get(URL, headers=world.headers["csw"]).json["items"] if c["ssid"] == ssid)
    assert card["assigned_in_dcfs_feed"] is True and card["added_at"] is not None


@pytest.mark.parametrize("target", ["foreign", "unrelated", "unknown", "malformed", "ssid"])
def test_remove_out_of_scope_is_the_same_404_as_missing(client, world, target):
    key = {"unknown": UNKNOWN_KEY, "malformed": "12ab", "ssid": world.ssid["added"]}.get(target) or world.key[target]
    reference = client.delete(f"{URL}/{UNKNOWN_KEY}", headers=world.headers["csw"])
    response = client.delete(f"{URL}/{key}", headers=world.headers["csw"])
    assert response.status_code == 404
    assert without_request_id(response.json) == without_request_id(reference.json)


def test_remove_rejects_bad_bodies(client, world):
    url = f"{URL}/{world.key['added']}"
    assert client.delete(url, json={"reason": "x" * 501}, headers=world.headers["csw"]).status_code == 422
    assert client.delete(url, json={"why": "x"}, headers=world.headers["csw"]).status_code == 422


def failing_once(monkeypatch):
    """A session.commit that flushes (rows reach the database) then fails, once; later hooks commit normally."""
    real_commit, calls = db.session.commit, []

    def failing_commit():
        calls.append(1)
        if len(calls) > 1:  # the request-metrics hook commits its own row after the failure
            return real_commit()
        db.session.flush()
        raise RuntimeError("simulated failure at commit")

    return failing_commit


def test_failed_commit_keeps_neither_change_nor_audit(app, client, world, monkeypatch):
    monkeypatch.setattr(db.session, "commit", failing_once(monkeypatch))
    response = client.post(URL, json={"student_key": world.key["unrelated"], "reason": "new case"},
                           headers=world.headers["csw"])
    assert response.status_code == 500
    assert "simulated" not in response.get_data(as_text=True)
    assert entries(app, world.id["csw"], world.student_id["unrelated"]) == []
    assert audit_rows(app, "caseload.add") == []
    assert usage_rows(app, "caseload_add") == []


def test_failed_remove_keeps_entry_open(app, client, world, monkeypatch):
    monkeypatch.setattr(db.session, "commit", failing_once(monkeypatch))
    assert client.delete(f"{URL}/{world.key['added']}", headers=world.headers["csw"]).status_code == 500
    [entry] = entries(app, world.id["csw"], world.student_id["added"])
    assert entry.removed_at is None
    assert audit_rows(app, "caseload.remove") == []


def test_add_that_loses_a_race_answers_as_the_idempotent_repeat(app, client, world, monkeypatch):
    """A concurrent add of the same student commits first: this one hits the one-open-entry index
    at commit and answers 200 with the winner's entry, not a 5xx (the audit write must not flush
    the losing entry early and turn the conflict into a refusal), and the record of access
    shows the attempt (issue 18: the loser used to leave no audit row)."""
    from api.caseload import service as caseload_service

    with app.app_context():  # the winner's entry, committed while this request is in flight
        db.session.add(CaseloadEntry(user_id=world.id["csw"], student_id=world.student_id["unrelated"],
                                     origin="added", added_at=scoping.clock.utcnow(), added_reason="won",
                                     flagged=True))
        db.session.commit()
    real_membership, calls = caseload_service._membership, []

    def membership_before_the_winner_committed(principal, student_id):
        calls.append(student_id)
        return None if len(calls) == 1 else real_membership(principal, student_id)

    monkeypatch.setattr(caseload_service, "_membership", membership_before_the_winner_committed)
    response = client.post(URL, json={"student_key": world.key["unrelated"], "reason": "new case"},
                           headers=world.headers["csw"])
    assert response.status_code == 200, response.json
    assert response.json["on_caseload"] is True and response.json["flagged"] is True
    assert [e.added_reason for e in entries(app, world.id["csw"], world.student_id["unrelated"])] == ["won"]
    # The losing add's own row rolled back with it; the attempt is recorded like a repeat add.
    [row] = audit_rows(app, "caseload.add")
    assert row.student_id == world.student_id["unrelated"] and row.user_id == world.id["csw"]
    assert row.details == {"result": "already_on_caseload", "reason_given": True}
