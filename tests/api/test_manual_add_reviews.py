"""Manual adds without an active supervisor reach an admin; the daily job and the admin report (issue 11).

A manual add of a student the DCFS feed does not assign to the worker lasts MANUAL_ADD_DAYS
(30) unless the supervising SCSW (an admin for a worker without one) approves it or the feed
confirms it. The clock moves here (``clock.utcnow``; ``clock.today`` follows it in Los
Angeles), so every request signs a fresh token at the current instant.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from mobile_service.extensions import db
from mobile_service.models import CaseloadEntry
from tests.api.caseload_helpers import add_student, audit_rows, bearer, entries, student_url
from tests.api.manual_add_helpers import (
    QUEUE,
    REPORT,
    REPORT_KEYS,
    add_as,
    add_id_of,
)
from tests.factories import app_token_for

# --- the admin's share: workers without an active supervisor ------------------------------------

def test_admin_reviews_adds_of_csws_without_an_active_supervisor(app, client, team, moving_clock):
    add_as(client, team, "lone", "cruz")
    add_as(client, team, "csw", "ana")
    lone_add, csw_add = add_id_of(app, team, "lone", "cruz"), add_id_of(app, team, "csw", "ana")
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
    add_as(client, team, "scsw", "dora")
    add_id = add_id_of(app, team, "scsw", "dora")
    assert client.get(QUEUE, headers=team.h("scsw")).json["items"] == []  # never their own reviewer
    assert client.post(f"{QUEUE}/{add_id}/approve", headers=team.h("scsw")).status_code == 404
    assert [c["add_id"] for c in client.get(QUEUE, headers=team.h("admin")).json["items"]] == [add_id]


@pytest.mark.parametrize("how", ["ended", "deactivated"])
def test_an_ended_or_inactive_supervisor_hands_the_adds_to_the_admin(app, client, team, moving_clock, runner, how):
    add_as(client, team, "csw", "ana")
    add_id = add_id_of(app, team, "csw", "ana")
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


# --- the daily job ------------------------------------------------------------------------------

def test_daily_job_marks_lapsed_adds_and_prints_how_many(app, client, team, moving_clock, runner):
    add_as(client, team, "csw", "ana")
    add_as(client, team, "lone", "beto")
    moving_clock.advance(days=20)
    add_as(client, team, "peer", "cruz")  # still pending after the job
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
    add_as(client, team, "csw", "ana")
    add_as(client, team, "lone", "beto")
    client.post(f"{QUEUE}/{add_id_of(app, team, 'csw', 'ana')}/approve", headers=team.h("scsw"))
    moving_clock.advance(days=31)
    add_as(client, team, "peer", "cruz")
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
