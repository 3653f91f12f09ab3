"""Refresh tokens (rotation, reuse -> family revoked, grace, idle/absolute expiry), revocation
(RFC 7009) and immediate effect of deactivation / token-version bumps (J10)."""
from __future__ import annotations

import hashlib

from sqlalchemy import select, update

from mobile_service.extensions import db
from mobile_service.models import RefreshFamily, RefreshToken, User
from tests.auth.support import exchange, refresh, register


def sign_in(entra_app, eclient, idp, role="csw"):
    user = register(entra_app, role)
    body = exchange(eclient, idp.token_for(user)).get_json()
    return user, body


def me(client, access_token):
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {access_token}"})


def test_refresh_rotates_and_stores_only_hashes(entra_app, eclient, idp):
    _user, body = sign_in(entra_app, eclient, idp)
    second = refresh(eclient, body["refresh_token"])
    assert second.status_code == 200, second.get_json()
    new = second.get_json()
    assert new["refresh_token"] != body["refresh_token"] and new["access_token"] != body["access_token"]
    assert second.headers["Cache-Control"] == "no-store"
    assert me(eclient, new["access_token"]).status_code == 200
    with entra_app.app_context():
        hashes = set(db.session.execute(select(RefreshToken.token_hash)).scalars())
        assert hashlib.sha256(body["refresh_token"].encode()).hexdigest() in hashes
        assert not {body["refresh_token"], new["refresh_token"]} & hashes
    third = refresh(eclient, new["refresh_token"])
    assert third.status_code == 200


def test_reuse_of_spent_token_revokes_the_family(entra_app, eclient, idp):
    _user, body = sign_in(entra_app, eclient, idp)
    new = refresh(eclient, body["refresh_token"]).get_json()
    reuse = refresh(eclient, body["refresh_token"])
    assert reuse.status_code == 400 and reuse.get_json()["error"] == "invalid_grant"
    # The whole family ends: the successor refresh token and every app token of the session.
    assert refresh(eclient, new["refresh_token"]).get_json()["error"] == "invalid_grant"
    response = me(eclient, new["access_token"])
    assert response.status_code == 401 and 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    with entra_app.app_context():
        family = db.session.execute(select(RefreshFamily)).scalar_one()
        assert family.revoked_reason == "refresh_reuse"


def test_reuse_grace_window(make_app, entra_app, idp, base_env, entra_env, movable_clock):
    grace_app = make_app(dict(entra_env, REFRESH_REUSE_GRACE_SECONDS="30"))
    grace_app.extensions["entra_key_client"] = entra_app.extensions["entra_key_client"]
    client = grace_app.test_client()
    user = register(grace_app)
    body = exchange(client, idp.token_for(user)).get_json()
    assert refresh(client, body["refresh_token"]).status_code == 200
    movable_clock.advance(seconds=10)
    assert refresh(client, body["refresh_token"]).status_code == 200  # lost response: retried in time
    movable_clock.advance(seconds=31)
    assert refresh(client, body["refresh_token"]).get_json()["error"] == "invalid_grant"
    with grace_app.app_context():
        db.engine.dispose()


def test_idle_expiry(make_app, entra_app, idp, entra_env, movable_clock):
    # With the defaults idle (12 h) equals the absolute lifetime; a shorter idle still applies.
    idle_app = make_app(dict(entra_env, REFRESH_IDLE_SECONDS="7200"))
    idle_app.extensions["entra_key_client"] = entra_app.extensions["entra_key_client"]
    client = idle_app.test_client()
    body = exchange(client, idp.token_for(register(idle_app))).get_json()
    movable_clock.advance(hours=1, minutes=50)
    body = refresh(client, body["refresh_token"]).get_json()
    assert "refresh_token" in body
    movable_clock.advance(hours=2, seconds=1)
    response = refresh(client, body["refresh_token"])
    assert response.get_json()["error"] == "invalid_grant" and "inactivity" in response.get_json()["error_description"]
    with idle_app.app_context():
        db.engine.dispose()


def test_absolute_expiry(entra_app, eclient, idp, movable_clock):
    _user, body = sign_in(entra_app, eclient, idp)
    token = body["refresh_token"]
    for _ in range(2):  # stay active every 4 hours...
        movable_clock.advance(hours=4)
        token = refresh(eclient, token).get_json()["refresh_token"]
    movable_clock.advance(hours=4)  # ...but never beyond one working day (12 h) from the Entra token
    response = refresh(eclient, token)
    assert response.get_json()["error"] == "invalid_grant"
    assert response.get_json()["error_description"] == "session expired; sign in again"
    with entra_app.app_context():
        assert db.session.execute(select(RefreshFamily.revoked_reason)).scalar_one() == "absolute_expiry"


