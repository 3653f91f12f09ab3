"""The provider's last-known-good keys survive restarts and are shared (table ``idp_key_cache``).

Issue 11: a restarted worker (HUP, max-requests recycle, a new pod) lost the cached keys and,
during a provider outage, answered 503 on every exchange and failed ``/readyz``, although the
keys had been known a minute before. Each "new worker" below is a fresh key client with an
empty memory, as a new process has; only the database is shared.
"""
from __future__ import annotations

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import func, select

from auth import build_key_client
from mobile_service.config import ConfigError, load_config
from mobile_service.extensions import db
from mobile_service.models import IdpKeyCache
from tests.auth.support import exchange, register


def _new_worker(application) -> None:
    """Replace the app's key client with a fresh one: what a restarted worker starts with."""
    application.extensions["entra_key_client"] = build_key_client(application.config)


def _stored_rows(application) -> int:
    with application.app_context():
        return db.session.execute(select(func.count()).select_from(IdpKeyCache)).scalar_one()


def _cache_events(event: str) -> float:
    return REGISTRY.get_sample_value("mobile_idp_key_cache_events_total", {"event": event}) or 0.0


def test_fetched_keys_are_stored_with_their_fetch_time(entra_app, eclient, idp, movable_clock):
    user = register(entra_app)
    assert exchange(eclient, idp.token_for(user)).status_code == 200
    with entra_app.app_context():
        row = db.session.execute(select(IdpKeyCache)).scalar_one()
        assert row.metadata_url == idp.metadata_url and row.issuer == idp.issuer
        assert abs(row.fetched_at.timestamp() - movable_clock.now.timestamp()) < 1
        assert '"kid"' in row.jwks and '"d"' not in row.jwks  # public keys only


def test_new_worker_shares_keys_another_worker_fetched_without_fetching(entra_app, eclient, idp):
    user = register(entra_app)
    assert exchange(eclient, idp.token_for(user)).status_code == 200
    fetches = dict(idp.hits)
    _new_worker(entra_app)
    assert exchange(eclient, idp.token_for(user)).status_code == 200
    assert idp.hits == fetches  # one fetch serves every worker and pod


def test_new_worker_validates_during_provider_outage_within_stale_window(entra_app, eclient, idp, movable_clock):
    user = register(entra_app)
    assert exchange(eclient, idp.token_for(user)).status_code == 200
    idp.down = True
    movable_clock.advance(seconds=60)
    _new_worker(entra_app)  # restarted a minute later, provider already down
    assert exchange(eclient, idp.token_for(user)).status_code == 200
    assert eclient.get("/readyz").get_json() == {"status": "ready"}

    movable_clock.advance(seconds=3600)  # past the cache lifetime (3600 s), inside the stale window (7200 s)
    _new_worker(entra_app)
    assert exchange(eclient, idp.token_for(user)).status_code == 200
    ready = eclient.get("/readyz")
    assert ready.status_code == 200
    body = ready.get_json()
    assert body["status"] == "degraded" and "last-known-good" in body["degraded"]["identity_provider"]

    movable_clock.advance(seconds=7200)  # beyond the window: no worker trusts those keys any more
    _new_worker(entra_app)
    response = exchange(eclient, idp.token_for(user))
    assert response.status_code == 503 and int(response.headers["Retry-After"]) > 0
    ready = eclient.get("/readyz")  # issue 18: reported, the pod stays in service for app tokens
    assert ready.status_code == 200 and "unavailable" in ready.get_json()["degraded"]["identity_provider"]


def test_worker_with_old_keys_adopts_rotated_keys_another_worker_fetched(entra_app, eclient, idp, movable_clock):
    user = register(entra_app)
    assert exchange(eclient, idp.token_for(user)).status_code == 200
    old_worker = entra_app.extensions["entra_key_client"]
    new_kid = idp.new_key()
    movable_clock.advance(seconds=60)
    _new_worker(entra_app)  # another worker sees the new kid and fetches the rotated set
    assert exchange(eclient, idp.token_for(user, kid=new_kid)).status_code == 200
    idp.down = True
    entra_app.extensions["entra_key_client"] = old_worker
    movable_clock.advance(seconds=31)  # past the cooldown: the old worker may look again
    assert exchange(eclient, idp.token_for(user, kid=new_kid)).status_code == 200


