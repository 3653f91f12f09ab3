"""``GET /api/v1/alerts`` and ``POST /api/v1/alerts/seen``: my caseload's stored alerts, no names, audited."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from mobile_service import audit, clock
from mobile_service.alerts import EDUCATION_KINDS, rights_holder_alerts
from mobile_service.alerts import refresh as alert_refresh
from mobile_service.errors import unavailable
from mobile_service.extensions import db, limiter
from mobile_service.models import Alert, AuditEventStudent
from tests.api.caseload_helpers import audit_rows, bearer, without_request_id
from tests.factories import app_token_for, make_case, make_user

URL, SEEN = "/api/v1/alerts", "/api/v1/alerts/seen"
ITEM_KEYS = {"alert_id", "student_key", "kind", "raised_at", "cleared_at", "open", "seen_at"}


def _daily(app, now: dt.datetime | None = None) -> None:
    with app.app_context():
        alert_refresh.daily(now)
        db.session.remove()


def _kinds(body) -> set[tuple[str, str]]:
    return {(item["student_key"], item["kind"]) for item in body["items"]}


@pytest.fixture
def stored(app, world):
    """The world with its alerts stored by the daily job."""
    _daily(app)
    return world


def _alert_id(app, student_id: int, kind: str) -> int:
    with app.app_context():
        found = db.session.execute(select(Alert.id).where(Alert.student_id == student_id, Alert.kind == kind)
                                   .order_by(Alert.id.desc())).scalars().first()
        db.session.remove()
    return found


def test_my_feed_lists_my_caseload_alerts_and_no_names(client, stored):
    response = client.get(URL, headers=stored.headers["csw"])
    assert response.status_code == 200, response.json
    assert response.headers["Cache-Control"] == "private, no-store"
    body = response.get_json()
    assert _kinds(body) == {(stored.key["assigned"], "chronic_absence"), (stored.key["added"], "failing_marks")}
    assert all(set(item) == ITEM_KEYS and item["open"] and item["seen_at"] is None for item in body["items"])
    text = json.dumps(body)
    for forbidden in ("Ana", "Alvarez", "Beto", "Bravo", stored.ssid["assigned"], stored.ssid["added"]):
        assert forbidden not in text  # a push can forward any item as it is
    assert body["next_cursor"] is None and body["next_since"].endswith("Z")


def test_other_workers_alerts_are_invisible(client, stored):
    # The unrelated and inactive students have no current enrollment: stored, but on nobody's caseload.
    assert _kinds(client.get(URL, headers=stored.headers["peer"]).get_json()) == {
        (stored.key["foreign"], "no_current_enrollment")}
    scsw = _kinds(client.get(URL, headers=stored.headers["scsw"]).get_json())
    assert scsw == set()  # a supervisor's own feed is their own caseload (the team is the digest)


def test_the_cards_and_the_feed_agree(client, stored):
    for who in ("csw", "peer"):
        cards = client.get("/api/v1/caseload", headers=stored.headers[who]).get_json()["items"]
        feed = _kinds(client.get(URL, headers=stored.headers[who]).get_json())
        for card in cards:
            assert card["alerts"] == [k for k in EDUCATION_KINDS if (card["student_key"], k) in feed], card


def test_every_child_an_item_names_is_audited(app, client, stored):
    body = client.get(URL, headers=stored.headers["csw"]).get_json()
    [row] = audit_rows(app, "alerts.view")
    assert (row.user_id, row.basis, row.details["count"]) == (stored.id["csw"], "caseload", 2)
    with app.app_context():
        children = dict(db.session.execute(select(AuditEventStudent.student_id, AuditEventStudent.basis)
                                           .where(AuditEventStudent.audit_event_id == row.id)).all())
        db.session.remove()
    assert children == {stored.student_id["assigned"]: "dcfs_assignment", stored.student_id["added"]: "caseload"}
    assert len(body["items"]) == 2


def test_no_audit_row_no_alerts(client, stored, monkeypatch):
    def refuse():
        raise unavailable("The service cannot record this access right now; retry shortly.")

    monkeypatch.setattr(audit, "commit", refuse)
    response = client.get(URL, headers=stored.headers["csw"])
    assert response.status_code == 503
    assert "items" not in response.get_json()


@pytest.mark.parametrize("who,status", [(None, 401), ("coordinator", 403), ("admin", 403)])
def test_only_field_roles_have_a_feed(client, stored, who, status):
    headers = stored.headers[who] if who else {}
    assert client.get(URL, headers=headers).status_code == status
    assert client.post(SEEN, json={"alert_ids": [1]}, headers=headers).status_code == status


@pytest.mark.parametrize("query", [
    "since=yesterday", "since=2026-10-15T16:00:00", "since=2026-10-15", "since=0001-01-01T00:00:00%2B14:00",
    "since=1999-12-31T23:59:59Z", "limit=1000", "limit=0", "limit=x", "cursor=abc", "name=Ana",
])
def test_bad_arguments_are_a_clear_422(client, stored, query):
    response = client.get(f"{URL}?{query}", headers=stored.headers["csw"])
    assert response.status_code == 422, response.json
    assert response.mimetype == "application/problem+json"


def test_since_in_the_future_is_a_422(client, stored):
    future = (clock.utcnow() + dt.timedelta(minutes=2)).isoformat().replace("+00:00", "Z")
    response = client.get(URL, query_string={"since": future}, headers=stored.headers["csw"])
    assert response.status_code == 422
    assert "future" in json.dumps(response.get_json()["errors"])


def test_pages_are_bounded_and_cursors_are_mine(client, stored):
    first = client.get(f"{URL}?limit=1", headers=stored.headers["csw"]).get_json()
    assert len(first["items"]) == 1 and first["next_cursor"]
    second = client.get(URL, query_string={"limit": 1, "cursor": first["next_cursor"]},
                        headers=stored.headers["csw"]).get_json()
    assert len(second["items"]) == 1 and second["next_cursor"] is None
    assert first["items"][0]["alert_id"] != second["items"][0]["alert_id"]
    stolen = client.get(URL, query_string={"limit": 1, "cursor": first["next_cursor"]}, headers=stored.headers["peer"])
    assert stolen.status_code == 422


def test_since_brings_what_was_raised_or_cleared_after_it(app, client, stored):
    since = (clock.utcnow() - dt.timedelta(seconds=1)).isoformat()
    assert len(client.get(URL, query_string={"since": since}, headers=stored.headers["csw"]).get_json()["items"]) == 2
    with app.app_context():  # the attendance improves: the daily job clears the chronic-absence alert
        from mobile_service.models import AttendanceSummary

        row = db.session.execute(select(AttendanceSummary).where(
            AttendanceSummary.student_id == stored.student_id["assigned"])).scalar_one()
        row.days_absent_excused, row.days_attended = 1, 39
        db.session.commit()
        later = clock.utcnow() + dt.timedelta(seconds=2)
        db.session.remove()
    _daily(app, later)
    after = client.get(URL, query_string={"since": since}, headers=stored.headers["csw"]).get_json()
    chronic = [i for i in after["items"] if i["kind"] == "chronic_absence"]
    assert [(i["open"], i["cleared_at"] is not None) for i in chronic] == [(False, True)]
    # Without since: the open alerts only.
    assert _kinds(client.get(URL, headers=stored.headers["csw"]).get_json()) == {(stored.key["added"], "failing_marks")}


def test_a_since_poll_finds_the_alerts_of_a_job_that_committed_late(app, client, world, service_clock,
                                                                     monkeypatch):
    start = service_clock.freeze(dt.datetime.now(dt.UTC).replace(microsecond=0))
    # The daily job starts at `start` and commits 10 minutes later; the worker polls 8 minutes in.
    service_clock.advance(minutes=8)
    polled = client.get(URL, headers=world.headers["csw"]).get_json()
    assert polled["items"] == []  # nothing committed yet
    service_clock.freeze(start)
    real_expire = rights_holder_alerts.expire

    def slow_expire(now):  # the job's last step, 10 minutes after it computed the alerts
        service_clock.advance(minutes=10)
        return real_expire(now)

    monkeypatch.setattr(rights_holder_alerts, "expire", slow_expire)
    _daily(app)
    body = client.get(URL, query_string={"since": polled["next_since"]}, headers=world.headers["csw"]).get_json()
    assert _kinds(body) == {(world.key["assigned"], "chronic_absence"), (world.key["added"], "failing_marks")}
    stamps = {dt.datetime.fromisoformat(item["raised_at"].replace("Z", "+00:00")) for item in body["items"]}
    assert stamps == {start + dt.timedelta(minutes=10)}  # stamped at the commit, after the poll's next_since


def test_marking_seen_is_idempotent_and_mine_only(app, client, stored):
    mine = _alert_id(app, stored.student_id["assigned"], "chronic_absence")
    response = client.post(SEEN, json={"alert_ids": [mine, mine]}, headers=stored.headers["csw"])
    assert response.status_code == 200, response.json
    assert response.get_json()["alert_ids"] == [mine]
    assert client.post(SEEN, json={"alert_ids": [mine]}, headers=stored.headers["csw"]).status_code == 200
    [item] = [i for i in client.get(URL, headers=stored.headers["csw"]).get_json()["items"] if i["alert_id"] == mine]
    assert item["seen_at"] is not None
    # The peer's feed shows nothing of it, and marking it is the identical 404 of an unknown id.
    theirs = client.post(SEEN, json={"alert_ids": [mine]}, headers=stored.headers["peer"])
    unknown = client.post(SEEN, json={"alert_ids": [2**31 - 1]}, headers=stored.headers["peer"])
    assert theirs.status_code == unknown.status_code == 404
    assert without_request_id(theirs.get_json()) == without_request_id(unknown.get_json())
    # One foreign id in a batch marks nothing at all.
    other = _alert_id(app, stored.student_id["added"], "failing_marks")
    assert client.post(SEEN, json={"alert_ids": [other, mine]}, headers=stored.headers["peer"]).status_code == 404


@pytest.mark.parametrize("body", [{}, {"alert_ids": []}, {"alert_ids": list(range(1, 102))}, {"alert_ids": [0]},
                                  {"alert_ids": [2**31]}, {"alert_ids": ["1"]}, {"alert_ids": [1], "x": 1}])
def test_a_bad_seen_body_is_a_422(client, stored, body):
    assert client.post(SEEN, json=body, headers=stored.headers["csw"]).status_code == 422


def test_a_new_dcfs_assignment_is_for_the_assigned_worker_only(app, client, stored):
    with app.app_context():
        from mobile_service.models import Student, User

        csw = db.session.get(User, stored.id["csw"])
        make_case(db.session.get(Student, stored.student_id["unrelated"]), csw, assignment_start=clock.today())
        db.session.commit()
        db.session.remove()
    _daily(app)
    mine = _kinds(client.get(URL, headers=stored.headers["csw"]).get_json())
    assert (stored.key["unrelated"], "dcfs_assignment") in mine
    assert (stored.key["unrelated"], "no_current_enrollment") in mine  # now on my caseload: its alerts too
    assert not {k for k, _ in _kinds(client.get(URL, headers=stored.headers["scsw"]).get_json())}


# --- my manual add's outcome ---------------------------------------------------------------------

def _add_id(app, user_id: int, student_id: int) -> int:
    from mobile_service.models import CaseloadEntry

    with app.app_context():
        found = db.session.execute(select(CaseloadEntry.id).where(
            CaseloadEntry.user_id == user_id, CaseloadEntry.student_id == student_id,
            CaseloadEntry.origin == "added").order_by(CaseloadEntry.id.desc())).scalars().first()
        db.session.remove()
    return found


def test_an_approval_alerts_the_worker_and_clears_when_they_remove_the_student(app, client, stored):
    add_id = _add_id(app, stored.id["csw"], stored.student_id["added"])
    approved = client.post(f"/api/v1/supervisees/pending-adds/{add_id}/approve", headers=stored.headers["scsw"])
    assert approved.status_code == 200, approved.json
    assert (stored.key["added"], "add_approved") in _kinds(client.get(URL, headers=stored.headers["csw"]).get_json())
    assert not _kinds(client.get(URL, headers=stored.headers["peer"]).get_json()) & {(stored.key["added"],
                                                                                        "add_approved")}
    assert client.delete(f"/api/v1/caseload/{stored.key['added']}", headers=stored.headers["csw"]).status_code == 204
    assert all(kind != "add_approved" for _, kind in _kinds(client.get(URL, headers=stored.headers["csw"]).get_json()))


def test_a_denial_alerts_the_worker_once_and_clears_after_30_days(app, client, stored):
    add_id = _add_id(app, stored.id["csw"], stored.student_id["added"])
    assert client.post(f"/api/v1/supervisees/pending-adds/{add_id}/deny", headers=stored.headers["scsw"]).status_code == 200
    _daily(app)  # the daily job the same day: still one alert
    feed = client.get(URL, headers=stored.headers["csw"]).get_json()["items"]
    assert [(i["student_key"], i["kind"]) for i in feed if i["kind"].startswith("add_")] == [
        (stored.key["added"], "add_denied")]  # no longer on my caseload, still my news
    _daily(app, clock.utcnow() + dt.timedelta(days=31))
    assert not [i for i in client.get(URL, headers=stored.headers["csw"]).get_json()["items"]
                if i["kind"] == "add_denied"]


def test_a_lapsed_add_alerts_the_worker_and_a_re_add_clears_it(app, client, team, moving_clock):
    from tests.api.caseload_helpers import add_student

    assert add_student(client, team.h("csw"), team.ssid["beto"]).status_code == 201
    moving_clock.advance(days=31)
    result = app.test_cli_runner().invoke(args=["recompute-status"])
    assert "1 lapsed" in result.output, result.output
    feed = _kinds(client.get(URL, headers=team.h("csw")).get_json())
    assert any(kind == "add_lapsed" for _, kind in feed)
    assert add_student(client, team.h("csw"), team.ssid["beto"]).status_code == 201
    assert not any(kind == "add_lapsed" for _, kind in _kinds(client.get(URL, headers=team.h("csw")).get_json()))


# --- limits --------------------------------------------------------------------------------------

@pytest.fixture
def limited_app(make_app, app, base_env):
    """A second app on the same database with a tiny alerts quota (restores the shared limiter)."""
    saved = limiter.enabled
    limited = make_app(dict(base_env, RATELIMIT_ENABLED="true", ALERTS_RATE_LIMIT="2 per minute"))
    yield limited
    limiter.reset()
    limiter.enabled = saved


def test_the_feed_is_rate_limited_per_user(limited_app, app):
    with app.app_context():
        first, second = make_user("csw"), make_user("csw")
        db.session.commit()
        token_a, token_b = app_token_for(first), app_token_for(second)
    client = limited_app.test_client()
    assert client.get(URL, headers=bearer(token_a)).status_code == 200
    assert client.post(SEEN, json={"alert_ids": [1]}, headers=bearer(token_a)).status_code == 404  # same quota
    refused = client.get(URL, headers=bearer(token_a))
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert client.get(URL, headers=bearer(token_b)).status_code == 200


def test_open_alerts_of_one_student_for_the_brief(app, stored):
    """The domain call the pre-visit brief and the sync use: one query, the caller's audiences only."""
    from auth.principal import Principal
    from mobile_service.alerts import open_alerts_of
    from mobile_service.models import User
    from tests.api.caseload_helpers import StatementCounter

    with app.app_context():
        csw, peer = db.session.get(User, stored.id["csw"]), db.session.get(User, stored.id["peer"])
        db.session.add(Alert(student_id=stored.student_id["assigned"], kind="dcfs_assignment",
                             audience=f"e:{peer.dcfs_employee_id}", basis="start:2026-10-14"))
        db.session.commit()
        mine = Principal(user_id=csw.id, role=csw.role, sid="x", dcfs_employee_id=csw.dcfs_employee_id)
        with StatementCounter(db.engine) as counter:
            found = open_alerts_of(stored.student_id["assigned"], mine)
        assert counter.count == 1
        assert [a["kind"] for a in found] == ["chronic_absence"]  # not the peer's assignment alert
        assert set(found[0]) == {"alert_id", "kind", "raised_at"}
        db.session.remove()
