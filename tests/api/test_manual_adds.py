"""Self-granted access is bounded and seen (issue 11, item 2): expiry, review queue, report.

A manual add of a student the DCFS feed does not assign to the worker lasts MANUAL_ADD_DAYS
(30) unless the supervising SCSW (an admin for a worker without one) approves it or the feed
confirms it. The clock moves here (``clock.utcnow``; ``clock.today`` follows it in Los
Angeles), so every request signs a fresh token at the current instant.
"""
from __future__ import annotations

import datetime as dt

import pytest

from mobile_service.extensions import db
from mobile_service.models import DcfsCase
from tests.api.caseload_helpers import add_student, audit_rows, entries, student_url
from tests.api.manual_add_helpers import (
    CARD_KEYS,
    QUEUE,
    add_as,
    add_id_of,
    caseload_ssids,
    tab_statuses,
)
from tests.api.student_helpers import STUDENT_ROUTES

# --- the reported problem, then expiry at day 30 ------------------------------------------------

def test_reported_a_manual_add_gave_all_four_tabs_forever_now_it_lapses_at_day_30(app, client, team, moving_clock):
    body = add_as(client, team, "csw", "beto")
    assert body["review_state"] == "pending" and body["flagged"] is True
    assert body["expires_at"] == "2026-11-14T16:00:00Z"  # 30 days after the add, to the second
    assert tab_statuses(client, team, "csw", "beto") == [200] * len(STUDENT_ROUTES)

    moving_clock.advance(days=30, seconds=-1)  # the last second of the add
    assert tab_statuses(client, team, "csw", "beto") == [200] * len(STUDENT_ROUTES)
    assert team.ssid["beto"] in caseload_ssids(client, team, "csw")

    moving_clock.advance(seconds=1)  # lapsed: checked at read time, no job has run
    assert tab_statuses(client, team, "csw", "beto") == [404] * len(STUDENT_ROUTES)
    assert team.ssid["beto"] not in caseload_ssids(client, team, "csw")
    # The supervisor's view through the supervisee's add lapses with it.
    assert client.get(student_url(client, team.ssid["beto"]), headers=team.h("scsw")).status_code == 404
    cards = client.get(f"/api/v1/supervisees/{team.id['csw']}/caseload", headers=team.h("scsw")).json["items"]
    assert cards == []
    [entry] = entries(app, team.id["csw"], team.student_id["beto"])
    assert entry.review_state == "pending" and entry.removed_at is None  # stored state waits for the job


def test_lapsed_add_can_be_made_again_as_a_new_pending_add(app, client, team, moving_clock):
    add_as(client, team, "csw", "beto")
    moving_clock.advance(days=31)
    again = add_student(client, team.h("csw"), team.ssid["beto"], reason="still covering")
    assert again.status_code == 201 and again.json["review_state"] == "pending"
    first, second = entries(app, team.id["csw"], team.student_id["beto"])
    assert (first.review_state, first.removed_at) == ("lapsed", first.expires_at)
    assert second.removed_at is None and second.expires_at == moving_clock.now + dt.timedelta(days=30)
    assert [r.details["add_id"] for r in audit_rows(app, "caseload.add.lapse")] == [first.id]


def test_feed_confirmation_keeps_access_past_day_30(app, client, team, moving_clock, runner):
    add_as(client, team, "csw", "beto")
    moving_clock.advance(days=10)
    with app.app_context():  # the DCFS feed now assigns the student to the worker
        case = DcfsCase(student_id=team.student_id["beto"], case_id="1" * 19, case_type="FR", case_status="open",
                        csw_employee_id=team.employee["csw"], assignment_start=dt.date(2026, 10, 20))
        db.session.add(case)
        db.session.commit()
    result = runner.invoke(args=["recompute-status"])
    assert result.exit_code == 0, result.output
    assert "manual adds: 1 confirmed by the DCFS feed, 0 lapsed" in result.output
    [entry] = entries(app, team.id["csw"], team.student_id["beto"])
    assert entry.review_state == "confirmed" and entry.reviewed_by is None
    [row] = audit_rows(app, "caseload.add.confirm")
    assert row.student_id == team.student_id["beto"] and row.basis == "dcfs_assignment" and row.role == "system"

    moving_clock.advance(days=25)  # day 35: the add holds, even after the assignment ends
    with app.app_context():
        db.session.execute(db.update(DcfsCase).values(case_status="closed"))
        db.session.commit()
    assert tab_statuses(client, team, "csw", "beto") == [200] * len(STUDENT_ROUTES)
    assert team.ssid["beto"] in caseload_ssids(client, team, "csw")


