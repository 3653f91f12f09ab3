"""POST /auth/token (RFC 8693): the happy path, the request contract and every forged-token case
(J1-J11 that apply in-process). A rejected token is 400 invalid_request, never 500."""
from __future__ import annotations

import json
import time

import jwt
import pytest

from auth.app_tokens import verify_access_token
from tests.auth.support import (
    ACCESS_TYPE,
    DROP,
    EXCHANGE,
    GRAPH_AUDIENCE,
    ISSUER,
    OTHER_TENANT,
    TENANT,
    b64,
    exchange,
    register,
)


def assert_oauth_error(response, error: str, status: int = 400) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error", "error_description"}
    assert body["error"] == error
    assert response.headers["Cache-Control"] == "no-store" and response.headers["Pragma"] == "no-cache"
    return body


def test_exchange_issues_app_token_and_refresh_token(entra_app, eclient, idp):
    user = register(entra_app, "csw")
    response = exchange(eclient, idp.token_for(user))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert set(body) == {"access_token", "issued_token_type", "token_type", "expires_in", "refresh_token", "scope"}
    assert body["issued_token_type"] == ACCESS_TYPE and body["token_type"] == "Bearer" and body["expires_in"] == 900
    assert len(body["refresh_token"]) >= 43 and body["scope"] == "mobile"
    assert response.headers["Cache-Control"] == "no-store" and response.headers["Pragma"] == "no-cache"
    header = jwt.get_unverified_header(body["access_token"])
    assert header["typ"] == "at+jwt" and header["alg"] == "ES256"
    with entra_app.app_context():
        claims = verify_access_token(body["access_token"])
    assert claims["sub"] == str(user.id) and claims["role"] == "csw" and claims["tv"] == 1
    assert not {"email", "name", "preferred_username", "oid"} & set(claims)
    me = eclient.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200 and me.get_json()["id"] == user.id


def test_two_exchanges_give_distinct_sessions(entra_app, eclient, idp):
    user = register(entra_app)
    first = exchange(eclient, idp.token_for(user)).get_json()
    second = exchange(eclient, idp.token_for(user)).get_json()
    with entra_app.app_context():
        a, b = verify_access_token(first["access_token"]), verify_access_token(second["access_token"])
    assert a["jti"] != b["jti"] and a["sid"] != b["sid"]


def test_jwt_subject_token_type_and_known_targets_accepted(entra_app, eclient, idp):
    user = register(entra_app)
    response = exchange(eclient, idp.token_for(user), subject_token_type="urn:ietf:params:oauth:token-type:jwt",
                        audience="lacoe-mobile-api", scope="mobile", requested_token_type=ACCESS_TYPE)
    assert response.status_code == 200, response.get_json()


# -- request contract ---------------------------------------------------------------------------
@pytest.mark.parametrize("data, error", [
    ({}, "invalid_request"),
    ({"grant_type": "password", "username": "a", "password": "b"}, "unsupported_grant_type"),
    ({"grant_type": "client_credentials"}, "unsupported_grant_type"),
    ({"grant_type": EXCHANGE}, "invalid_request"),
    ({"grant_type": EXCHANGE, "subject_token": "x.y.z"}, "invalid_request"),
    ({"grant_type": EXCHANGE, "subject_token": "x.y.z", "subject_token_type": "urn:x"}, "invalid_request"),
    ({"grant_type": EXCHANGE, "subject_token": "x.y.z", "subject_token_type": ACCESS_TYPE,
      "requested_token_type": "urn:ietf:params:oauth:token-type:refresh_token"}, "invalid_request"),
    ({"grant_type": EXCHANGE, "subject_token": "x.y.z", "subject_token_type": ACCESS_TYPE,
      "actor_token": "a.b.c", "actor_token_type": ACCESS_TYPE}, "invalid_request"),
    ({"grant_type": EXCHANGE, "subject_token": "x.y.z", "subject_token_type": ACCESS_TYPE,
      "audience": "https://graph.microsoft.com"}, "invalid_target"),
    ({"grant_type": EXCHANGE, "subject_token": "x.y.z", "subject_token_type": ACCESS_TYPE,
      "scope": "mobile admin"}, "invalid_target"),
    ({"grant_type": EXCHANGE, "subject_token": "x.y.z", "subject_token_type": ACCESS_TYPE,
      "resource": "https://evil.example"}, "invalid_target"),
    ({"grant_type": "refresh_token"}, "invalid_request"),
])
def test_request_errors(eclient, data, error):
    assert_oauth_error(eclient.post("/auth/token", data=data), error)


