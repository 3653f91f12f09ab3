"""Self-granted access is bounded and seen (issue 11, item 2): expiry, review queue, report.

A manual add of a student the DCFS feed does not assign to the worker lasts MANUAL_ADD_DAYS
(30) unless the supervising SCSW (an admin for a worker without one) approves it or the feed
confirms it. The clock moves here (``clock.utcnow``; ``clock.today`` follows it in Los
Angeles), so every request signs a fresh token at the current instant.
"""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from mobile_service import clock
from mobile_service.extensions import db
from mobile_service.models import CaseloadEntry, DcfsCase
from tests.api.caseload_helpers import CASELOAD_URL, add_student, audit_rows, bearer, entries, student_url
from tests.api.student_helpers import STUDENT_ROUTES
from tests.factories import app_token_for, make_school, make_student, make_supervision, make_user

T0 = dt.datetime(2026, 10, 15, 16, 0, tzinfo=dt.UTC)  # 09:00 in Los Angeles
QUEUE = "/api/v1/supervisees/pending-adds"
REPORT = "/api/v1/admin/manual-adds"
CARD_KEYS = {"add_id", "worker", "student", "reason", "added_at", "expires_at", "days_left"}
REPORT_KEYS = {"add_id", "worker_id", "worker_email", "state", "flagged", "reason", "added_at", "age_days",
               "expires_at", "removed_at", "reviewed_by", "reviewer_email", "reviewed_at"}


class MovingClock:
    """The service clock, moved by the test."""

    def __init__(self, now: dt.datetime):
        self.now = now

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def moving_clock(monkeypatch) -> MovingClock:
    """``clock.utcnow`` at T0 until the test moves it (``clock.today`` derives from it)."""
    state = MovingClock(T0)
    monkeypatch.setattr(clock, "utcnow", lambda: state.now)
    return state


@pytest.fixture
def team(app, moving_clock):
    """Two supervised CSWs under different SCSWs, a CSW without supervisor, a coordinator, an admin."""
    with app.app_context():
        scsw, scsw_other = make_user("scsw", display_name="Sofia Supervisor"), make_user("scsw")
        csw = make_user("csw", display_name="Carla Worker")
        peer = make_user("csw", display_name="Pablo Peer")
        lone = make_user("csw", display_name="Lena Lone")
        coordinator, admin = make_user("pilot_coordinator"), make_user("admin")
        make_supervision(scsw, csw)
        make_supervision(scsw_other, peer)
        school = make_school(name="Garey High")
        students = {name: make_student(legal_first_name=name.title(), legal_last_name="Diaz",
                                       birth_date=dt.date(2012, 3, 4))
                    for name in ("ana", "beto", "cruz", "dora")}
        from tests.api.student_helpers import enroll

        enroll(students["ana"], school, dt.date(2026, 8, 13))
        db.session.commit()
        users = {"scsw": scsw, "scsw_other": scsw_other, "csw": csw, "peer": peer, "lone": lone,
                 "coordinator": coordinator, "admin": admin}
        ns = SimpleNamespace(
            user={k: SimpleNamespace(id=u.id, role=u.role, token_version=u.token_version) for k, u in users.items()},
            id={k: u.id for k, u in users.items()},
            employee={k: u.dcfs_employee_id for k, u in users.items()},
            ssid={k: s.ssid for k, s in students.items()},
            student_id={k: s.id for k, s in students.items()},
        )
        db.session.remove()

    def headers(who: str) -> dict[str, str]:
        with app.app_context():
            return bearer(app_token_for(ns.user[who]))

    ns.h = headers
    return ns


def _add(client, team, who: str, student: str) -> int:
    response = add_student(client, team.h(who), team.ssid[student])
    assert response.status_code == 201, response.json
    return response.json


def _add_id(app, team, who: str, student: str) -> int:
    [entry] = [e for e in entries(app, team.id[who], team.student_id[student]) if e.origin == "added"][-1:]
    return entry.id


