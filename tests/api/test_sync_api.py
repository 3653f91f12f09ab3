"""``GET /api/v1/caseload/changes``: tokens, limits, deny paths, audit and the shape of the payload."""
from __future__ import annotations

import base64
import datetime as dt

import pytest
from sqlalchemy import delete, select

from mobile_service import audit
from mobile_service.errors import unavailable
from mobile_service.extensions import db, limiter
from mobile_service.models import AuditEvent, AuditEventStudent, SyncChange, User
from tests.api.caseload_helpers import audit_rows, bearer, student_url
from tests.api.sync_helpers import SYNC_URL, PhoneApp
from tests.factories import app_token_for, make_user


def _sync(client, headers, **params):
    return client.get(SYNC_URL, query_string=params, headers=headers)


def _resync(response) -> None:
    assert response.status_code == 410, response.get_json()
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["type"].endswith("/resync") and "Resync" in body["detail"]


def _token(client, headers) -> str:
    return _sync(client, headers).get_json()["sync_token"]


def test_a_full_sync_carries_the_caseload_freshness_token_and_cache_limit(client, world, service_clock):
    service_clock.freeze(dt.datetime(2026, 10, 15, 16, 0, tzinfo=dt.UTC))
    response = _sync(client, _signed(client, world, "csw"))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    body = response.get_json()
    assert body["kind"] == "full" and body["tombstones"] == [] and body["next_cursor"] is None
    assert {s["student_key"] for s in body["students"]} == {world.key["assigned"], world.key["added"]}
    assert body["cache_until"] == "2026-10-18T16:00:00Z"  # 72 h (SYNC_CACHE_HOURS)
    assert body["freshness"]["dcfs"] == "2026-10-12T09:30:00Z"
    for student in body["students"]:
        assert student["change"] == "added" and student["card"]["student_key"] == student["student_key"]


@pytest.mark.parametrize("tab,route", [("demographics", ""), ("enrollments", "/enrollments"),
                                       ("attendance", "/attendance"), ("progress_reports", "/progress-reports")])
def test_each_tab_is_what_the_record_route_returns_without_its_freshness(client, world, tab, route):
    body = _sync(client, world.headers["csw"]).get_json()
    for name in ("assigned", "added"):
        synced = next(s for s in body["students"] if s["student_key"] == world.key[name])
        online = client.get(student_url(client, world.ssid[name], route), headers=world.headers["csw"]).get_json()
        online.pop("freshness")
        assert synced[tab] == online


def test_the_card_is_the_caseload_card(client, world):
    body = _sync(client, world.headers["csw"]).get_json()
    cards = {c["student_key"]: c for c in client.get("/api/v1/caseload", headers=world.headers["csw"]).get_json()["items"]}
    assert {s["student_key"]: s["card"] for s in body["students"]} == cards


def test_one_audit_row_names_each_child_delivered(app, client, world):
    token = _token(client, world.headers["csw"])
    _sync(client, world.headers["csw"], since=token)
    rows = audit_rows(app, "caseload.sync")
    assert len(rows) == 2 and rows[0].details["kind"] == "full" and rows[1].details["kind"] == "delta"
    with app.app_context():
        children = [db.session.execute(select(AuditEventStudent.student_id, AuditEventStudent.basis)
                                       .where(AuditEventStudent.audit_event_id == row.id)).all() for row in rows]
        db.session.remove()
    assert sorted(children[0]) == sorted([(world.student_id["assigned"], "dcfs_assignment"),
                                          (world.student_id["added"], "caseload")])
    assert children[1] == []  # the empty delta delivered no record


def test_nothing_leaves_without_its_audit_row(client, world, monkeypatch):
    def refuse():
        raise unavailable("The service cannot record this access right now; retry shortly.")

    monkeypatch.setattr(audit, "commit", refuse)
    response = _sync(client, world.headers["csw"])
    assert response.status_code == 503 and "students" not in response.get_json()


def test_an_scsw_syncs_only_their_own_caseload(client, world):
    body = _sync(client, world.headers["scsw"]).get_json()
    assert body["students"] == []  # the supervisees' caseloads stay online only


@pytest.mark.parametrize("who", ["coordinator", "admin"])
def test_roles_without_student_data_are_refused(client, world, who):
    assert _sync(client, world.headers[who]).status_code == 403


def test_no_token_no_sync(client, world):
    assert client.get(SYNC_URL).status_code == 401


def test_another_users_token_answers_resync(client, world):
    token = _token(client, world.headers["csw"])
    _resync(_sync(client, world.headers["peer"], since=token))


def test_a_tampered_token_answers_resync(client, world):
    raw = bytearray(base64.urlsafe_b64decode(_token(client, world.headers["csw"]) + "=="))
    raw[-1] ^= 1
    _resync(_sync(client, world.headers["csw"], since=base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()))


def test_a_page_cursor_is_not_a_sync_token(app, client, world):
    first = _sync(client, world.headers["csw"], limit=1).get_json()
    assert first["next_cursor"] and first["sync_token"] is None
    _resync(_sync(client, world.headers["csw"], since=first["next_cursor"]))
    token = _token(client, world.headers["csw"])
    _resync(_sync(client, world.headers["csw"], cursor=token))


def test_a_token_older_than_the_limit_answers_resync(client, world, service_clock):
    start = service_clock.freeze(dt.datetime(2026, 10, 15, 16, 0, tzinfo=dt.UTC))
    token = _token(client, _signed(client, world, "csw"))
    service_clock.freeze(start + dt.timedelta(hours=72, minutes=1))
    _resync(_sync(client, _signed(client, world, "csw"), since=token))


