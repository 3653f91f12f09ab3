"""MSAL, offline: the on-behalf-of Graph profile sync at exchange time and the dashboard's
authorization-code flow (PKCE). `responses` intercepts every HTTP call MSAL and Graph would make;
nothing reaches Microsoft."""
from __future__ import annotations

import json
import time
import urllib.parse
import uuid

import pytest
import responses

from mobile_service.extensions import db
from mobile_service.models import RefreshFamily, User
from tests.auth.support import TENANT, exchange, register

CLIENT_ID = "66666666-6666-6666-6666-666666666666"
AUTHORITY = f"https://login.microsoftonline.com/{TENANT}"
TOKEN_URL = f"{AUTHORITY}/oauth2/v2.0/token"
GRAPH_ME = "https://graph.microsoft.com/v1.0/me"


def mock_discovery(mock: responses.RequestsMock) -> None:
    mock.get(f"{AUTHORITY}/v2.0/.well-known/openid-configuration", json={
        "authorization_endpoint": f"{AUTHORITY}/oauth2/v2.0/authorize", "token_endpoint": TOKEN_URL,
        "issuer": f"{AUTHORITY}/v2.0", "jwks_uri": f"{AUTHORITY}/discovery/v2.0/keys",
        "end_session_endpoint": f"{AUTHORITY}/oauth2/v2.0/logout",
    })


@pytest.fixture
def msal_app(make_app, entra_app, entra_env, idp):
    application = make_app(dict(entra_env, ENTRA_CLIENT_ID=CLIENT_ID, ENTRA_CLIENT_SECRET="test-secret-not-real",
                                  GRAPH_PROFILE_SYNC="true"))
    application.extensions["entra_key_client"] = entra_app.extensions["entra_key_client"]
    yield application
    with application.app_context():
        db.engine.dispose()


