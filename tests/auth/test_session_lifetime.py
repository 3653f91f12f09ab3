"""The app session lasts at most one working day from when Entra issued the token it came from,
and production refuses longer sessions or an open client list (issue 11, item 5)."""
from __future__ import annotations

import datetime as dt
import time

import pytest
from sqlalchemy import select

from mobile_service.config import MAX_SESSION_SECONDS, ConfigError, load_config
from mobile_service.extensions import db
from mobile_service.models import RefreshFamily
from tests.auth.support import exchange, refresh, register

HOUR = 3600


def _family(app) -> RefreshFamily:
    with app.app_context():
        family = db.session.execute(select(RefreshFamily)).scalar_one()
        db.session.expunge(family)
        return family


def test_default_absolute_lifetime_is_one_working_day(entra_app):
    """REFRESH_ABSOLUTE_SECONDS defaults to 12 h (it was 30 days)."""
    assert MAX_SESSION_SECONDS == 12 * HOUR
    assert entra_app.config["REFRESH_ABSOLUTE_SECONDS"] == 12 * HOUR


def test_session_ends_twelve_hours_after_entra_issued_the_token(entra_app, eclient, idp):
    """A fresh Entra token: the session's absolute end is the token's iat + 12 h."""
    issued = int(time.time()) - 30
    response = exchange(eclient, idp.token_for(register(entra_app), iat=issued, nbf=issued))
    assert response.status_code == 200, response.get_json()
    family = _family(entra_app)
    assert family.absolute_expires_at == dt.datetime.fromtimestamp(issued + 12 * HOUR, dt.UTC)


def test_a_token_with_seconds_left_does_not_stretch_the_session(entra_app, eclient, idp):
    """The reported case: an Entra token with 20 s left, issued 11 h ago, gave a 30-day session.

    The session now ends 12 h after Entra issued that token, an hour from now.
    """
    now = int(time.time())
    token = idp.token_for(register(entra_app), iat=now - 11 * HOUR, nbf=now - 11 * HOUR, exp=now + 20)
    response = exchange(eclient, token)
    assert response.status_code == 200, response.get_json()
    family = _family(entra_app)
    remaining = (family.absolute_expires_at - dt.datetime.now(dt.UTC)).total_seconds()
    assert HOUR - 60 <= remaining <= HOUR + 5
    body = response.get_json()
    assert refresh(eclient, body["refresh_token"]).status_code == 200  # within the hour, refresh works


def test_a_token_issued_a_working_day_ago_is_refused(entra_app, eclient, idp):
    """A long-lived Entra token (e.g. CAE, up to 28 h) issued 12 h ago opens no session: get a fresh one."""
    now = int(time.time())
    token = idp.token_for(register(entra_app), iat=now - 12 * HOUR, nbf=now - 12 * HOUR, exp=now + 16 * HOUR)
    response = exchange(eclient, token)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"
    assert "fresh" in response.get_json()["error_description"]
    with entra_app.app_context():
        assert db.session.execute(select(RefreshFamily)).first() is None


def _production_env(signing_key_pem, **overrides) -> dict[str, str]:
    env = {"APP_ENV": "production", "DATABASE_URL": "postgresql://db/lacoe", "SECRET_KEY": "p" * 40,
           "APP_TOKEN_SIGNING_KEY": signing_key_pem, "ENTRA_TENANT_IDS": "11111111-1111-1111-1111-111111111111",
           "ENTRA_API_AUDIENCES": "api://lacoe", "ENTRA_ALLOWED_CLIENT_IDS": "33333333-3333-3333-3333-333333333333",
           "APP_TOKEN_ISSUER": "https://mobile.eps.lacoe.edu", "REDIS_URL": "redis://redis:6379/0",
           "SMTP_HOST": "smtp.lacoe.edu", "SMTP_FROM": "eps-mobile@lacoe.edu",
           "STEWARD_QUEUE_URL": "https://mobile.eps.lacoe.edu/pilot/steward"}
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def test_production_accepts_the_defaults(signing_key_pem):
    cfg = load_config(_production_env(signing_key_pem))
    assert cfg["REFRESH_ABSOLUTE_SECONDS"] == 12 * HOUR


@pytest.mark.parametrize("value", [None, "", " , "])
def test_production_refuses_to_start_without_allowed_client_ids(signing_key_pem, value):
    """Empty ENTRA_ALLOWED_CLIENT_IDS meant any client application of the tenant: refused."""
    with pytest.raises(ConfigError, match="ENTRA_ALLOWED_CLIENT_IDS"):
        load_config(_production_env(signing_key_pem, ENTRA_ALLOWED_CLIENT_IDS=value))


def test_production_refuses_sessions_longer_than_a_working_day(signing_key_pem):
    with pytest.raises(ConfigError, match="REFRESH_ABSOLUTE_SECONDS must be at most 43200"):
        load_config(_production_env(signing_key_pem, REFRESH_ABSOLUTE_SECONDS=str(30 * 86400)))
    cfg = load_config(_production_env(signing_key_pem, REFRESH_ABSOLUTE_SECONDS="28800", REFRESH_IDLE_SECONDS="7200"))
    assert cfg["REFRESH_ABSOLUTE_SECONDS"] == 28800


def test_production_refuses_an_idle_limit_beyond_the_absolute_one(signing_key_pem):
    with pytest.raises(ConfigError, match="REFRESH_IDLE_SECONDS"):
        load_config(_production_env(signing_key_pem, REFRESH_ABSOLUTE_SECONDS="28800"))


def test_production_refuses_to_start_without_redis(signing_key_pem):
    """Issue 18: without REDIS_URL every instance counted its own limits (40 of 40 searches
    allowed by 3 pods against a limit of 20)."""
    with pytest.raises(ConfigError, match="REDIS_URL is required.*SINGLE_INSTANCE=true"):
        load_config(_production_env(signing_key_pem, REDIS_URL=None))
    with pytest.raises(ConfigError, match="REDIS_URL is required"):
        load_config(_production_env(signing_key_pem, REDIS_URL=None, SINGLE_INSTANCE="false"))


def test_single_instance_says_per_process_limits_are_intended(signing_key_pem):
    cfg = load_config(_production_env(signing_key_pem, REDIS_URL=None, SINGLE_INSTANCE="true"))
    assert cfg["SINGLE_INSTANCE"] is True and cfg["RATELIMIT_STORAGE_URI"] == "memory://"
    cfg = load_config(_production_env(signing_key_pem))
    assert cfg["SINGLE_INSTANCE"] is False and cfg["RATELIMIT_STORAGE_URI"] == "redis://redis:6379/0"
    with pytest.raises(ConfigError, match="SINGLE_INSTANCE must be true or false"):
        load_config(_production_env(signing_key_pem, SINGLE_INSTANCE="maybe"))


def test_outside_production_redis_stays_optional(base_env):
    assert load_config(dict(base_env, REDIS_URL=""))["RATELIMIT_STORAGE_URI"] == "memory://"