def test_a_token_from_the_future_answers_resync(client, world, service_clock):
    start = service_clock.freeze(dt.datetime(2026, 10, 15, 16, 0, tzinfo=dt.UTC))
    token = _token(client, _signed(client, world, "csw"))
    service_clock.freeze(start - dt.timedelta(hours=1))
    _resync(_sync(client, _signed(client, world, "csw"), since=token))


def test_a_quiet_week_prunes_the_log_but_keeps_tokens_usable(app, client, world, service_clock):
    """The daily prune keeps the newest row: a valid token never lands ahead of the log's head."""
    start = service_clock.freeze(dt.datetime(2026, 10, 15, 16, 0, tzinfo=dt.UTC))
    removed = client.delete(f"/api/v1/caseload/{world.key['added']}", headers=_signed(client, world, "csw"))
    assert removed.status_code == 204  # a log row
    service_clock.freeze(start + dt.timedelta(days=8))  # nothing changes for a week and a day
    token = _token(client, _signed(client, world, "csw"))
    with app.app_context():
        from mobile_service import changelog

        changelog.prune()
        assert db.session.execute(select(SyncChange)).scalars().all() != []
    response = _sync(client, _signed(client, world, "csw"), since=token)
    assert response.status_code == 200 and response.get_json()["kind"] == "delta"


def test_a_token_ahead_of_the_change_log_answers_resync(app, client, world):
    client.delete(f"/api/v1/caseload/{world.key['added']}", headers=world.headers["csw"])
    token = _token(client, world.headers["csw"])
    with app.app_context():
        db.session.execute(delete(SyncChange))  # the database restored from before the token
        db.session.commit()
    _resync(_sync(client, world.headers["csw"], since=token))


@pytest.mark.parametrize("params", [
    {"since": "not a token!"}, {"since": "short"}, {"since": "A" * 9000}, {"cursor": "%%%"},
    {"since": "A" * 41},  # the right alphabet, but not base64 of anything
    {"limit": 0}, {"limit": 101}, {"limit": 10**12}, {"limit": "many"},
], ids=["chars", "short", "long", "cursor-chars", "not-base64", "limit-0", "limit-101", "limit-huge", "limit-text"])
def test_malformed_input_is_a_422(client, world, params):
    response = _sync(client, world.headers["csw"], **params)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"


def test_since_and_cursor_together_are_a_422(client, world):
    first = _sync(client, world.headers["csw"], limit=1).get_json()
    token = _token(client, world.headers["csw"])
    assert _sync(client, world.headers["csw"], since=token, cursor=first["next_cursor"]).status_code == 422


def test_pages_are_bounded_and_only_the_last_carries_the_token(client, world):
    phone = PhoneApp(client, lambda: world.headers["csw"])
    pages = phone.sync(limit=1)
    assert [len(p["students"]) for p in pages] == [1, 1]
    assert [p["sync_token"] is not None for p in pages] == [False, True]
    assert set(phone.store) == {world.key["assigned"], world.key["added"]}


def test_an_empty_delta_is_small_and_names_nobody(client, world):
    token = _token(client, world.headers["csw"])
    response = _sync(client, world.headers["csw"], since=token)
    body = response.get_json()
    assert body["students"] == [] and body["tombstones"] == [] and body["sync_token"]
    assert len(response.data) < 1024


def _signed(client, world, who: str) -> dict[str, str]:
    """A fresh app token of ``who``, signed at the service clock's now."""
    with client.application.app_context():
        headers = bearer(app_token_for(db.session.get(User, world.id[who])))
        db.session.remove()
    return headers


@pytest.fixture
def limited_app(make_app, app, base_env):
    """A second app on the same database with a tiny sync quota (restores the shared limiter)."""
    saved = limiter.enabled
    yield make_app(dict(base_env, RATELIMIT_ENABLED="true", SYNC_RATE_LIMIT="2 per minute"))
    limiter.reset()
    limiter.enabled = saved


def test_syncs_are_rate_limited_per_user(limited_app, app):
    with limited_app.app_context():
        csw, other = make_user("csw"), make_user("csw")
        db.session.commit()
        csw_id = csw.id
        mine, theirs = bearer(app_token_for(csw)), bearer(app_token_for(other))
        db.session.remove()
    client = limited_app.test_client()
    assert [client.get(SYNC_URL, headers=mine).status_code for _ in range(3)] == [200, 200, 429]
    refused = client.get(SYNC_URL, headers=mine)
    assert refused.mimetype == "application/problem+json" and int(refused.headers["Retry-After"]) > 0
    assert client.get(SYNC_URL, headers=theirs).status_code == 200  # per user, not per office
    with limited_app.app_context():
        synced = db.session.execute(select(AuditEvent.id).where(AuditEvent.action == "caseload.sync",
                                                                AuditEvent.user_id == csw_id)).all()
        assert len(synced) == 2  # a refusal runs nothing: no disclosure, no audit row


def test_an_ended_session_says_so_the_app_wipes_its_copy(app, client, world):
    from mobile_service import user_registry

    with app.app_context():
        email = db.session.get(User, world.id["csw"]).email
        user_registry.bump_token_version(email, end_sessions=True)
    response = _sync(client, world.headers["csw"])
    assert response.status_code == 401 and response.get_json()["code"] == "session_ended"
    # An expired or forged token is not an ended session: refresh, keep the copy.
    forged = _sync(client, {"Authorization": "Bearer eyJhbGciOiJFUzI1NiJ9.e30.c2ln"})
    assert forged.status_code == 401 and "code" not in forged.get_json()


def test_a_resync_problem_carries_its_code(client, world):
    token = _token(client, world.headers["csw"])
    assert _sync(client, world.headers["peer"], since=token).get_json()["code"] == "resync"
