"""Search is rate-limited per user (flask-limiter, SEARCH_RATE_LIMIT): 429 problem+json + Retry-After."""
from __future__ import annotations

import pytest

from mobile_service.extensions import db, limiter
from tests.api.caseload_helpers import audit_rows, bearer
from tests.factories import app_token_for, make_student, make_user

URL = "/api/v1/students/search"


@pytest.fixture
def limited_app(make_app, app, base_env):
    """A second app on the same database with a tiny search quota (restores the shared limiter)."""
    saved = limiter.enabled
    limited = make_app(dict(base_env, RATELIMIT_ENABLED="true", SEARCH_RATE_LIMIT="3 per minute"))
    yield limited
    limiter.reset()
    limiter.enabled = saved


def test_search_quota_is_per_user_and_answers_429_with_retry_after(limited_app, app):
    with app.app_context():
        first, second = make_user("csw"), make_user("csw")
        make_student(legal_first_name="Quota", legal_last_name="Kid")
        db.session.commit()
        token_a, token_b = app_token_for(first), app_token_for(second)
    client = limited_app.test_client()
    for _ in range(3):
        allowed = client.post(URL, json={"name": "quota"}, headers=bearer(token_a))
        assert allowed.status_code == 200
        assert "Retry-After" not in allowed.headers  # only refusals tell the app to back off
    refused = client.post(URL, json={"name": "quota"}, headers=bearer(token_a))
    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.get_json()["status"] == 429
    # Another worker behind the same address keeps their own quota.
    assert client.post(URL, json={"name": "quota"}, headers=bearer(token_b)).status_code == 200
    # Refused searches disclose nothing and are not recorded as searches.
    assert len(audit_rows(app, "student.search")) == 4