@pytest.fixture
def broken_key_store(monkeypatch, tmp_path):
    """The key store's database is unreachable (the rest of the app's database still works)."""
    from sqlalchemy import create_engine

    from auth.key_store import DatabaseKeyStore

    dead = create_engine(f"sqlite:///{tmp_path / 'no-such-dir' / 'x.db'}")
    monkeypatch.setattr(DatabaseKeyStore, "engine", lambda self: dead)
    yield
    dead.dispose()


def test_readiness_of_a_worker_past_the_window_recovers_from_keys_another_worker_fetched(
        entra_app, eclient, idp, movable_clock):
    user = register(entra_app)
    assert exchange(eclient, idp.token_for(user)).status_code == 200
    idp.down = True
    movable_clock.advance(seconds=3600 + 7201)  # this worker's keys are beyond the stale window
    assert exchange(eclient, idp.token_for(user)).status_code == 503
    assert "unavailable" in eclient.get("/readyz").get_json()["degraded"]["identity_provider"]
    stuck = entra_app.extensions["entra_key_client"]
    idp.down = False
    _new_worker(entra_app)  # another worker (or pod) fetches and stores fresh keys
    assert exchange(eclient, idp.token_for(user)).status_code == 200
    idp.down = True
    entra_app.extensions["entra_key_client"] = stuck
    movable_clock.advance(seconds=31)  # past the store re-read cooldown
    assert eclient.get("/readyz").get_json() == {"status": "ready"}  # it looked in the shared cache
    assert exchange(eclient, idp.token_for(user)).status_code == 200


def test_database_fault_in_the_key_cache_path_degrades_to_memory_and_fetch(entra_app, eclient, idp, broken_key_store):
    user = register(entra_app)
    errors = _cache_events("error")
    assert exchange(eclient, idp.token_for(user)).status_code == 200  # fetched, not stored, still served
    assert _cache_events("error") == errors + 2  # the failed load and the failed save, counted
    assert exchange(eclient, idp.token_for(user)).status_code == 200  # memory serves
    assert _stored_rows(entra_app) == 0


def test_database_fault_and_provider_down_on_a_cold_worker_is_503_not_500(entra_app, eclient, idp, broken_key_store):
    user = register(entra_app)
    idp.down = True
    response = exchange(eclient, idp.token_for(user))
    assert response.status_code == 503 and response.get_json()["error"] == "temporarily_unavailable"
    assert int(response.headers["Retry-After"]) > 0


def test_damaged_stored_row_is_ignored(entra_app, eclient, idp):
    user = register(entra_app)
    assert exchange(eclient, idp.token_for(user)).status_code == 200
    with entra_app.app_context():
        db.session.execute(IdpKeyCache.__table__.update().values(jwks='{"keys": "not a list"}'))
        db.session.commit()
    _new_worker(entra_app)
    assert exchange(eclient, idp.token_for(user)).status_code == 200  # fetched afresh


@pytest.mark.parametrize(("name", "value"), [("JWKS_STALE_SECONDS", "259201"), ("JWKS_CACHE_SECONDS", "86401"),
                                             ("JWKS_STALE_SECONDS", "-1")])
def test_key_cache_windows_are_bounded(base_env, name, value):
    with pytest.raises(ConfigError, match=name):
        load_config(dict(base_env, **{name: value}))


def test_dev_issuer_app_keeps_its_static_keys(make_app, app, base_env):
    dev = make_app(dict(base_env, AUTH_MODE="dev"))
    assert dev.extensions["entra_key_client"].state.static
    assert dev.extensions["entra_key_client"].degraded() is None