def test_unknown_and_malformed_refresh_tokens(eclient, idp):
    for token in ("nope", "A" * 43, "x" * 500, "a.b.c", "../../etc/passwd", "é" * 43):
        response = refresh(eclient, token)
        assert response.status_code == 400 and response.get_json()["error"] == "invalid_grant", token


def test_refresh_rechecks_user_and_rereads_role(entra_app, eclient, idp):
    from auth.app_tokens import verify_access_token

    user, body = sign_in(entra_app, eclient, idp)
    with entra_app.app_context():
        db.session.execute(update(User).where(User.id == user.id).values(role="scsw", token_version=2))
        db.session.commit()
    assert me(eclient, body["access_token"]).status_code == 401  # token version bumped: at once
    new = refresh(eclient, body["refresh_token"]).get_json()
    with entra_app.app_context():
        claims = verify_access_token(new["access_token"])
    assert claims["role"] == "scsw" and claims["tv"] == 2
    assert me(eclient, new["access_token"]).get_json()["role"] == "scsw"
    with entra_app.app_context():
        db.session.execute(update(User).where(User.id == user.id).values(active=False))
        db.session.commit()
    assert me(eclient, new["access_token"]).status_code == 401  # deactivated mid-session: at once
    response = refresh(eclient, new["refresh_token"])
    assert response.get_json() == {"error": "invalid_grant", "error_description": "user account is deactivated"}


def test_revoke_refresh_token_ends_session_at_once(entra_app, eclient, idp):
    _user, body = sign_in(entra_app, eclient, idp)
    assert me(eclient, body["access_token"]).status_code == 200
    response = eclient.post("/auth/revoke", data={"token": body["refresh_token"], "token_type_hint": "refresh_token"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert me(eclient, body["access_token"]).status_code == 401
    assert refresh(eclient, body["refresh_token"]).get_json()["error"] == "invalid_grant"


def test_revoke_access_token_ends_its_session(entra_app, eclient, idp):
    _user, body = sign_in(entra_app, eclient, idp)
    assert eclient.post("/auth/revoke", data={"token": body["access_token"]}).status_code == 200
    assert me(eclient, body["access_token"]).status_code == 401
    assert refresh(eclient, body["refresh_token"]).get_json()["error"] == "invalid_grant"


def test_revoke_unknown_tokens_is_200_and_missing_token_is_invalid_request(eclient):
    for token in ("unknown", "A" * 43, "a.b.c", "x" * 1000):
        assert eclient.post("/auth/revoke", data={"token": token, "token_type_hint": "whatever"}).status_code == 200
    response = eclient.post("/auth/revoke", data={})
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_request"
    assert eclient.post("/auth/revoke", json={"token": "x"}).get_json()["error"] == "invalid_request"


def test_rfc6750_challenges(entra_app, eclient, idp):
    assert eclient.get("/api/v1/me").headers["WWW-Authenticate"] == 'Bearer realm="lacoe-mobile"'
    response = eclient.get("/api/v1/me", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401 and 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    response = eclient.get("/api/v1/me", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert response.status_code == 401


def test_role_restricted_route_answers_403_insufficient_scope(make_app, entra_app, entra_env, idp):
    from flask import Blueprint

    from auth import require_auth

    # A throw-away app with one admin-only route (the real ones belong to other modules).
    restricted = make_app(entra_env)
    bp = Blueprint("admin_only", __name__)

    @bp.get("/test/admin-only")
    @require_auth(roles=("admin",))
    def admin_only():
        return {"ok": True}

    restricted.register_blueprint(bp)
    restricted.extensions["entra_key_client"] = entra_app.extensions["entra_key_client"]
    client = restricted.test_client()
    user = register(restricted, "csw")
    admin = register(restricted, "admin")
    csw_token = exchange(client, idp.token_for(user)).get_json()["access_token"]
    admin_token = exchange(client, idp.token_for(admin)).get_json()["access_token"]
    response = client.get("/test/admin-only", headers={"Authorization": f"Bearer {csw_token}"})
    assert response.status_code == 403
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
    assert client.get("/test/admin-only", headers={"Authorization": f"Bearer {admin_token}"}).status_code == 200
    with restricted.app_context():
        db.engine.dispose()

