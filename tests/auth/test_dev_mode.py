"""AUTH_MODE=dev: the in-process issuer, `flask dev-token`, exchange through the same validator,
the dashboard's dev sign-in page (CSRF), web sessions, and production refusing dev mode."""
from __future__ import annotations

import re

import pytest
from flask import Blueprint

from auth.web import csrf_token, current_web_principal, verify_csrf, web_login_required
from mobile_service.config import DEV_API_AUDIENCE, DEV_TENANT_ID, ConfigError, load_config
from mobile_service.extensions import db
from mobile_service.models import RefreshFamily, User
from tests.auth.support import exchange
from tests.factories import make_user


@pytest.fixture
def dev_app(make_app, app, database_url, tmp_path, monkeypatch):
    """A development app with no ENTRA_* variables at all, like `make run`."""
    monkeypatch.chdir(tmp_path)  # instance/ (dev keys, secret) goes to a temp dir
    application = make_app({"APP_ENV": "development", "AUTH_MODE": "dev", "DATABASE_URL": database_url})
    page = Blueprint("dashboard_probe", __name__)

    @page.route("/pilot-probe", methods=["GET", "POST"])
    @web_login_required()
    def probe():
        if request_method() == "POST":
            verify_csrf()
        principal = current_web_principal()
        return {"user_id": principal.user_id, "role": principal.role, "csrf": csrf_token()}

    application.register_blueprint(page)
    yield application
    with application.app_context():
        db.engine.dispose()


def request_method() -> str:
    from flask import request

    return request.method


def add_user(application, role, **kw):
    with application.app_context():
        user = make_user(role, **kw)
        db.session.commit()
        db.session.refresh(user)
        db.session.expunge(user)
        return user


def test_dev_defaults_come_from_the_dev_issuer(dev_app):
    assert dev_app.config["ENTRA_TENANT_IDS"] == [DEV_TENANT_ID]
    assert dev_app.config["ENTRA_API_AUDIENCES"] == [DEV_API_AUDIENCE]
    issuer = dev_app.extensions["dev_issuer"]
    assert issuer.issuer == f"https://login.microsoftonline.com/{DEV_TENANT_ID}/v2.0"
    client = dev_app.extensions["entra_key_client"]
    assert client.state.static and client.issuer() == issuer.issuer  # seeded: no HTTP fetch of our own JWKS