def _tabs(client, team, who: str, student: str) -> list[int]:
    headers = team.h(who)
    return [client.get(student_url(client, team.ssid[student], route), headers=headers).status_code
            for route in STUDENT_ROUTES]


def _caseload_ssids(client, team, who: str) -> set[str]:
    return {card["ssid"] for card in client.get(CASELOAD_URL, headers=team.h(who)).json["items"]}


# --- the reported problem, then expiry at day 30 ------------------------------------------------

def test_reported_a_manual_add_gave_all_four_tabs_forever_now_it_lapses_at_day_30(app, client, team, moving_clock):
    body = _add(client, team, "csw", "beto")
    assert body["review_state"] == "pending" and body["flagged"] is True
    assert body["expires_at"] == "2026-11-14T16:00:00Z"  # 30 days after the add, to the second
    assert _tabs(client, team, "csw", "beto") == [200, 200, 200, 200]

    moving_clock.advance(days=30, seconds=-1)  # the last second of the add
    assert _tabs(client, team, "csw", "beto") == [200, 200, 200, 200]
    assert team.ssid["beto"] in _caseload_ssids(client, team, "csw")

    moving_clock.advance(seconds=1)  # lapsed: checked at read time, no job has run
    assert _tabs(client, team, "csw", "beto") == [404, 404, 404, 404]
    assert team.ssid["beto"] not in _caseload_ssids(client, team, "csw")
    # The supervisor's view through the supervisee's add lapses with it.
    assert client.get(student_url(client, team.ssid["beto"]), headers=team.h("scsw")).status_code == 404
    cards = client.get(f"/api/v1/supervisees/{team.id['csw']}/caseload", headers=team.h("scsw")).json["items"]
    assert cards == []
    [entry] = entries(app, team.id["csw"], team.student_id["beto"])
    assert entry.review_state == "pending" and entry.removed_at is None  # stored state waits for the job


def test_lapsed_add_can_be_made_again_as_a_new_pending_add(app, client, team, moving_clock):
    _add(client, team, "csw", "beto")
    moving_clock.advance(days=31)
    again = add_student(client, team.h("csw"), team.ssid["beto"], reason="still covering")
    assert again.status_code == 201 and again.json["review_state"] == "pending"
    first, second = entries(app, team.id["csw"], team.student_id["beto"])
    assert (first.review_state, first.removed_at) == ("lapsed", first.expires_at)
    assert second.removed_at is None and second.expires_at == moving_clock.now + dt.timedelta(days=30)
    assert [r.details["add_id"] for r in audit_rows(app, "caseload.add.lapse")] == [first.id]


def test_feed_confirmation_keeps_access_past_day_30(app, client, team, moving_clock, runner):
    _add(client, team, "csw", "beto")
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
    assert _tabs(client, team, "csw", "beto") == [200, 200, 200, 200]
    assert team.ssid["beto"] in _caseload_ssids(client, team, "csw")


# --- the SCSW's queue ---------------------------------------------------------------------------

def test_scsw_queue_lists_supervisees_pending_adds_with_minimum_fields(app, client, team, moving_clock):
    _add(client, team, "csw", "ana")
    _add(client, team, "peer", "beto")  # another SCSW's supervisee
    _add(client, team, "lone", "cruz")  # no supervisor: the admin's queue
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
    _add(client, team, "csw", "beto")
    add_id = _add_id(app, team, "csw", "beto")
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
    assert _tabs(client, team, "csw", "beto") == [200, 200, 200, 200]
    assert client.post(f"{QUEUE}/{add_id}/approve", headers=team.h("scsw")).status_code == 409  # decided


