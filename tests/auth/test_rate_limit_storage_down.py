"""Rate-limit storage (Redis) down: the limiter carries on with per-process memory, never 500.

Issue 11: with ``REDIS_URL`` set and Redis down, sign-in (exchange and refresh), search,
caseload add and feedback answered 500 while ``/readyz`` stayed 200. Now every limited route
keeps working on per-process counters, the switch is logged and counted
(``mobile_rate_limit_storage_fallbacks_total``, ``mobile_rate_limit_storage_degraded``), the
quotas still refuse with 429 (per process), and ``/readyz`` stays 200 but says "degraded".
"""
from __future__ import annotations

import logging
import os
import signal
import socket
import time

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import func, select

from bench.drills.redis_proc import PrivateRedis
from mobile_service.extensions import db, limiter
from mobile_service.models import CaseloadEntry, Feedback
from tests.api.caseload_helpers import audit_rows, bearer
from tests.auth.support import exchange, refresh, register
from tests.factories import app_token_for, make_student, make_user


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the block ends: nothing listens there


@pytest.fixture
def redis_down_app(make_app, app, entra_env):
    """An app whose rate-limit storage is a Redis URL nobody answers (restores the shared limiter)."""
    saved = limiter.enabled
    application = make_app(dict(entra_env, RATELIMIT_ENABLED="true",
                                  REDIS_URL=f"redis://127.0.0.1:{_closed_port()}/0",
                                  SEARCH_RATE_LIMIT="3 per minute", REPORT_RATE_LIMIT="2 per minute"))
    yield application
    limiter.enabled = saved  # the next app bound to the shared limiter gets its own storage


def _metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _count(app, model) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_sign_in_exchange_and_refresh_carry_on_when_redis_is_down(redis_down_app, idp, caplog):
    before = _metric("mobile_rate_limit_storage_fallbacks_total")
    caplog.set_level(logging.WARNING, logger="mobile_service.ratelimit")
    client = redis_down_app.test_client()
    user = register(redis_down_app)
    signed_in = exchange(client, idp.token_for(user))
    assert signed_in.status_code == 200, signed_in.get_json()
    refreshed = refresh(client, signed_in.get_json()["refresh_token"])
    assert refreshed.status_code == 200
    assert client.post("/auth/revoke", data={"token": refreshed.get_json()["refresh_token"]}).status_code == 200
    assert _metric("mobile_rate_limit_storage_fallbacks_total") == before + 1  # one switch, not one per request
    assert _metric("mobile_rate_limit_storage_degraded") == 1
    assert any(r.getMessage().startswith("rate-limit storage unreachable") and r.name == "mobile_service.ratelimit" for r in caplog.records)


def test_token_limit_still_applies_per_process_while_redis_is_down(make_app, app, entra_env):
    saved = limiter.enabled
    application = make_app(dict(entra_env, RATELIMIT_ENABLED="true", TOKEN_RATE_LIMIT="2 per minute",
                                  REDIS_URL=f"redis://127.0.0.1:{_closed_port()}/0"))
    try:
        client = application.test_client()
        for _ in range(2):
            assert client.post("/auth/token", data={"grant_type": "refresh_token",
                                                    "refresh_token": "x" * 43}).status_code == 400
        refused = client.post("/auth/token", data={"grant_type": "refresh_token", "refresh_token": "x" * 43})
        assert refused.status_code == 429 and refused.get_json()["error"] == "slow_down"
    finally:
        limiter.enabled = saved


