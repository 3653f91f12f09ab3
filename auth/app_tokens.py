"""The service's own access tokens: ES256 ``at+jwt`` (RFC 9068), 15 minutes, no personal data."""
from __future__ import annotations

import uuid
from typing import Any

import jwt
from flask import current_app

from auth.keys import ALGORITHM, KeyRing
from mobile_service import clock

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


def verify_access_token(token: str) -> dict[str, Any]:
    """Verify an app token (one algorithm, own issuer and audience, typ, key by kid)."""
    if not token or len(token) > 4096:
        raise InvalidAppToken("malformed token")
    try:
        header = jwt.get_unverified_header(token)
    except Exception as exc:
        raise InvalidAppToken("malformed token") from exc
    if header.get("alg") != ALGORITHM or header.get("typ") != TOKEN_TYPE:
        raise InvalidAppToken("not an app token")
    key = keyring().public_keys.get(header.get("kid")) if isinstance(header.get("kid"), str) else None
    if key is None:
        raise InvalidAppToken("unknown signing key")
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=current_app.config["APP_TOKEN_AUDIENCE"],
            issuer=current_app.config["APP_TOKEN_ISSUER"],
            leeway=LEEWAY_SECONDS,
            options={"require": REQUIRED_CLAIMS, "strict_aud": True},
        )
    except jwt.ExpiredSignatureError as exc:
        raise InvalidAppToken("token expired") from exc
    except Exception as exc:
        raise InvalidAppToken("invalid token") from exc
    if not isinstance(claims.get("sub"), str) or not claims["sub"].isdigit() or not isinstance(claims.get("tv"), int):
        raise InvalidAppToken("invalid token")
    return claims