# --- the SCSW's queue ---------------------------------------------------------------------------

def test_scsw_queue_lists_supervisees_pending_adds_with_minimum_fields(app, client, team, moving_clock):
    add_as(client, team, "csw", "ana")
    add_as(client, team, "peer", "beto")  # another SCSW's supervisee
    add_as(client, team, "lone", "cruz")  # no supervisor: the admin's queue
    moving_clock.advance(days=3, hours=12)  # 2026-10-19 04:00 UTC, still the 18th in Los Angeles
    response = client.get(QUEUE, headers=team.h("scsw"))
    assert response.status_code == 200 and "ETag" in response.headers
    [card] = response.json["items"]
    assert set(card) == CARD_KEYS and response.json["next_cursor"] is None
    assert card["worker"] == {"user_id": team.id["csw"], "display_name": "Carla Worker",
                              "email": card["worker"]["email"]}
    assert card["student"] == {"first_name": "Ana", "last_name": "Diaz", "birth_date": "2012-03-04",
                               "school_name": "Garey High"}
    assert card["reason"] == "covering for a colleague" and card["added_at"] == "2026-10-15T16:00:00Z"
    assert card["expires_at"] == "2026-11-14T16:00:00Z" and card["days_left"] == 27  # Oct 18 -> Nov 14 in LA
    assert team.ssid["ana"] not in response.get_data(as_text=True)  # no SSID in the queue
    [row] = audit_rows(app, "caseload.pending_adds.view")  # one per child shown
    assert (row.user_id, row.student_id, row.basis) == (team.id["scsw"], team.student_id["ana"], "supervision")
    assert row.details == {"add_id": card["add_id"], "worker_id": team.id["csw"]}


def test_scsw_approval_keeps_access_past_day_30_and_is_audited(app, client, team, moving_clock):
    add_as(client, team, "csw", "beto")
    add_id = add_id_of(app, team, "csw", "beto")
    moving_clock.advance(days=5)
    response = client.post(f"{QUEUE}/{add_id}/approve", json={"note": "confirmed with the RU"},
                           headers=team.h("scsw"))
    assert response.status_code == 200
    assert response.json == {"add_id": add_id, "review_state": "approved", "reviewed_at": "2026-10-20T16:00:00Z"}
    [entry] = entries(app, team.id["csw"], team.student_id["beto"])
    assert (entry.reviewed_by, entry.review_note) == (team.id["scsw"], "confirmed with the RU")
    [row] = audit_rows(app, "caseload.add.approve")
    assert (row.user_id, row.student_id, row.basis) == (team.id["scsw"], team.student_id["beto"], "supervision")
    assert row.details == {"add_id": add_id, "worker_id": team.id["csw"], "note_given": True}
    assert client.get(QUEUE, headers=team.h("scsw")).json["items"] == []

    moving_clock.advance(days=60)
    assert tab_statuses(client, team, "csw", "beto") == [200] * len(STUDENT_ROUTES)
    assert client.post(f"{QUEUE}/{add_id}/approve", headers=team.h("scsw")).status_code == 409  # decided


def test_denial_ends_access_at_once_and_sticks(app, client, team, moving_clock):
    add_as(client, team, "csw", "beto")
    add_id = add_id_of(app, team, "csw", "beto")
    assert tab_statuses(client, team, "csw", "beto") == [200] * len(STUDENT_ROUTES)
    response = client.post(f"{QUEUE}/{add_id}/deny", headers=team.h("scsw"))
    assert response.status_code == 200 and response.json["review_state"] == "denied"
    assert tab_statuses(client, team, "csw", "beto") == [404] * len(STUDENT_ROUTES)
    assert team.ssid["beto"] not in caseload_ssids(client, team, "csw")
    [row] = audit_rows(app, "caseload.add.deny")
    assert row.details == {"add_id": add_id, "worker_id": team.id["csw"], "note_given": False}
    again = add_student(client, team.h("csw"), team.ssid["beto"], reason="trying again")
    assert again.status_code == 409
    assert tab_statuses(client, team, "csw", "beto") == [404] * len(STUDENT_ROUTES)