def test_search_caseload_add_and_feedback_carry_on_and_quotas_hold(redis_down_app, app):
    with app.app_context():
        worker = make_user("csw")
        student = make_student()
        db.session.commit()
        # Not on the worker's caseload: the exact lookup (full SSID + last name) finds the student.
        lookup, token = {"ssid": student.ssid, "last_name": student.legal_last_name}, app_token_for(worker)
    client = redis_down_app.test_client()
    audited = len(audit_rows(app))
    keys = set()
    for _ in range(3):
        found = client.post("/api/v1/students/search", json=lookup, headers=bearer(token))
        assert found.status_code == 200 and found.json["count"] == 1
        keys.update(card["student_key"] for card in found.json["results"])
    refused = client.post("/api/v1/students/search", json=lookup, headers=bearer(token))
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert refused.mimetype == "application/problem+json"
    assert len(audit_rows(app, "student.search")) == 3  # the refused search was not run

    [key] = keys
    added = client.post("/api/v1/caseload", json={"student_key": key, "reason": "covering for a colleague"},
                        headers=bearer(token))
    assert added.status_code == 201
    assert _count(app, CaseloadEntry) == 1 and len(audit_rows(app)) > audited

    feedback = {"rating": 4, "category": "search", "comment": "Found the student fast."}
    assert client.post("/api/v1/feedback", json=feedback, headers=bearer(token)).status_code == 201
    assert client.post("/api/v1/feedback", json=feedback, headers=bearer(token)).status_code == 201
    third = client.post("/api/v1/feedback", json=feedback, headers=bearer(token))
    assert third.status_code == 429 and third.mimetype == "application/problem+json"
    assert _count(app, Feedback) == 2  # nothing lost, nothing stored twice


def test_readyz_reports_degraded_rate_limit_storage_without_failing(redis_down_app, idp):
    client = redis_down_app.test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 200
    body = ready.get_json()
    assert body["status"] == "degraded"
    assert "rate_limit_storage" in body["degraded"]
    assert "127.0.0.1" not in str(body)  # no connection string in a public probe


def test_readyz_plain_ready_with_memory_storage(client):
    body = client.get("/readyz").get_json()
    assert body == {"status": "ready"}


@pytest.mark.skipif(not PrivateRedis.available(), reason="redis-server is not installed")
def test_redis_stopped_then_restarted_limits_go_to_memory_and_back(make_app, app, entra_env):
    """A private redis-server on a spare port (never the shared 6379): stop it, start it again."""
    redis = PrivateRedis()
    redis.start()
    saved = limiter.enabled
    try:
        application = make_app(dict(entra_env, RATELIMIT_ENABLED="true", REDIS_URL=redis.url,
                                      TOKEN_RATE_LIMIT="100 per minute"))
        client = application.test_client()

        def post():
            return client.post("/auth/token", data={"grant_type": "refresh_token", "refresh_token": "x" * 43})

        assert post().status_code == 400
        assert redis.dbsize() > 0  # the counter lives in Redis, shared by every worker
        assert client.get("/readyz").get_json() == {"status": "ready"}
        redis.stop()
        assert [post().status_code for _ in range(3)] == [400, 400, 400]  # carries on, in memory
        assert limiter.storage_degraded
        assert client.get("/readyz").get_json()["status"] == "degraded"
        redis.start()
        deadline = time.monotonic() + 10
        while limiter.storage_degraded and time.monotonic() < deadline:
            assert post().status_code == 400
            time.sleep(0.25)
        assert not limiter.storage_degraded  # re-checked with back-off, then shared again
        assert _metric("mobile_rate_limit_storage_degraded") == 0
        assert client.get("/readyz").get_json() == {"status": "ready"}
    finally:
        limiter.enabled = saved
        redis.destroy()


@pytest.mark.skipif(not PrivateRedis.available(), reason="redis-server is not installed")
def test_hung_redis_costs_at_most_the_socket_timeout_then_carries_on(make_app, app, entra_env):
    """Redis that accepts connections but never answers (SIGSTOP): bounded wait, then memory."""
    redis = PrivateRedis()
    redis.start()
    saved = limiter.enabled
    try:
        application = make_app(dict(entra_env, RATELIMIT_ENABLED="true", REDIS_URL=redis.url))
        client = application.test_client()
        form = {"grant_type": "refresh_token", "refresh_token": "x" * 43}
        assert client.post("/auth/token", data=form).status_code == 400
        os.kill(redis.process.pid, signal.SIGSTOP)
        try:
            started = time.monotonic()
            assert client.post("/auth/token", data=form).status_code == 400
            assert time.monotonic() - started < 3  # 0.5 s socket timeout, not a hung worker
            started = time.monotonic()
            assert client.post("/auth/token", data=form).status_code == 400
            assert limiter.storage_degraded and time.monotonic() - started < 3
        finally:
            os.kill(redis.process.pid, signal.SIGCONT)
    finally:
        limiter.enabled = saved
        redis.destroy()
