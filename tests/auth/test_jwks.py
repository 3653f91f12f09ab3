"""The provider's keys: discovery, rotation through the loopback JWKS, last-known-good during an
outage, 503 on a cold cache, readiness, and our own JWKS endpoint."""
from __future__ import annotations

from auth.jwks import KeyClient
from tests.auth.support import exchange, register


def test_key_rotation_new_kid_accepted_after_one_refetch(entra_app, eclient, idp, movable_clock):
    user = register(entra_app)
    assert exchange(eclient, idp.token_for(user)).status_code == 200
    assert idp.hits == {"metadata": 1, "jwks": 1}
    movable_clock.advance(seconds=60)
    new_kid = idp.new_key()  # the provider publishes a second key and starts signing with it
    assert exchange(eclient, idp.token_for(user, kid=new_kid)).status_code == 200
    assert idp.hits["jwks"] == 2 and idp.hits["metadata"] == 1
    assert exchange(eclient, idp.token_for(user, kid=new_kid)).status_code == 200
    assert exchange(eclient, idp.token_for(user)).status_code == 200
    assert idp.hits["jwks"] == 2  # both keys now cached


def test_removed_key_stops_working_after_cache_refresh(entra_app, eclient, idp, movable_clock):
    user = register(entra_app)
    old = idp.published[0]
    assert exchange(eclient, idp.token_for(user)).status_code == 200
    new_kid = idp.new_key()
    idp.published.remove(old)
    movable_clock.advance(seconds=3601)  # cache lifetime over: the next use refetches
    assert exchange(eclient, idp.token_for(user, kid=new_kid)).status_code == 200
    response = exchange(eclient, idp.token_for(user, kid=old))
    assert response.status_code == 400 and "unknown signing key" in response.get_json()["error_description"]


def test_provider_down_with_warm_cache_keeps_working(entra_app, eclient, idp, movable_clock):
    user = register(entra_app)
    assert exchange(eclient, idp.token_for(user)).status_code == 200
    idp.down = True
    movable_clock.advance(seconds=3601)  # cache expired, refetch fails: last-known-good keys serve
    assert exchange(eclient, idp.token_for(user)).status_code == 200
    assert exchange(eclient, idp.token_for(user)).status_code == 200
    fetches = idp.hits["metadata"]
    assert fetches == 2  # one failed attempt, then the cooldown holds further attempts
    assert eclient.get("/readyz").status_code == 200
    movable_clock.advance(seconds=7200)  # beyond the stale window: no usable keys any more
    response = exchange(eclient, idp.token_for(user))
    assert response.status_code == 503
    assert response.get_json()["error"] == "temporarily_unavailable" and response.headers["Retry-After"]
    # Issue 18: the provider's fault is reported (degraded, /healthz/details, metrics), it does
    # not pull the pod: app tokens and every data route keep working without the provider.
    ready = eclient.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["status"] == "degraded"
    assert "unavailable" in ready.get_json()["degraded"]["identity_provider"]
    assert eclient.get("/healthz/details").get_json()["identity_provider"]["state"] == "unavailable"
    idp.down = False
    movable_clock.advance(seconds=31)
    assert exchange(eclient, idp.token_for(user)).status_code == 200
    assert eclient.get("/readyz").status_code == 200


def test_provider_down_with_cold_cache_is_503_not_401(entra_app, eclient, idp):
    user = register(entra_app)
    idp.down = True
    response = exchange(eclient, idp.token_for(user))
    assert response.status_code == 503
    assert response.get_json() == {"error": "temporarily_unavailable",
                                   "error_description": response.get_json()["error_description"]}
    assert int(response.headers["Retry-After"]) > 0
    assert response.headers["Cache-Control"] == "no-store"
    # The cooldown protects the provider: a burst of exchanges does not hammer it.
    for _ in range(5):
        assert exchange(eclient, idp.token_for(user)).status_code == 503
    assert idp.hits["metadata"] == 1


def test_unreachable_provider_cold_cache_is_503(entra_app, idp):
    user = register(entra_app)
    cfg = entra_app.config
    entra_app.extensions["entra_key_client"] = KeyClient(
        "http://127.0.0.1:1/nowhere/.well-known/openid-configuration", cache_seconds=60, stale_seconds=60,
        cooldown_seconds=30, timeout_seconds=cfg["JWKS_TIMEOUT_SECONDS"])
    response = exchange(entra_app.test_client(), idp.token_for(user))
    assert response.status_code == 503 and response.get_json()["error"] == "temporarily_unavailable"


def test_app_tokens_keep_working_while_provider_is_down(entra_app, eclient, idp):
    user = register(entra_app)
    body = exchange(eclient, idp.token_for(user)).get_json()
    idp.down = True
    me = eclient.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200


def test_discovery_must_name_issuer_and_http_jwks_uri(entra_app, eclient, idp, idp_server):
    from werkzeug import Response

    user = register(entra_app)
    idp_server.clear()
    idp_server.expect_request(f"/{idp.metadata_url.split('/', 3)[3].split('/')[0]}/v2.0/.well-known/openid-configuration")\
        .respond_with_handler(lambda r: Response('{"issuer": "x", "jwks_uri": "file:///etc/passwd"}',
                                                 content_type="application/json"))
    assert exchange(eclient, idp.token_for(user)).status_code == 503


def test_tenant_template_issuer_substitutes_each_allowed_tenant(entra_app, eclient, idp):
    from tests.auth.support import OTHER_TENANT

    idp.issuer = "https://login.microsoftonline.com/{tenantid}/v2.0"
    user = register(entra_app)
    assert exchange(eclient, idp.token_for(user)).status_code == 200
    # A token whose iss names another tenant than its tid is refused.
    response = exchange(eclient, idp.token_for(user, iss=f"https://login.microsoftonline.com/{OTHER_TENANT}/v2.0"))
    assert response.status_code == 400


def test_own_jwks_endpoint_publishes_public_keys_only(entra_app, eclient):
    response = eclient.get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=300"
    keys = response.get_json()["keys"]
    assert keys and all(k["kty"] == "EC" and k["alg"] == "ES256" and "d" not in k for k in keys)
    assert keys[0]["kid"] == entra_app.extensions["app_token_keyring"].signing_kid


def test_readyz_reports_signing_keys(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