def test_denial_ends_access_at_once_and_sticks(app, client, team, moving_clock):
    _add(client, team, "csw", "beto")
    add_id = _add_id(app, team, "csw", "beto")
    assert _tabs(client, team, "csw", "beto") == [200, 200, 200, 200]
    response = client.post(f"{QUEUE}/{add_id}/deny", headers=team.h("scsw"))
    assert response.status_code == 200 and response.json["review_state"] == "denied"
    assert _tabs(client, team, "csw", "beto") == [404, 404, 404, 404]
    assert team.ssid["beto"] not in _caseload_ssids(client, team, "csw")
    [row] = audit_rows(app, "caseload.add.deny")
    assert row.details == {"add_id": add_id, "worker_id": team.id["csw"], "note_given": False}
    again = add_student(client, team.h("csw"), team.ssid["beto"], reason="trying again")
    assert again.status_code == 409
    assert _tabs(client, team, "csw", "beto") == [404, 404, 404, 404]


def test_review_of_a_lapsed_add_is_409(app, client, team, moving_clock):
    _add(client, team, "csw", "beto")
    add_id = _add_id(app, team, "csw", "beto")
    moving_clock.advance(days=30)
    assert client.get(QUEUE, headers=team.h("scsw")).json["items"] == []
    assert client.post(f"{QUEUE}/{add_id}/approve", headers=team.h("scsw")).status_code == 409
    assert audit_rows(app, "caseload.add.approve") == []


