"""The service's own access tokens: ES256 ``at+jwt`` (RFC 9068), 15 minutes, no personal data."""
from __future__ import annotations

import uuid
from typing import Any

import jwt
from flask import current_app

from auth.keys import ALGORITHM, KeyRing
from mobile_service import clock
from mobile_service.identifiers import is_ascii_digits

TOKEN_TYPE = "at+jwt"
REQUIRED_CLAIMS = ["exp", "iat", "nbf", "iss", "aud", "sub", "jti", "sid", "tv", "role"]
LEEWAY_SECONDS = 30


class InvalidAppToken(Exception):
    """The bearer token is not a valid app token; the message is safe to show."""


def keyring() -> KeyRing:
    """The key ring built once per process by ``auth.init_app``."""
    return current_app.extensions["app_token_keyring"]


def issue_access_token(*, user_id: int, role: str, sid: str, token_version: int) -> tuple[str, int]:
    """Sign an app access token for a registered user; returns the token and its lifetime."""
    ring = keyring()
    ttl = int(current_app.config["APP_TOKEN_TTL"])
    now = int(clock.utcnow().timestamp())
    claims = {
        "iss": current_app.config["APP_TOKEN_ISSUER"],
        "aud": current_app.config["APP_TOKEN_AUDIENCE"],
        "sub": str(user_id),
        "role": role,
        "sid": sid,
        "tv": token_version,
        "jti": uuid.uuid4().hex,
        "iat": now,
        "nbf": now,
        "exp": now + ttl,
    }
    token = jwt.encode(claims, ring.signing_key, algorithm=ALGORITHM,
                       headers={"kid": ring.signing_kid, "typ": TOKEN_TYPE})
    return token, ttl


class _VerifiedTokens:
    """Claims of tokens whose signature and fixed claims this process already checked.

    Every request presents its bearer token again; re-checking the signature and PyJWT's
    character-by-character base64 validation cost more CPU than the rest of the gate. A hit
    still re-checks the times against the service clock, and revocation is never cached: the
    caller looks the session and user up on every request. Bound to one key ring (a swapped
    ring starts empty) and bounded in size (cleared when full).
    """

    MAX_ENTRIES = 4096

    def __init__(self, ring: KeyRing) -> None:
        self.ring = ring
        self.claims: dict[str, dict[str, Any]] = {}

    def get(self, token: str) -> dict[str, Any] | None:
        return self.claims.get(token)

    def put(self, token: str, claims: dict[str, Any]) -> None:
        if len(self.claims) >= self.MAX_ENTRIES:
            self.claims.clear()
        self.claims[token] = claims

    def drop(self, token: str) -> None:
        self.claims.pop(token, None)


def _verified_tokens() -> _VerifiedTokens:
    ring = keyring()
    cache = current_app.extensions.get("app_token_verified")
    if cache is None or cache.ring is not ring:
        cache = current_app.extensions["app_token_verified"] = _VerifiedTokens(ring)
    return cache


def verify_access_token(token: str) -> dict[str, Any]:
    """Verify an app token (one algorithm, own issuer and audience, typ, key by kid, times)."""
    if not token or len(token) > 4096:
        raise InvalidAppToken("malformed token")
    cache = _verified_tokens()
    claims = cache.get(token)
    if claims is None:
        claims = _verify_signed(token, cache.ring)
        cache.put(token, claims)
    try:
        _check_times(claims)
    except InvalidAppToken:
        cache.drop(token)
        raise
    return claims


def _verify_signed(token: str, ring: KeyRing) -> dict[str, Any]:
    """Signature, header and every claim but the times (checked per use by ``_check_times``)."""
    try:
        header = jwt.get_unverified_header(token)
    except Exception as exc:
        raise InvalidAppToken("malformed token") from exc
    if header.get("alg") != ALGORITHM or header.get("typ") != TOKEN_TYPE:
        raise InvalidAppToken("not an app token")
    key = ring.public_keys.get(header.get("kid")) if isinstance(header.get("kid"), str) else None
    if key is None:
        raise InvalidAppToken("unknown signing key")
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=current_app.config["APP_TOKEN_AUDIENCE"],
            issuer=current_app.config["APP_TOKEN_ISSUER"],
            # Times are checked against the service clock in _check_times, on every use.
            options={"require": REQUIRED_CLAIMS, "strict_aud": True,
                     "verify_exp": False, "verify_nbf": False, "verify_iat": False},
        )
    except Exception as exc:
        raise InvalidAppToken("invalid token") from exc
    if not isinstance(claims.get("sub"), str) or not is_ascii_digits(claims["sub"]) or not isinstance(claims.get("tv"), int):
        raise InvalidAppToken("invalid token")
    if not all(isinstance(claims.get(name), int) and not isinstance(claims.get(name), bool)
               for name in ("exp", "nbf", "iat")):
        raise InvalidAppToken("invalid token")
    return claims


def _check_times(claims: dict[str, Any]) -> None:
    now = clock.utcnow().timestamp()
    if claims["exp"] + LEEWAY_SECONDS <= now:
        raise InvalidAppToken("token expired")
    if claims["nbf"] - LEEWAY_SECONDS > now or claims["iat"] - LEEWAY_SECONDS > now:
        raise InvalidAppToken("token not yet valid")
