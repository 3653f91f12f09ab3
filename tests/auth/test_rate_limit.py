"""Rate limiting of /auth/token: 429 with Retry-After and an OAuth-shaped body."""
from __future__ import annotations

import pytest

from mobile_service.extensions import db, limiter


@pytest.fixture
def limited_app(make_app, app, entra_env):
    was_enabled = limiter.enabled
    application = make_app(dict(entra_env, RATELIMIT_ENABLED="true", TOKEN_RATE_LIMIT="3 per minute"))
    yield application
    # The limiter is process-global: leave it as the other apps of this test run expect it.
    limiter.reset()
    limiter.enabled = was_enabled
    with application.app_context():
        db.engine.dispose()


def test_token_endpoint_rate_limited(limited_app):
    client = limited_app.test_client()
    for _ in range(3):
        assert client.post("/auth/token", data={"grant_type": "refresh_token", "refresh_token": "x" * 43}).status_code == 400
    response = client.post("/auth/token", data={"grant_type": "refresh_token", "refresh_token": "x" * 43})
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    body = response.get_json()
    assert set(body) == {"error", "error_description"} and body["error"] == "slow_down"
    assert response.headers["Cache-Control"] == "no-store"


def test_other_apps_with_limits_disabled_are_not_limited(entra_app, limited_app):
    client = limited_app.test_client()
    for _ in range(4):
        client.post("/auth/token", data={"grant_type": "refresh_token"})
    other = entra_app.test_client()
    for _ in range(6):
        assert other.post("/auth/token", data={"grant_type": "refresh_token"}).status_code == 400