def test_obo_graph_profile_sync_updates_registry(msal_app, idp):
    user = register(msal_app, display_name="Old Name", office="Pomona")
    subject = idp.token_for(user)
    with responses.RequestsMock() as mock:
        mock_discovery(mock)
        obo = mock.post(TOKEN_URL, json={"token_type": "Bearer", "access_token": "graph-token-opaque",
                                         "expires_in": 3600, "scope": "User.Read"})
        graph = mock.get(GRAPH_ME, json={"displayName": "Pat Newname", "officeLocation": "Pomona Regional"})
        response = exchange(msal_app.test_client(), subject)
        assert response.status_code == 200, response.get_json()
        sent = urllib.parse.parse_qs(obo.calls[0].request.body)
        assert sent["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
        assert sent["requested_token_use"] == ["on_behalf_of"] and sent["assertion"] == [subject]
        assert "User.Read" in sent["scope"][0]
        assert graph.calls[0].request.headers["Authorization"] == "Bearer graph-token-opaque"
    with msal_app.app_context():
        stored = db.session.get(User, user.id)
        assert (stored.display_name, stored.office) == ("Pat Newname", "Pomona Regional")


@pytest.mark.parametrize("failure", ["obo_error", "graph_500", "graph_garbage", "discovery_down"])
def test_graph_failures_never_block_sign_in(msal_app, idp, failure):
    user = register(msal_app, display_name="Kept Name")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        if failure == "discovery_down":
            mock.get(f"{AUTHORITY}/v2.0/.well-known/openid-configuration", status=503)
        else:
            mock_discovery(mock)
        if failure == "obo_error":
            mock.post(TOKEN_URL, status=400, json={"error": "invalid_grant", "error_description": "AADSTS50013"})
        else:
            mock.post(TOKEN_URL, json={"token_type": "Bearer", "access_token": "g", "expires_in": 3600})
        if failure == "graph_500":
            mock.get(GRAPH_ME, status=500)
        else:
            mock.get(GRAPH_ME, body="<html>not json</html>")
        response = exchange(msal_app.test_client(), idp.token_for(user))
    assert response.status_code == 200
    with msal_app.app_context():
        assert db.session.get(User, user.id).display_name == "Kept Name"


def test_sync_off_by_default_makes_no_calls(entra_app, eclient, idp):
    user = register(entra_app)
    with responses.RequestsMock() as mock:  # any HTTP call through requests would fail the test
        assert exchange(eclient, idp.token_for(user)).status_code == 200
        assert len(mock.calls) == 0


def id_token(idp, nonce: str, **claims) -> str:
    now = int(time.time())
    values = {"iss": f"{AUTHORITY}/v2.0", "aud": CLIENT_ID, "tid": TENANT, "oid": str(uuid.uuid4()),
              "sub": "pairwise", "nonce": nonce, "iat": now, "nbf": now, "exp": now + 3600, "ver": "2.0",
              "preferred_username": "someone@lacoe.edu"}
    values.update(claims)
    return idp.sign_raw({"alg": "RS256", "kid": idp.published[0], "typ": "JWT"}, values)


def start_login(client, mock):
    response = client.get("/pilot/login?next=/pilot/feedback")
    assert response.status_code == 302
    location = urllib.parse.urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{AUTHORITY}/oauth2/v2.0/authorize"
    query = urllib.parse.parse_qs(location.query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["client_id"] == [CLIENT_ID] and query["response_type"] == ["code"]
    assert query["redirect_uri"] == ["http://localhost/pilot/auth/callback"]
    return query["state"][0], query["nonce"][0]


def test_web_auth_code_flow_signs_in_a_coordinator(msal_app, idp):
    coordinator = register(msal_app, "pilot_coordinator", bound=False, email="coord@lacoe.edu")
    client = msal_app.test_client()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock_discovery(mock)
        state, nonce = start_login(client, mock)
        oid = str(uuid.uuid4())
        token_call = mock.post(TOKEN_URL, json={"token_type": "Bearer", "access_token": "at", "expires_in": 3600,
                                                "id_token": id_token(idp, nonce, oid=oid, preferred_username=coordinator.email),
                                                "scope": "openid profile"})
        response = client.get(f"/pilot/auth/callback?code=the-code&state={state}")
        assert response.status_code == 302 and response.headers["Location"] == "/pilot/feedback", \
            response.get_data(as_text=True)
        sent = urllib.parse.parse_qs(token_call.calls[0].request.body)
        assert sent["code"] == ["the-code"] and sent["code_verifier"][0]
    with msal_app.app_context():
        stored = db.session.get(User, coordinator.id)
        assert stored.entra_object_id == oid  # bound once through the registry gate
        family = db.session.query(RefreshFamily).one()
        assert family.client_id == "pilot-dashboard"
    with client.session_transaction() as sess:
        assert set(sess) <= {"pilot_sid", "pilot_tv", "csrf"} and sess["pilot_sid"] == family.id


def test_web_flow_refuses_field_roles_wrong_tenant_and_forged_state(msal_app, idp):
    csw = register(msal_app, "csw")
    client = msal_app.test_client()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock_discovery(mock)
        state, nonce = start_login(client, mock)
        mock.post(TOKEN_URL, json={"token_type": "Bearer", "access_token": "at", "expires_in": 3600,
                                   "id_token": id_token(idp, nonce, oid=csw.entra_object_id)})
        assert client.get(f"/pilot/auth/callback?code=c&state={state}").status_code == 403
        state, nonce = start_login(client, mock)
        assert client.get("/pilot/auth/callback?code=c&state=forged").status_code == 400
        assert client.get(f"/pilot/auth/callback?code=c&state={state}").status_code == 400  # flow was consumed
        state, nonce = start_login(client, mock)
        mock.replace(responses.POST, TOKEN_URL, json={"token_type": "Bearer", "access_token": "at", "expires_in": 3600,
                                                      "id_token": id_token(idp, nonce, tid="33333333-3333-3333-3333-333333333333")})
        assert client.get(f"/pilot/auth/callback?code=c&state={state}").status_code == 403
        state, nonce = start_login(client, mock)
        mock.replace(responses.POST, TOKEN_URL, status=400, json={"error": "invalid_grant"})
        assert client.get(f"/pilot/auth/callback?code=c&state={state}").status_code == 401
    assert client.get("/pilot/auth/callback?code=c&state=x").status_code == 400  # no flow in session
    with msal_app.app_context():
        assert db.session.query(RefreshFamily).count() == 0


def test_msal_client_built_once_per_process(msal_app):
    holder = msal_app.extensions["msal"]
    with responses.RequestsMock() as mock:
        mock_discovery(mock)
        first, second = holder.get(), holder.get()
        assert first is second and len(mock.calls) == 1
    assert json.dumps(holder.configured)
