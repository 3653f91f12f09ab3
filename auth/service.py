"""The token endpoint's logic: RFC 8693 exchange, refresh rotation, RFC 7009 revocation.

One commit per request. Failed exchanges still commit a ``sign_in_failed`` usage event (reason
code only); failed refreshes commit any family revocation they caused (reuse, expiry).
"""
from __future__ import annotations

import logging
from typing import Any

from flask import current_app
from sqlalchemy.exc import IntegrityError

from auth import registry_gate, sessions
from auth.app_tokens import InvalidAppToken, issue_access_token, verify_access_token
from auth.entra import EntraTokenError, KeysUnavailable, validate_subject_token
from auth.graph import sync_profile
from auth.oauth import OAuthError, require
from mobile_service import clock, usage
from mobile_service.extensions import db
from mobile_service.models import RefreshFamily, User

log = logging.getLogger("mobile_service.auth")

TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
REFRESH = "refresh_token"
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"
JWT_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:jwt"
SUBJECT_TOKEN_TYPES = (ACCESS_TOKEN_TYPE, JWT_TOKEN_TYPE)
# The one scope app tokens carry; requests may name it (or nothing).
SCOPE = "mobile"
RETRY_AFTER_SECONDS = "30"
# A session shorter than this (or half the configured lifetime) is not worth opening: the
# Entra token is stale, the app gets a fresh one.
MIN_SESSION_SECONDS = 300


def _token_response(user: User, family: RefreshFamily, refresh_token: str) -> dict[str, Any]:
    access, ttl = issue_access_token(user_id=user.id, role=user.role, sid=family.id,
                                     token_version=user.token_version)
    return {"access_token": access, "issued_token_type": ACCESS_TOKEN_TYPE, "token_type": "Bearer",
            "expires_in": ttl, "refresh_token": refresh_token, "scope": SCOPE}


def _check_target(values: dict[str, str]) -> None:
    cfg = current_app.config
    audience = values.get("audience")
    if audience is not None and audience != cfg["APP_TOKEN_AUDIENCE"]:
        raise OAuthError("invalid_target", "unknown audience", reason="invalid_target")
    resource = values.get("resource")
    if resource is not None and resource.rstrip("/") != str(cfg["APP_TOKEN_ISSUER"]).rstrip("/"):
        raise OAuthError("invalid_target", "unknown resource", reason="invalid_target")
    scope = values.get("scope")
    if scope is not None and (not scope.split() or any(s != SCOPE for s in scope.split())):
        raise OAuthError("invalid_target", "unknown scope", reason="invalid_target")


def _check_exchange_request(values: dict[str, str]) -> str:
    token = require(values, "subject_token")
    token_type = require(values, "subject_token_type")
    if token_type not in SUBJECT_TOKEN_TYPES:
        raise OAuthError("invalid_request", "unsupported subject_token_type", reason="bad_token_type")
    requested = values.get("requested_token_type")
    if requested is not None and requested != ACCESS_TOKEN_TYPE:
        raise OAuthError("invalid_request", "only access tokens can be requested", reason="bad_token_type")
    if "actor_token" in values or "actor_token_type" in values:
        raise OAuthError("invalid_request", "actor tokens are not supported", reason="actor_token")
    _check_target(values)
    return token


def _sign_in(token: str) -> tuple[User, dict[str, Any]]:
    try:
        identity = validate_subject_token(token)
    except EntraTokenError as exc:
        raise OAuthError("invalid_request", exc.description, reason=exc.reason) from exc
    except KeysUnavailable as exc:
        raise OAuthError("temporarily_unavailable", "the identity provider's signing keys are unavailable; retry later",
                         status=503, reason="keys_unavailable", headers={"Retry-After": RETRY_AFTER_SECONDS}) from exc
    minimum = min(MIN_SESSION_SECONDS, current_app.config["REFRESH_ABSOLUTE_SECONDS"] // 2)
    if sessions.session_seconds(identity.issued_at, clock.utcnow()) < minimum:
        # Entra issued this token (e.g. a long-lived CAE token) about a working day ago: the app
        # must get a fresh one (MSAL, forceRefresh), so Entra's sign-in policies apply again.
        raise OAuthError("invalid_request", "the identity token was issued too long ago; acquire a fresh one",
                         reason="stale_token")
    for attempt in (1, 2):
        try:
            user = registry_gate.resolve_user(identity)
            family, refresh = sessions.start_session(user, entra_issued_at=identity.issued_at)
            body = _token_response(user, family, refresh)
            user_id, role = user.id, user.role  # read now: the commit expires them (a reload query)
            usage.record_event("sign_in", user_id=user_id, role=role)
            db.session.commit()
            log.info("sign-in", extra={"event": "sign_in", "outcome": "ok", "user_id": user_id, "role": role})
            return user, body
        except IntegrityError:
            # Two first sign-ins raced to bind the same person: the loser retries and finds the binding.
            db.session.rollback()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def exchange(values: dict[str, str]) -> dict[str, Any]:
    """Handle ``POST /auth/token``: dispatch on ``grant_type``."""
    grant_type = require(values, "grant_type")
    if grant_type == TOKEN_EXCHANGE:
        return _exchange(values)
    if grant_type == REFRESH:
        return _refresh(values)
    raise OAuthError("unsupported_grant_type", "grant_type not supported")


def _exchange(values: dict[str, str]) -> dict[str, Any]:
    try:
        token = _check_exchange_request(values)
        user, body = _sign_in(token)
    except OAuthError as exc:
        db.session.rollback()
        usage.record_event("sign_in_failed", detail=exc.reason[:40])
        db.session.commit()
        log.info("sign-in refused", extra={"event": "sign_in", "outcome": "failed", "kind": exc.reason})
        raise
    sync_profile(user, token)
    return body


def _refresh(values: dict[str, str]) -> dict[str, Any]:
    token = require(values, "refresh_token")
    if "scope" in values:
        _check_target({"scope": values["scope"]})
    try:
        user, family, refresh = sessions.rotate(token)
    except OAuthError as exc:
        db.session.commit()  # keep the family revocation a reuse or expiry caused
        level = logging.WARNING if exc.reason == "refresh_reuse" else logging.INFO
        log.log(level, "refresh refused", extra={"event": "refresh", "outcome": "failed", "kind": exc.reason})
        raise
    body = _token_response(user, family, refresh)
    db.session.commit()
    return body


def revoke(values: dict[str, str]) -> None:
    """Handle ``POST /auth/revoke`` (RFC 7009): end the token's session; unknown tokens are fine."""
    token = require(values, "token")
    hint = values.get("token_type_hint")
    order = ("access_token", "refresh_token") if hint == "access_token" else ("refresh_token", "access_token")
    for kind in order:
        if kind == "refresh_token" and sessions.revoke_token(token):
            break
        if kind == "access_token" and _revoke_access_token(token):
            break
    db.session.commit()


def _revoke_access_token(token: str) -> bool:
    try:
        claims = verify_access_token(token)
    except InvalidAppToken:
        return False
    return sessions.revoke_family_id(claims["sid"], "revoked")