def test_approve_and_deny_roll_back_with_their_audit_row(app, client, team, moving_clock, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from mobile_service import audit

    _add(client, team, "csw", "beto")
    add_id = _add_id(app, team, "csw", "beto")

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


# --- the admin's share: workers without an active supervisor ------------------------------------

def test_admin_reviews_adds_of_csws_without_an_active_supervisor(app, client, team, moving_clock):
    _add(client, team, "lone", "cruz")
    _add(client, team, "csw", "ana")
    lone_add, csw_add = _add_id(app, team, "lone", "cruz"), _add_id(app, team, "csw", "ana")
    [card] = client.get(QUEUE, headers=team.h("admin")).json["items"]
    assert card["add_id"] == lone_add and card["worker"]["user_id"] == team.id["lone"]
    [row] = audit_rows(app, "caseload.pending_adds.view")
    assert row.basis == "admin"
    assert client.post(f"{QUEUE}/{csw_add}/approve", headers=team.h("admin")).status_code == 404  # the SCSW's
    assert client.post(f"{QUEUE}/{lone_add}/approve", headers=team.h("scsw")).status_code == 404  # not hers
    response = client.post(f"{QUEUE}/{lone_add}/approve", headers=team.h("admin"))
    assert response.status_code == 200
    [row] = audit_rows(app, "caseload.add.approve")
    assert (row.user_id, row.basis) == (team.id["admin"], "admin")
    # The admin reviews; he still sees no student record.
    assert client.get(student_url(client, team.ssid["cruz"]), headers=team.h("admin")).status_code == 403


def test_an_scsws_own_add_is_reviewed_by_an_admin(app, client, team, moving_clock):
    _add(client, team, "scsw", "dora")
    add_id = _add_id(app, team, "scsw", "dora")
    assert client.get(QUEUE, headers=team.h("scsw")).json["items"] == []  # never their own reviewer
    assert client.post(f"{QUEUE}/{add_id}/approve", headers=team.h("scsw")).status_code == 404
    assert [c["add_id"] for c in client.get(QUEUE, headers=team.h("admin")).json["items"]] == [add_id]


@pytest.mark.parametrize("how", ["ended", "deactivated"])
def test_an_ended_or_inactive_supervisor_hands_the_adds_to_the_admin(app, client, team, moving_clock, runner, how):
    _add(client, team, "csw", "ana")
    add_id = _add_id(app, team, "csw", "ana")
    assert [c["add_id"] for c in client.get(QUEUE, headers=team.h("admin")).json["items"]] == []
    with app.app_context():
        from mobile_service.models import Supervision, User

        if how == "ended":
            email = db.session.get(User, team.id["csw"]).email
            db.session.remove()
            assert runner.invoke(args=["users", "end-supervision", email]).exit_code == 0
        else:  # deactivated without the link being ended
            db.session.get(User, team.id["scsw"]).active = False
            db.session.commit()
        assert db.session.execute(select(Supervision.id)).first() is not None
    assert [c["add_id"] for c in client.get(QUEUE, headers=team.h("admin")).json["items"]] == [add_id]
    if how == "ended":
        assert client.get(QUEUE, headers=team.h("scsw")).json["items"] == []


def test_reported_unsupervised_seeded_csws_adds_now_reach_a_reviewer(app, client, runner, moving_clock):
    """In the seeded county some CSWs have no supervisor (9 of 88 at the default scale): their flags
    reached nobody. Now every pending add is in exactly one queue."""
    from mobile_service.models import Student, Supervision, User

    assert runner.invoke(args=["seed", "--students", "600", "--seed", "11"]).exit_code == 0
    with app.app_context():
        workers = db.session.execute(select(User).where(User.role == "csw", User.active.is_(True))).scalars().all()
        supervised = set(db.session.execute(select(Supervision.worker_id).where(Supervision.end_date.is_(None)))
                         .scalars())
        lone = [w for w in workers if w.id not in supervised]
        assert lone and len(lone) < len(workers)
        students = db.session.execute(select(Student.ssid).limit(len(lone))).scalars().all()
        tokens = {w.id: bearer(app_token_for(w)) for w in lone}
        scsws = db.session.execute(select(User).where(User.role == "scsw")).scalars().all()
        reviewers = [bearer(app_token_for(u)) for u in scsws]
        reviewers.append(bearer(app_token_for(db.session.execute(
            select(User).where(User.role == "admin")).scalars().first())))
        lone_ids = [w.id for w in lone]
        db.session.remove()
    for worker_id, ssid in zip(lone_ids, students):
        assert add_student(client, tokens[worker_id], ssid).status_code in (200, 201)
    seen: list[int] = []
    for headers in reviewers:
        url = QUEUE + "?limit=100"
        while url:
            page = client.get(url, headers=headers).json
            seen += [card["add_id"] for card in page["items"]]
            url = f"{QUEUE}?limit=100&cursor={page['next_cursor']}" if page["next_cursor"] else None
    with app.app_context():
        pending = set(db.session.execute(select(CaseloadEntry.id).where(
            CaseloadEntry.review_state == "pending", CaseloadEntry.removed_at.is_(None))).scalars())
    assert pending and sorted(seen) == sorted(pending)  # each pending add once, none unreviewed


# --- deny paths ---------------------------------------------------------------------------------

@pytest.mark.parametrize("who, status", [("csw", 403), ("coordinator", 403)])
def test_queue_refuses_other_roles(app, client, team, moving_clock, who, status):
    _add(client, team, "csw", "beto")
    add_id = _add_id(app, team, "csw", "beto")
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
    _add(client, team, "peer", "beto")  # supervised by scsw_other
    other = _add_id(app, team, "peer", "beto")
    url = f"{QUEUE}/{add_id.format(other=other)}/deny"
    response = client.post(url, headers=team.h("scsw"))
    assert response.status_code == 404 and response.headers["Content-Type"].startswith("application/problem+json")
    [entry] = entries(app, team.id["peer"], team.student_id["beto"])
    assert entry.review_state == "pending" and audit_rows(app, "caseload.add.deny") == []


def test_review_note_is_validated(app, client, team, moving_clock):
    _add(client, team, "csw", "beto")
    add_id = _add_id(app, team, "csw", "beto")
    for body in ({"note": "x\u0001y"}, {"note": "x" * 501}, {"note": 5}, {"other": "field"}, ["x"]):
        assert client.post(f"{QUEUE}/{add_id}/approve", json=body, headers=team.h("scsw")).status_code == 422
    # NUL: the request guard answers 400 before the schema.
    assert client.post(f"{QUEUE}/{add_id}/approve", json={"note": "x\u0000y"},
                       headers=team.h("scsw")).status_code in (400, 422)
    [entry] = entries(app, team.id["csw"], team.student_id["beto"])
    assert entry.review_state == "pending"


# --- the daily job ------------------------------------------------------------------------------

def test_daily_job_marks_lapsed_adds_and_prints_how_many(app, client, team, moving_clock, runner):
    _add(client, team, "csw", "ana")
    _add(client, team, "lone", "beto")
    moving_clock.advance(days=20)
    _add(client, team, "peer", "cruz")  # still pending after the job
    moving_clock.advance(days=11)
    result = runner.invoke(args=["recompute-status"])
    assert result.exit_code == 0, result.output
    assert "manual adds: 0 confirmed by the DCFS feed, 2 lapsed" in result.output
    with app.app_context():
        states = dict(db.session.execute(select(CaseloadEntry.user_id, CaseloadEntry.review_state)).all())
    assert states == {team.id["csw"]: "lapsed", team.id["lone"]: "lapsed", team.id["peer"]: "pending"}
    lapsed = entries(app, team.id["csw"])
    assert lapsed[0].removed_at == lapsed[0].expires_at
    assert {r.student_id for r in audit_rows(app, "caseload.add.lapse")} == {team.student_id["ana"],
                                                                           team.student_id["beto"]}
    again = runner.invoke(args=["recompute-status"])
    assert "manual adds: 0 confirmed by the DCFS feed, 0 lapsed" in again.output


# --- the admin report ---------------------------------------------------------------------------

def test_admin_report_lists_every_add_with_age_and_state_and_is_audited(app, client, team, moving_clock, runner):
    _add(client, team, "csw", "ana")
    _add(client, team, "lone", "beto")
    client.post(f"{QUEUE}/{_add_id(app, team, 'csw', 'ana')}/approve", headers=team.h("scsw"))
    moving_clock.advance(days=31)
    _add(client, team, "peer", "cruz")
    response = client.get(REPORT, headers=team.h("admin"))
    assert response.status_code == 200
    items = response.json["items"]
    assert [set(i) for i in items] == [REPORT_KEYS] * 3
    by_worker = {i["worker_id"]: i for i in items}
    assert (by_worker[team.id["csw"]]["state"], by_worker[team.id["csw"]]["age_days"]) == ("approved", 31)
    assert by_worker[team.id["csw"]]["reviewed_by"] == team.id["scsw"]
    assert by_worker[team.id["lone"]]["state"] == "lapsed"  # read time, before the job
    assert (by_worker[team.id["peer"]]["state"], by_worker[team.id["peer"]]["age_days"]) == ("pending", 0)
    text = response.get_data(as_text=True)
    assert not any(team.ssid[s] in text for s in team.ssid) and "Diaz" not in text  # no student identifier
    [row] = audit_rows(app, "caseload.manual_adds.report")
    assert (row.user_id, row.basis, row.student_id) == (team.id["admin"], "admin", None)
    assert row.details == {"count": 3, "state": None, "page": False}

    lapsed = client.get(REPORT + "?state=lapsed", headers=team.h("admin")).json["items"]
    assert [i["worker_id"] for i in lapsed] == [team.id["lone"]]
    assert client.get(REPORT + "?state=nonsense", headers=team.h("admin")).status_code == 422

    result = runner.invoke(args=["caseload", "manual-adds", "--format", "csv"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("add_id,worker_id,worker_email,state,age_days") and len(lines) == 4
    cli_row = audit_rows(app, "caseload.manual_adds.report")[-1]
    assert cli_row.role == "operator" and cli_row.details["via"] == "cli"


@pytest.mark.parametrize("who, status", [("csw", 403), ("scsw", 403), ("coordinator", 403)])
def test_admin_report_refuses_other_roles(client, team, who, status):
    assert client.get(REPORT, headers=team.h(who)).status_code == status


def test_admin_report_unauthenticated_is_401(client, team):
    assert client.get(REPORT).status_code == 401