def test_review_of_a_lapsed_add_is_409(app, client, team, moving_clock):
    add_as(client, team, "csw", "beto")
    add_id = add_id_of(app, team, "csw", "beto")
    moving_clock.advance(days=30)
    assert client.get(QUEUE, headers=team.h("scsw")).json["items"] == []
    assert client.post(f"{QUEUE}/{add_id}/approve", headers=team.h("scsw")).status_code == 409
    assert audit_rows(app, "caseload.add.approve") == []


def test_approve_and_deny_roll_back_with_their_audit_row(app, client, team, moving_clock, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from mobile_service import audit

    add_as(client, team, "csw", "beto")
    add_id = add_id_of(app, team, "csw", "beto")

    class Broken:
        def execute(self, *_args, **_kwargs):
            raise OperationalError("INSERT", {}, Exception("audit table unavailable"))

    headers = team.h("scsw")
    with monkeypatch.context() as patch:
        patch.setattr(audit.db.session, "connection", lambda: Broken())
        response = client.post(f"{QUEUE}/{add_id}/deny", headers=headers)
    assert response.status_code == 503 and "Retry-After" in response.headers
    [entry] = entries(app, team.id["csw"], team.student_id["beto"])
    assert entry.review_state == "pending" and entry.removed_at is None


# --- deny paths ---------------------------------------------------------------------------------

@pytest.mark.parametrize("who, status", [("csw", 403), ("coordinator", 403)])
def test_queue_refuses_other_roles(app, client, team, moving_clock, who, status):
    add_as(client, team, "csw", "beto")
    add_id = add_id_of(app, team, "csw", "beto")
    assert client.get(QUEUE, headers=team.h(who)).status_code == status
    for action in ("approve", "deny"):
        assert client.post(f"{QUEUE}/{add_id}/{action}", headers=team.h(who)).status_code == status
    [entry] = entries(app, team.id["csw"], team.student_id["beto"])
    assert entry.review_state == "pending"


def test_queue_unauthenticated_is_401(client, team):
    assert client.get(QUEUE).status_code == 401
    assert client.post(f"{QUEUE}/1/approve").status_code == 401


@pytest.mark.parametrize("add_id", ["{other}", "987654", "2147483648", "-1", "0"])
def test_acting_outside_the_review_scope_is_a_plain_404(app, client, team, moving_clock, add_id):
    add_as(client, team, "peer", "beto")  # supervised by scsw_other
    other = add_id_of(app, team, "peer", "beto")
    url = f"{QUEUE}/{add_id.format(other=other)}/deny"
    response = client.post(url, headers=team.h("scsw"))
    assert response.status_code == 404 and response.headers["Content-Type"].startswith("application/problem+json")
    [entry] = entries(app, team.id["peer"], team.student_id["beto"])
    assert entry.review_state == "pending" and audit_rows(app, "caseload.add.deny") == []


def test_review_note_is_validated(app, client, team, moving_clock):
    add_as(client, team, "csw", "beto")
    add_id = add_id_of(app, team, "csw", "beto")
    for body in ({"note": "x\u0001y"}, {"note": "x" * 501}, {"note": 5}, {"other": "field"}, ["x"]):
        assert client.post(f"{QUEUE}/{add_id}/approve", json=body, headers=team.h("scsw")).status_code == 422
    # NUL: the request guard answers 400 before the schema.
    assert client.post(f"{QUEUE}/{add_id}/approve", json={"note": "x\u0000y"},
                       headers=team.h("scsw")).status_code in (400, 422)
    [entry] = entries(app, team.id["csw"], team.student_id["beto"])
    assert entry.review_state == "pending"
