"""Readiness means "route traffic here" (issue 18): the database and this pod's signing key decide
it; the identity provider's health is reported in ``/readyz``'s degraded list,
``/healthz/details`` and ``/metrics``, never by failing the probe.

Measured before: one failed key fetch from the provider made ``/readyz`` answer 503 while the
data routes still served (app tokens never need the provider).
"""
from __future__ import annotations

from tests.auth.support import exchange, register


def _bearer(body):
    return {"Authorization": f"Bearer {body['access_token']}"}


def test_one_failed_key_fetch_does_not_pull_the_pod(entra_app, eclient, idp):
    user = register(entra_app)
    idp.down = True  # cold cache: the first fetch fails
    assert exchange(eclient, idp.token_for(user)).status_code == 503
    ready = eclient.get("/readyz")
    assert ready.status_code == 200, ready.get_json()
    body = ready.get_json()
    assert body["status"] == "degraded" and set(body["degraded"]) == {"identity_provider"}
    assert "checks" not in body


def test_cached_keys_keep_serving_and_data_routes_answer_while_the_provider_is_down(entra_app, eclient, idp,
                                                                                 movable_clock):
    user = register(entra_app)
    assert exchange(eclient, idp.token_for(user)).status_code == 200
    idp.down = True
    movable_clock.advance(seconds=3601)  # past the cache lifetime: the refetch fails, cached keys serve
    signed_in = exchange(eclient, idp.token_for(user))
    assert signed_in.status_code == 200
    tokens = signed_in.get_json()
    assert eclient.get("/readyz").get_json()["status"] == "degraded"
    assert eclient.get("/api/v1/me", headers=_bearer(tokens)).status_code == 200
    details = eclient.get("/healthz/details").get_json()
    assert details["identity_provider"]["state"] == "stale"
    assert details["identity_provider"]["key_age_seconds"] >= 3601


def test_healthz_details_names_every_check_without_secrets(entra_app, eclient, idp):
    user = register(entra_app)
    assert exchange(eclient, idp.token_for(user)).status_code == 200
    response = eclient.get("/healthz/details")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ready"
    assert body["readiness"] == {"database": {"ok": True}, "signing_keys": {"ok": True}}
    assert body["degraded"]["identity_provider"] == {"ok": True}
    assert body["degraded"]["rate_limit_storage"] == {"ok": True}
    assert body["identity_provider"] == {"state": "ok", "keys": 1, "key_age_seconds": 0, "last_fetch_error": None,
                                         "cache_seconds": 3600, "stale_seconds": 7200}
    assert body["migrations"]["code_head"] == entra_app.extensions["migrations_head"]
    text = response.get_data(as_text=True)
    cfg = entra_app.config
    for secret in (cfg["SECRET_KEY"], "PRIVATE KEY", cfg["OIDC_METADATA_URL"]):
        assert secret not in text


def test_healthz_details_reports_the_failed_fetch(entra_app, eclient, idp):
    idp.down = True
    exchange(eclient, idp.token_for(register(entra_app)))
    body = eclient.get("/healthz/details").get_json()
    assert body["status"] == "degraded" and body["readiness"]["signing_keys"] == {"ok": True}
    assert body["identity_provider"]["state"] == "unavailable"
    assert body["identity_provider"]["last_fetch_error"] == "HTTPError"
    assert body["degraded"]["identity_provider"]["ok"] is False


def test_metrics_report_the_provider(entra_app, eclient, idp):
    user = register(entra_app)
    assert exchange(eclient, idp.token_for(user)).status_code == 200
    text = eclient.get("/metrics").get_data(as_text=True)
    assert "mobile_idp_keys_usable 1.0" in text
    assert 'mobile_idp_key_fetches_total{outcome="ok"}' in text
    entra_app.extensions["entra_key_client"].state.keys.clear()
    entra_app.extensions["entra_key_client"].state.fetched_at = None
    idp.down = True
    entra_app.extensions["entra_key_client"].state.attempted_at = None
    assert exchange(eclient, idp.token_for(user)).status_code == 503
    text = eclient.get("/metrics").get_data(as_text=True)
    assert "mobile_idp_keys_usable 0.0" in text and "mobile_idp_keys_age_seconds -1.0" in text
    assert 'mobile_idp_key_fetches_total{outcome="failed"}' in text


def test_a_pod_without_its_signing_key_is_not_ready(entra_app, eclient, idp, monkeypatch):
    monkeypatch.setitem(entra_app.extensions, "app_token_keyring", None)
    ready = eclient.get("/readyz")
    assert ready.status_code == 503 and ready.get_json()["checks"] == {"signing_keys": "app-token signing key not loaded"}
    assert eclient.get("/healthz/details").get_json()["status"] == "unavailable"