def test_unknown_target_checked_before_the_token(entra_app, eclient, idp):
    user = register(entra_app)
    assert_oauth_error(exchange(eclient, idp.token_for(user), audience="other-api"), "invalid_target")


@pytest.mark.parametrize("kwargs", [
    {"data": json.dumps({"grant_type": EXCHANGE}), "content_type": "application/json"},
    {"data": "grant_type=refresh_token", "content_type": "text/plain"},
    {"data": b"\xff\xfe\x00garbage", "content_type": "application/octet-stream"},
])
def test_non_form_bodies_rejected(eclient, kwargs):
    assert_oauth_error(eclient.post("/auth/token", **kwargs), "invalid_request")


def test_nul_bytes_huge_values_duplicates_and_query_params_rejected(eclient, idp):
    assert_oauth_error(exchange(eclient, "a\x00b.c.d"), "invalid_request")
    assert_oauth_error(exchange(eclient, "a" * 20000), "invalid_request")
    assert_oauth_error(eclient.post("/auth/token", data=b"grant_type=refresh_token&grant_type=refresh_token",
                                    content_type="application/x-www-form-urlencoded"), "invalid_request")
    assert_oauth_error(eclient.post("/auth/token?refresh_token=abc", data={"grant_type": "refresh_token"}),
                       "invalid_request")
    big = eclient.post("/auth/token", data={"grant_type": EXCHANGE, "subject_token": "a" * (70 * 1024)})
    assert_oauth_error(big, "invalid_request")


# -- forged and unacceptable subject tokens (J1-J11) -------------------------------------------
def forged(header: dict, payload: dict | str, signature: str = "") -> str:
    body = payload if isinstance(payload, str) else json.dumps(payload)
    return f"{b64(json.dumps(header))}.{b64(body)}.{signature}"


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
def test_j1_alg_none_rejected(entra_app, eclient, idp, alg):
    user = register(entra_app)
    claims = idp.claims(tid=TENANT, oid=user.entra_object_id)
    for token in (forged({"alg": alg, "kid": idp.published[0]}, claims),
                  forged({"alg": alg, "kid": idp.published[0]}, claims, "c2ln")):
        body = assert_oauth_error(exchange(eclient, token), "invalid_request")
        assert "algorithm" in body["error_description"]


def test_j2_hs256_signed_with_the_public_key_rejected(entra_app, eclient, idp):
    from cryptography.hazmat.primitives import serialization

    user = register(entra_app)
    pem = idp.keys[idp.published[0]].public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    signing_input = f"{b64(json.dumps({'alg': 'HS256', 'kid': idp.published[0], 'typ': 'JWT'}))}." \
                    f"{b64(json.dumps(idp.claims(oid=user.entra_object_id)))}"
    import hashlib
    import hmac
    token = signing_input + "." + b64(hmac.new(pem, signing_input.encode(), hashlib.sha256).digest())
    assert_oauth_error(exchange(eclient, token), "invalid_request")
    # Also an RS/ES family mix-up: ES256 header with a real RSA signature.
    es = forged({"alg": "ES256", "kid": idp.published[0]}, idp.claims(oid=user.entra_object_id), "AAAA")
    assert_oauth_error(exchange(eclient, es), "invalid_request")


def test_j3_stripped_truncated_flipped_signature_rejected(entra_app, eclient, idp):
    user = register(entra_app)
    good = idp.token_for(user)
    head, payload, sig = good.split(".")
    flipped = sig[:10] + ("A" if sig[10] != "A" else "B") + sig[11:]
    for token in (f"{head}.{payload}.", f"{head}.{payload}.{sig[:40]}", f"{head}.{payload}.{flipped}",
                  f"{head}.{b64(json.dumps(dict(idp.claims(oid=user.entra_object_id), oid='someone-else')))}.{sig}"):
        assert_oauth_error(exchange(eclient, token), "invalid_request")
    assert exchange(eclient, good).status_code == 200


@pytest.mark.parametrize("kid", ["../../../../dev/null", "' UNION SELECT '1';--", "|sleep 10", "k" * 5000, "",
                                 "kid\nX-Injected: 1", 12345, None, ["a"]])
