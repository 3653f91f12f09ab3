"""/metrics: who may scrape it, and that it holds route templates, never paths or personal data."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mobile_service import metrics

METRICS_TOKEN = "metrics-test-token-0123456789abcdef"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def token_app(make_app, base_env, app):
    """A second app on the same database with METRICS_TOKEN configured."""
    return make_app({**base_env, "METRICS_TOKEN": METRICS_TOKEN})


def _scrape(client, **kwargs) -> str:
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def test_loopback_scrape_without_token_is_served_in_prometheus_format(client):
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    assert "# TYPE mobile_http_requests_total counter" in response.get_data(as_text=True)


def test_without_token_a_public_peer_is_refused(client):
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    assert "mobile_http" not in response.get_data(as_text=True)


def test_without_token_a_proxied_request_is_refused_even_from_a_private_peer(client):
    response = client.get("/metrics", headers={"X-Forwarded-For": "198.51.100.7"},
                          environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert response.status_code == 403


def test_without_token_a_private_network_peer_is_served(client):
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.244.1.17"}).status_code == 200


def test_with_token_configured_a_missing_token_is_401(token_app):
    response = token_app.test_client().get("/metrics")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "mobile_http" not in response.get_data(as_text=True)


@pytest.mark.parametrize("header", [f"Bearer {METRICS_TOKEN}x", "Bearer wrong", f"Basic {METRICS_TOKEN}"])
def test_with_token_configured_a_wrong_token_is_refused(token_app, header):
    response = token_app.test_client().get("/metrics", headers={"Authorization": header})
    assert response.status_code in (401, 403)
    assert "mobile_http" not in response.get_data(as_text=True)


def test_with_token_configured_even_loopback_needs_it(token_app):
    response = token_app.test_client().get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert response.status_code == 401


def test_with_the_right_token_the_scrape_is_served(token_app):
    body = _scrape(token_app.test_client(), headers={"Authorization": f"Bearer {METRICS_TOKEN}"},
                   environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert "mobile_db_pool_size" in body


def test_labels_are_route_templates_without_paths_queries_or_identifiers(client):
    ssid, key = "4987654321", "q3Vd9fK2LmX0aB7cR1sT4w"
    client.get(f"/api/v1/students/{key}")                       # matched route, 401 without a token
    client.get(f"/no/such/page/{ssid}?name=Mar%C3%ADa&dob=2011-03-04")
    client.get("/healthz?last_name=Garcia")
    body = _scrape(client)
    assert ('route="/api/v1/students/<student_key>"' in body
            or 'route="/api/v1/students/<string:student_key>"' in body)
    assert 'route="<unmatched>"' in body
    assert 'route="/healthz"' in body
    for leaked in (ssid, key, "Garcia", "Mar", "2011-03-04", "/no/such/page", "dob", "name="):
        assert leaked not in body


def test_request_counter_and_latency_histogram_by_route_method_status(client):
    before = _scrape(client)
    client.get("/healthz")
    after = _scrape(client)

    def value(text: str) -> float:
        for line in text.splitlines():
            if line.startswith('mobile_http_requests_total{method="GET",route="/healthz",status="200"}'):
                return float(line.rsplit(" ", 1)[1])
        return 0.0

    assert value(after) == value(before) + 1
    assert 'mobile_http_request_duration_seconds_bucket{le="0.025",method="GET",route="/healthz",status="200"}' in after


def test_unknown_http_methods_do_not_create_label_values(client):
    client.open("/healthz", method="BREW")
    body = _scrape(client)
    assert 'method="OTHER"' in body
    assert "BREW" not in body


def test_token_exchange_and_import_hooks(client):
    metrics.record_token_exchange("issued")
    metrics.record_token_exchange("invalid_request")
    metrics.record_token_exchange("something-new")
    metrics.record_import("enrollments", "loaded", rows=1200)
    metrics.record_import("enrollments", "rejected")
    body = _scrape(client)
    assert 'mobile_token_exchanges_total{outcome="issued"}' in body
    assert 'mobile_token_exchanges_total{outcome="invalid_request"}' in body
    assert 'mobile_token_exchanges_total{outcome="other"}' in body
    assert "something-new" not in body
    assert 'mobile_import_runs_total{kind="enrollments",outcome="loaded"}' in body
    assert 'mobile_import_runs_total{kind="enrollments",outcome="rejected"}' in body
    assert 'mobile_import_rows_total{kind="enrollments"}' in body


def test_pool_gauges_reflect_the_engine_pool(client, app):
    body = _scrape(client)
    lines = {line.split(" ")[0]: float(line.split(" ")[1]) for line in body.splitlines()
             if line.startswith("mobile_db_pool")}
    assert lines["mobile_db_pool_checked_out"] >= 0
    assert lines["mobile_db_pool_size"] >= 1


def test_multiprocess_mode_sums_every_worker(tmp_path, base_env):
    """As under gunicorn with preload: the app is built once, a forked worker counts too, and a
    scrape from the parent sees both processes' requests."""
    script = textwrap.dedent("""
        import json, os, sys
        from mobile_service import create_app, metrics
        assert metrics.multiprocess_enabled()
        app = create_app(json.loads(sys.argv[1]))
        client = app.test_client()
        for _ in range(3):
            client.get("/healthz")
        child = os.fork()
        if child == 0:
            for _ in range(2):
                app.test_client().get("/healthz")
            os._exit(0)
        os.waitpid(child, 0)
        print(client.get("/metrics").get_data(as_text=True))
    """)
    import json

    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", script, json.dumps(base_env)], env=env, cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    line = next(x for x in out.splitlines()
                if x.startswith('mobile_http_requests_total{method="GET",route="/healthz",status="200"}'))
    assert float(line.rsplit(" ", 1)[1]) == 5.0


def test_token_exchange_outcomes_are_counted_from_the_route(client):
    def value(body: str, outcome: str) -> float:
        prefix = f'mobile_token_exchanges_total{{outcome="{outcome}"}} '
        return next((float(x[len(prefix):]) for x in body.splitlines() if x.startswith(prefix)), 0.0)

    before = _scrape(client)
    client.post("/auth/token", data={"grant_type": "password", "username": "x"})
    client.post("/auth/token", data={"grant_type": "refresh_token", "refresh_token": "not-a-real-one"})
    after = _scrape(client)
    assert value(after, "unsupported_grant_type") == value(before, "unsupported_grant_type") + 1
    assert value(after, "invalid_grant") == value(before, "invalid_grant") + 1
    assert "not-a-real-one" not in after
