"""The per-request pipeline around every view, after its cost cuts (issue 14): same behaviour.

The access-log line (its record is built directly, without ``findCaller``), the response headers
(set in one pass), the metric children (looked up once per label set), flask-limiter's hooks
(skipped when no limit applies) and Flask's ``ensure_sync`` (remembered per function).
"""
from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import time
import uuid

import pytest
from prometheus_client import REGISTRY

from mobile_service import metrics
from mobile_service.extensions import db, limiter
from mobile_service.requestlog import HTML_CSP, NON_HTML_CSP, JsonFormatter
from tests.api.caseload_helpers import bearer
from tests.factories import app_token_for, make_user

LINE_FIELDS = {"ts", "level", "logger", "msg", "request_id", "client_request_id", "user_id", "role", "route",
               "method", "status", "latency_ms"}


@pytest.fixture
def access_lines():
    """The JSON access-log lines written while the test runs, through the service's formatter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("mobile_service")
    logger.addHandler(handler)
    records: list[logging.LogRecord] = []
    capture = logging.Handler()
    capture.emit = records.append  # type: ignore[method-assign]
    logger.addHandler(capture)
    try:
        yield lambda: ([json.loads(line) for line in stream.getvalue().splitlines()
                        if json.loads(line)["logger"] == "mobile_service.access"],
                       [r for r in records if r.name == "mobile_service.access"])
    finally:
        logger.removeHandler(handler)
        logger.removeHandler(capture)


def _signed_in(app, role: str = "csw"):
    with app.app_context():
        user = make_user(role)
        db.session.commit()
        return user.id, app_token_for(user)


def test_the_access_line_keeps_every_field(app, client, access_lines):
    user_id, token = _signed_in(app)
    response = client.get("/api/v1/me", headers={**bearer(token), "X-Request-ID": "client-trace-0001"})
    assert response.status_code == 200
    lines, records = access_lines()
    line, record = lines[-1], records[-1]
    assert set(line) == LINE_FIELDS
    assert line["request_id"] == response.headers["X-Request-ID"] == record.request_id
    assert line["client_request_id"] == "client-trace-0001"
    assert (line["user_id"], line["role"]) == (user_id, "csw")
    assert (line["route"], line["method"], line["status"]) == ("/api/v1/me", "GET", 200)
    assert isinstance(line["latency_ms"], float) and line["latency_ms"] >= 0
    assert (line["level"], line["msg"]) == ("INFO", "request")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["ts"])
    # The record is a full LogRecord, as Logger.info would have built it.
    assert record.levelno == logging.INFO and record.getMessage() == "request"
    assert record.module == "requestlog" and record.process and record.threadName
    assert "ts" not in vars(record) and record.exc_info is None


def test_an_anonymous_or_unmatched_request_logs_no_user_and_no_path(client, access_lines):
    client.get("/no/such/page?name=Maria", headers={"X-Request-ID": "bad id with spaces"})
    client.get("/healthz")
    lines, _records = access_lines()
    unmatched, health = lines[-2], lines[-1]
    assert unmatched["route"] == "<unmatched>" and unmatched["status"] == 404
    assert "client_request_id" not in unmatched and "user_id" not in unmatched and "role" not in unmatched
    assert "Maria" not in json.dumps(lines)
    assert health["route"] == "/healthz" and health["status"] == 200


def test_request_ids_are_the_servers_own_version_4_uuids(client):
    ids = {client.get("/healthz", headers={"X-Request-ID": "client-chosen-id"}).headers["X-Request-ID"]
           for _ in range(20)}
    assert len(ids) == 20 and "client-chosen-id" not in ids
    for request_id in ids:
        parsed = uuid.UUID(hex=request_id)
        assert parsed.hex == request_id and parsed.version == 4 and parsed.variant == uuid.RFC_4122


def test_protective_headers_on_json_problem_and_html(app, client):
    _user_id, token = _signed_in(app)
    with client.get("/docs") as page:
        html = page.headers
    for headers, csp in ((client.get("/api/v1/me", headers=bearer(token)).headers, NON_HTML_CSP),
                         (client.get("/api/v1/me").headers, NON_HTML_CSP),
                         (html, HTML_CSP)):
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Content-Security-Policy"] == csp
        assert headers.get_all("X-Request-ID") == [headers["X-Request-ID"]]
        assert "Retry-After" not in headers
        assert "Cache-Control" in headers
    problem = client.get("/api/v1/me")
    assert problem.status_code == 401 and problem.headers["Content-Type"] == "application/problem+json; charset=utf-8"
    assert client.get("/api/v1/me", headers=bearer(token)).headers["Content-Type"] == "application/json; charset=utf-8"


def test_a_views_own_headers_win(app, client):
    # The metrics page sets its own Content-Type and Cache-Control; the hook adds, never overrides.
    scraped = client.get("/metrics")
    assert scraped.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert scraped.headers.get_all("Cache-Control") == ["no-store"]


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_requests_are_counted_by_route_template_method_and_status(app, client):
    _user_id, token = _signed_in(app)
    labels = {"route": "/api/v1/me", "method": "GET"}
    ok_before = _sample("mobile_http_requests_total", **labels, status="200")
    denied_before = _sample("mobile_http_requests_total", **labels, status="401")
    timed_before = _sample("mobile_http_request_duration_seconds_count", **labels, status="200")
    for _ in range(3):
        assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    assert client.get("/api/v1/me").status_code == 401
    assert _sample("mobile_http_requests_total", **labels, status="200") == ok_before + 3
    assert _sample("mobile_http_requests_total", **labels, status="401") == denied_before + 1
    assert _sample("mobile_http_request_duration_seconds_count", **labels, status="200") == timed_before + 3
    other_before = _sample("mobile_http_requests_total", route="<unmatched>", method="OTHER", status="405")
    assert client.open("/healthz", method="BREW").status_code == 405
    assert _sample("mobile_http_requests_total", route="<unmatched>", method="OTHER", status="405") == other_before + 1
    assert not any(method == "BREW" for _route, method, _status in metrics._children)  # no new label values
    text = client.get("/metrics").get_data(as_text=True)
    assert 'mobile_http_requests_total{method="GET",route="/api/v1/me",status="200"}' in text


def test_unlimited_routes_skip_the_limiter_but_limited_ones_are_refused(make_app, base_env, app):
    saved = limiter.enabled
    limited = make_app({**base_env, "RATELIMIT_ENABLED": "true", "SEARCH_RATE_LIMIT": "2 per minute"})
    try:
        assert not limiter.middleware_has_limits()  # every quota is a decorator on its route
        client = limited.test_client()
        _user_id, token = _signed_in(limited)
        me = client.get("/api/v1/me", headers=bearer(token))
        assert me.status_code == 200 and "X-RateLimit-Limit" not in me.headers
        answers = [client.post("/api/v1/students/search", json={"last_name": "Nobody"}, headers=bearer(token))
                   for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 429]
        assert answers[0].headers["X-RateLimit-Limit"] == "2" and "Retry-After" not in answers[0].headers
        assert int(answers[2].headers["Retry-After"]) > 0
    finally:
        limiter.enabled = saved


def test_the_before_request_check_runs_whenever_it_could_apply_a_limit(make_app, base_env, app, monkeypatch):
    saved = limiter.enabled
    make_app({**base_env, "RATELIMIT_ENABLED": "true"})
    try:
        assert not limiter.middleware_has_limits()
        monkeypatch.setattr(limiter, "_storage_dead", True)  # fallback limits and the recovery check
        assert limiter.middleware_has_limits()
        monkeypatch.setattr(limiter, "_storage_dead", False)
        monkeypatch.setattr(limiter.limit_manager, "_default_limits", [object()])
        assert limiter.middleware_has_limits()
    finally:
        limiter.enabled = saved


def test_ensure_sync_remembers_plain_functions_and_still_wraps_coroutines(app):
    def plain():
        return "plain"

    async def coroutine():
        await asyncio.sleep(0)
        return "awaited"

    assert app.ensure_sync(plain) is plain and app.ensure_sync(plain) is plain
    assert plain in app._sync_functions
    try:
        wrapped = app.ensure_sync(coroutine)
    except RuntimeError:  # Flask's async support needs asgiref; either way it is never called raw
        wrapped = None
    assert wrapped is not coroutine and coroutine not in app._sync_functions


def test_the_timestamp_is_utc_to_the_millisecond_across_seconds():
    formatter = JsonFormatter()
    formatter.converter = time.gmtime  # as configure_logging sets it
    for created in (1_700_000_000.123, 1_700_000_000.999, 1_700_000_001.5, 1_699_999_999.0, 1_700_000_001.75):
        record = logging.LogRecord("mobile_service.x", logging.INFO, __file__, 1, "m", (), None)
        record.created, record.msecs = created, int((created - int(created)) * 1000) + 0.0
        expected = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created)) + f".{int(record.msecs):03d}Z"
        assert json.loads(formatter.format(record))["ts"] == expected


def test_the_holding_review_states_are_sql_constants_not_an_expanding_list():
    from sqlalchemy.dialects import postgresql, sqlite

    from mobile_service.models.accounts import REVIEW_HOLDING
    from mobile_service.scoping import _sql_constants, open_add_filter

    assert REVIEW_HOLDING == ("approved", "confirmed")
    for dialect in (postgresql.dialect(), sqlite.dialect()):
        text = str(open_add_filter().compile(dialect=dialect))
        assert "POSTCOMPILE" not in text and "review_state IN ('approved', 'confirmed')" in text
    with pytest.raises(ValueError):
        _sql_constants(("approved", "x'; drop table users; --"))