def test_dev_token_cli_exchange_and_me(dev_app):
    import jwt

    user = add_user(dev_app, "csw", email="csw.demo@dcfs.lacounty.gov")
    result = dev_app.test_cli_runner().invoke(args=["dev-token", "CSW.demo@dcfs.lacounty.gov"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    claims = jwt.decode(token, dev_app.extensions["dev_issuer"].private_key.public_key(), algorithms=["RS256"],
                        audience=DEV_API_AUDIENCE)
    assert claims["ver"] == "2.0" and claims["scp"] == "access_as_user" and claims["aud"] == DEV_API_AUDIENCE
    assert claims["tid"] == DEV_TENANT_ID and claims["preferred_username"] == user.email and claims["azp"]
    client = dev_app.test_client()
    body = exchange(client, token).get_json()
    assert "access_token" in body, body
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"}).get_json()
    assert me["id"] == user.id
    with dev_app.app_context():
        bound = db.session.get(User, user.id)
        assert bound.entra_tenant_id == DEV_TENANT_ID and bound.entra_object_id == claims["oid"]
    # A second dev token for the now-bound user carries the bound oid.
    again = dev_app.test_cli_runner().invoke(args=["dev-token", user.email]).output.strip()
    assert exchange(client, again).status_code == 200


def test_dev_tokens_go_through_the_validator(dev_app):
    user = add_user(dev_app, "csw")
    token = dev_app.test_cli_runner().invoke(args=["dev-token", user.email]).output.strip()
    head, payload, sig = token.split(".")
    flipped = sig[:5] + ("A" if sig[5] != "A" else "B") + sig[6:]
    response = exchange(dev_app.test_client(), f"{head}.{payload}.{flipped}")
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_request"


def test_dev_token_cli_errors(dev_app, app):
    assert dev_app.test_cli_runner().invoke(args=["dev-token", "nobody@x.org"]).exit_code != 0
    result = app.test_cli_runner().invoke(args=["dev-token", "nobody@x.org"])  # entra mode
    assert result.exit_code != 0 and "AUTH_MODE=dev" in result.output


def test_production_refuses_dev_mode(base_env):
    env = dict(base_env, APP_ENV="production", AUTH_MODE="dev", DATABASE_URL="postgresql://db/x",
               OIDC_METADATA_URL="https://login.microsoftonline.com/t/v2.0/.well-known/openid-configuration",
               APP_TOKEN_ISSUER="https://mobile.example")
    with pytest.raises(ConfigError, match="AUTH_MODE=dev"):
        load_config(env)


def login_page_csrf(client) -> str:
    html = client.get("/pilot/dev-login").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_dashboard_dev_login_session_and_logout(dev_app):
    coordinator = add_user(dev_app, "pilot_coordinator", email="coord@lacoe.edu")
    client = dev_app.test_client()
    first = client.get("/pilot-probe")
    assert first.status_code == 302 and "/pilot/login" in first.headers["Location"]
    assert client.get(first.headers["Location"]).headers["Location"].endswith("/pilot/dev-login")
    html = client.get("/pilot/dev-login").get_data(as_text=True)
    assert "coord@lacoe.edu" in html
    token = login_page_csrf(client)
    assert client.post("/pilot/dev-login", data={"email": coordinator.email}).status_code == 400  # no CSRF
    response = client.post("/pilot/dev-login", data={"email": coordinator.email, "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/pilot-probe"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    probe = client.get("/pilot-probe").get_json()
    assert probe["user_id"] == coordinator.id and probe["role"] == "pilot_coordinator"
    with dev_app.app_context():
        family = db.session.query(RefreshFamily).one()
        assert family.client_id == "pilot-dashboard" and family.user_id == coordinator.id
    assert client.post("/pilot-probe").status_code == 400  # POST without CSRF
    assert client.post("/pilot-probe", data={"csrf_token": probe["csrf"]}).status_code == 200
    assert client.post("/pilot-probe", data={"csrf_token": probe["csrf"]},
                       headers={"Origin": "https://evil.example"}).status_code == 400
    assert client.post("/pilot/logout").status_code == 400
    assert client.post("/pilot/logout", data={"csrf_token": probe["csrf"]}).status_code == 302
    assert client.get("/pilot-probe").status_code == 302
    with dev_app.app_context():
        assert db.session.query(RefreshFamily).one().revoked_at is not None


def test_dashboard_refuses_field_roles_and_unknown_users(dev_app):
    csw = add_user(dev_app, "csw")
    client = dev_app.test_client()
    token = login_page_csrf(client)
    assert client.post("/pilot/dev-login", data={"email": csw.email, "csrf_token": token}).status_code == 403
    assert client.post("/pilot/dev-login", data={"email": "x@y.z", "csrf_token": token}).status_code == 403
    assert client.get("/pilot-probe").status_code == 302


def test_dashboard_session_ends_on_deactivation_role_change_and_idle(dev_app, movable_clock):
    moving = movable_clock
    admin = add_user(dev_app, "admin")

    def signed_in_client():
        client = dev_app.test_client()
        client.post("/pilot/dev-login", data={"email": admin.email, "csrf_token": login_page_csrf(client)})
        assert client.get("/pilot-probe").status_code == 200
        return client

    client = signed_in_client()
    with dev_app.app_context():
        db.session.get(User, admin.id).role = "csw"
        db.session.commit()
    assert client.get("/pilot-probe").status_code == 403  # role re-read on every request
    with dev_app.app_context():
        user = db.session.get(User, admin.id)
        user.role, user.token_version = "admin", 2
        db.session.commit()
    assert client.get("/pilot-probe").status_code == 302  # token version bump ends web sessions
    client = signed_in_client()
    moving.advance(hours=2, seconds=1)
    assert client.get("/pilot-probe").status_code == 302  # idle
    client = signed_in_client()
    with dev_app.app_context():
        db.session.get(User, admin.id).active = False
        db.session.commit()
    assert client.get("/pilot-probe").status_code == 302


def test_open_redirect_refused(dev_app):
    admin = add_user(dev_app, "admin")
    client = dev_app.test_client()
    client.get("/pilot/login?next=https://evil.example/x")
    response = client.post("/pilot/dev-login", data={"email": admin.email, "csrf_token": login_page_csrf(client),
                                                     "next": "//evil.example"})
    assert response.headers["Location"] == "/pilot"