def test_j4_kid_injection_rejected_without_fetch_storm(entra_app, eclient, idp, kid):
    user = register(entra_app)
    token = idp.token_for(user, headers={"kid": kid})
    assert_oauth_error(exchange(eclient, token), "invalid_request")
    assert idp.hits["jwks"] <= 1


def test_j4_random_kid_flood_fetches_once_per_cooldown(entra_app, eclient, idp, movable_clock):
    user = register(entra_app)
    assert exchange(eclient, idp.token_for(user)).status_code == 200
    assert idp.hits["jwks"] == 1
    movable_clock.advance(seconds=31)  # past the cooldown that follows the first fetch
    for n in range(25):
        assert_oauth_error(exchange(eclient, idp.token_for(user, kid=f"random-{n}")), "invalid_request")
    assert idp.hits["jwks"] == 2  # one refetch for the first unknown kid, none during the cooldown
    movable_clock.advance(seconds=31)
    assert_oauth_error(exchange(eclient, idp.token_for(user, kid="random-0")), "invalid_request")
    assert idp.hits["jwks"] == 3


def test_j5_jku_x5u_jwk_x5c_headers_never_fetched(entra_app, eclient, idp, idp_server):
    from jwt.algorithms import RSAAlgorithm

    user = register(entra_app)
    attacker = idp.new_key("attacker", publish=False)
    attacker_jwk = json.loads(RSAAlgorithm.to_jwk(idp.keys[attacker].public_key()))
    listener_hits = []
    idp_server.expect_request("/attacker").respond_with_handler(lambda r: listener_hits.append(r.path) or
                                                                 __import__("werkzeug").Response("{}"))
    url = idp_server.url_for("/attacker")
    for extra in ({"jku": url}, {"x5u": url}, {"jwk": attacker_jwk}, {"x5c": ["MIIBIjANBgkq"]},
                  {"jku": url, "jwk": attacker_jwk, "x5u": url}):
        token = idp.token_for(user, kid=attacker, headers=extra)
        assert_oauth_error(exchange(eclient, token), "invalid_request")
    assert listener_hits == []


class FromNow(int):
    """Seconds from the moment the test runs (a time computed at import goes stale in a slow suite)."""


@pytest.mark.parametrize("claims, reason", [
    ({"exp": FromNow(-120)}, "expired"),
    ({"nbf": FromNow(600)}, "not yet valid"),
    ({"iat": FromNow(600)}, "not yet valid"),
    ({"exp": DROP}, "exp"),
    ({"iat": DROP}, "iat"),
    ({"nbf": DROP}, "nbf"),
    ({"oid": DROP}, "oid"),
    ({"tid": DROP}, "tid"),
    ({"sub": DROP}, "sub"),
    ({"aud": "api://someone-else"}, "audience"),
    ({"aud": GRAPH_AUDIENCE}, "audience"),
    ({"aud": DROP}, "aud"),
    ({"iss": "https://login.microsoftonline.com/" + TENANT}, "issuer"),
    ({"iss": ISSUER[:-1]}, "issuer"),
    ({"iss": "https://login.microsoftonline.com/"}, "issuer"),
    ({"iss": ISSUER + "/extra"}, "issuer"),
    ({"iss": f"https://sts.windows.net/{TENANT}/"}, "issuer"),
    ({"ver": "1.0"}, "version"),
    ({"ver": DROP}, "version"),
    ({"tid": OTHER_TENANT}, "tenant"),
    ({"scp": "User.Read"}, "scope"),
    ({"scp": DROP, "roles": ["access_as_user"]}, "scope"),
    ({"scp": "access_as_users"}, "scope"),
    ({"azp": "55555555-5555-5555-5555-555555555555"}, "client"),
    ({"azp": DROP}, "client"),
])
def test_j6_j7_claims_rejected(entra_app, eclient, idp, claims, reason):
    user = register(entra_app)
    now = int(time.time())
    claims = {k: now + int(v) if isinstance(v, FromNow) else v for k, v in claims.items()}
    body = assert_oauth_error(exchange(eclient, idp.token_for(user, **claims)), "invalid_request")
    assert reason in body["error_description"]


def test_j6_small_clock_skew_tolerated(entra_app, eclient, idp):
    user = register(entra_app)
    now = int(time.time())
    assert exchange(eclient, idp.token_for(user, nbf=now + 30, iat=now + 30)).status_code == 200
    assert exchange(eclient, idp.token_for(user, exp=now - 30)).status_code == 200


def test_j8_crit_header_rejected(entra_app, eclient, idp):
    user = register(entra_app)
    for crit in (["exp"], ["b64"], ["urn:example:unknown"]):
        # PyJWT (>= 2.12) already refuses the header while parsing; our own check is the backstop.
        assert_oauth_error(exchange(eclient, idp.token_for(user, headers={"crit": crit})), "invalid_request")


def test_j9_app_token_at_exchange_rejected(entra_app, eclient, idp, token_for):
    user = register(entra_app)
    with entra_app.app_context():
        from mobile_service.extensions import db
        from mobile_service.models import User
        from tests.factories import app_token_for
        app_token = app_token_for(db.session.get(User, user.id))
    assert_oauth_error(exchange(eclient, app_token), "invalid_request")


def test_j9_entra_token_on_data_route_is_401(entra_app, eclient, idp):
    user = register(entra_app)
    response = eclient.get("/api/v1/me", headers={"Authorization": f"Bearer {idp.token_for(user)}"})
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


@pytest.mark.parametrize("payload", [
    {"exp": "tomorrow"}, {"exp": ["1"]}, {"exp": "NaN"}, {"exp": 1e400}, {"nbf": {"a": 1}}, {"iat": "x"},
    {"aud": 12345}, {"aud": [1, 2]}, {"iss": ["x"]}, {"sub": 42}, {"oid": 42}, {"oid": ["a"]}, {"tid": 7},
    {"oid": "o" * 37}, {"tid": None}, {"scp": ["access_as_user"]}, {"ver": 2.0}, {"azp": ["x"]},
    {"preferred_username": {"x": 1}},
])
def test_j11_claim_type_confusion_never_500(entra_app, eclient, idp, payload):
    user = register(entra_app)
    claims = idp.claims(oid=user.entra_object_id, preferred_username=user.email)
    claims.update(payload)
    head = {"alg": "RS256", "kid": idp.published[0], "typ": "JWT"}
    body = json.dumps(claims, default=str)
    if payload.get("exp") == 1e400:  # json writes Infinity; splice a raw overflowing literal in
        body = json.dumps(claims | {"exp": 0}).replace('"exp": 0', '"exp": 1e400')
    token = idp.sign_raw(head, body)
    response = exchange(eclient, token)
    if payload == {"preferred_username": {"x": 1}}:
        # The user is bound already; a junk display claim is ignored, never trusted.
        assert response.status_code == 200
    else:
        assert_oauth_error(response, "invalid_request")


def test_j11_array_payload_and_duplicate_keys(entra_app, eclient, idp):
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    user = register(entra_app)
    key = idp.keys[idp.published[0]]
    head = b64(json.dumps({"alg": "RS256", "kid": idp.published[0]}))
    good = json.dumps(idp.claims(oid=user.entra_object_id))
    for body in ("[1, 2, 3]", '"just a string"', good[:-1] + ', "aud": "api://evil"}'):
        signing_input = f"{head}.{b64(body)}"
        token = f"{signing_input}.{b64(key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256()))}"
        assert_oauth_error(exchange(eclient, token), "invalid_request")


@pytest.mark.parametrize("token", ["", "a.b", "a.b.c.d", "....", "eyJ.eyJ.", "é.ü.ß", "%%%.$$$.###",
                                   b64("{") + ".e30.", b64("[]") + ".e30.", b64('{"alg":"RS256"}') + ".!!!.x",
                                   "Bearer abc.def.ghi"])
def test_malformed_tokens_never_500(eclient, token):
    response = exchange(eclient, token)
    assert_oauth_error(response, "invalid_request")


def test_oversized_token_rejected(eclient, idp):
    head = b64(json.dumps({"alg": "RS256", "kid": idp.published[0], "pad": "x" * 12000}))
    assert_oauth_error(exchange(eclient, f"{head}.e30.sig"), "invalid_request")


def test_failed_exchange_records_reason_without_pii(entra_app, eclient, idp):
    from sqlalchemy import select

    from mobile_service.extensions import db
    from mobile_service.models import UsageEvent

    user = register(entra_app)
    exchange(eclient, idp.token_for(user, aud=GRAPH_AUDIENCE))
    with entra_app.app_context():
        events = db.session.execute(select(UsageEvent)).scalars().all()
        assert [(e.event, e.detail, e.user_id) for e in events] == [("sign_in_failed", "bad_audience", None)]
