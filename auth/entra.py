"""Validation of the identity provider's access token (Entra ID v2), every check of auth.md in order.

1. header ``alg`` is RS256 (allow-list of one), no ``crit``, a sane ``kid``;
2. key by ``kid`` from the provider's JWKS (``auth.jwks.KeyClient``);
3. ``jwt.decode`` with RS256 only, the configured audiences, the exact issuer(s), 60 s leeway
   and the required claims;
4. ``ver == "2.0"``, ``tid`` allowed and equal to the issuer's tenant, ``azp`` allowed (when
   configured), ``scp`` holds the required scope.

Every failure is an ``EntraTokenError`` (-> ``invalid_request``), except a key outage, which is
``KeysUnavailable`` (-> 503). There is no switch that skips any of this.
"""
from __future__ import annotations

import datetime as dt
import re
import urllib.parse
from dataclasses import dataclass
from typing import Any

import jwt
from flask import current_app

from auth.jwks import KeyClient, KeyNotFound, KeysUnavailable

ALGORITHM = "RS256"
LEEWAY_SECONDS = 60
REQUIRED_CLAIMS = ["exp", "iat", "nbf", "iss", "aud", "sub", "oid", "tid"]
TENANT_PLACEHOLDER = "{tenantid}"
GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
KID_RE = re.compile(r"^[A-Za-z0-9._~+/=-]{1,128}$")
MAX_TOKEN_LENGTH = 16 * 1024
MAX_ID_LENGTH = 36  # users.entra_tenant_id / entra_object_id

__all__ = ["EntraIdentity", "EntraTokenError", "KeysUnavailable", "validate_subject_token"]


class EntraTokenError(Exception):
    """The subject token is not acceptable; ``reason`` is a short code for usage events."""

    def __init__(self, reason: str, description: str):
        super().__init__(description)
        self.reason = reason
        self.description = description


@dataclass(frozen=True)
class EntraIdentity:
    """What a valid token proves: who (tid, oid) and, for the one-time binding, the e-mail."""

    tenant_id: str
    object_id: str
    subject: str
    client_id: str | None
    email: str | None
    name: str | None
    issued_at: dt.datetime | None = None  # the token's ``iat``: when Entra last vouched for this person


def key_client() -> KeyClient:
    """The per-process key client built by ``auth.init_app`` (tests may replace it)."""
    return current_app.extensions["entra_key_client"]


def expected_issuers(metadata_issuer: str, tenants: list[str]) -> dict[str, str | None]:
    """Map each acceptable ``iss`` to the tenant it names (None when it names none)."""
    if TENANT_PLACEHOLDER in metadata_issuer:
        return {metadata_issuer.replace(TENANT_PLACEHOLDER, t): t for t in tenants}
    return {metadata_issuer: issuer_tenant(metadata_issuer)}


def issuer_tenant(issuer: str) -> str | None:
    """The tenant GUID an issuer URL names in its path (Entra's always do), else None."""
    for segment in urllib.parse.urlsplit(issuer).path.split("/"):
        if GUID_RE.match(segment):
            return segment.lower()
    return None


def _fail(reason: str, description: str) -> EntraTokenError:
    return EntraTokenError(reason, "subject token rejected: " + description)


def _header(token: str) -> dict[str, Any]:
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise _fail("malformed", "malformed token")
    if token.count(".") != 2:
        raise _fail("malformed", "malformed token")
    try:
        header = jwt.get_unverified_header(token)
    except Exception as exc:
        raise _fail("malformed", "malformed token") from exc
    if not isinstance(header, dict):
        raise _fail("malformed", "malformed token")
    if header.get("alg") != ALGORITHM:
        raise _fail("bad_alg", "signing algorithm not accepted")
    if "crit" in header:
        raise _fail("crit_header", "critical header extensions are not supported")
    kid = header.get("kid")
    if not isinstance(kid, str) or not KID_RE.match(kid):
        raise _fail("bad_kid", "missing or invalid key id")
    return header


def _decode(token: str, key: jwt.PyJWK, issuers: dict[str, str | None]) -> dict[str, Any]:
    cfg = current_app.config
    try:
        return jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=list(cfg["ENTRA_API_AUDIENCES"]),
            issuer=list(issuers),
            leeway=LEEWAY_SECONDS,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.ExpiredSignatureError as exc:
        raise _fail("expired", "token expired") from exc
    except jwt.ImmatureSignatureError as exc:
        raise _fail("not_yet_valid", "token not yet valid") from exc
    except jwt.InvalidAudienceError as exc:
        raise _fail("bad_audience", "token is not for this API (audience)") from exc
    except jwt.InvalidIssuerError as exc:
        raise _fail("bad_issuer", "token issuer not accepted") from exc
    except jwt.MissingRequiredClaimError as exc:
        raise _fail("missing_claim", f"required claim missing: {exc.claim}") from exc
    except jwt.InvalidSignatureError as exc:
        raise _fail("bad_signature", "signature verification failed") from exc
    except Exception as exc:
        raise _fail("invalid", "invalid token") from exc


def _short_str(claims: dict[str, Any], name: str, limit: int) -> str | None:
    value = claims.get(name)
    if isinstance(value, str) and 0 < len(value) <= limit and "\x00" not in value:
        return value
    return None


def _check_claims(claims: dict[str, Any], issuers: dict[str, str | None]) -> EntraIdentity:
    cfg = current_app.config
    if claims.get("ver") != "2.0":
        raise _fail("bad_version", "token version must be 2.0")
    tid = _short_str(claims, "tid", MAX_ID_LENGTH)
    oid = _short_str(claims, "oid", MAX_ID_LENGTH)
    sub = _short_str(claims, "sub", 256)
    if tid is None or oid is None or sub is None:
        raise _fail("bad_claim", "tid, oid and sub must be short strings")
    allowed = {t.lower() for t in cfg["ENTRA_TENANT_IDS"]}
    named = issuers.get(claims["iss"])
    if tid.lower() not in allowed or (named is not None and named.lower() != tid.lower()):
        raise _fail("bad_tenant", "tenant not accepted")
    azp = claims.get("azp")
    allowed_clients = cfg["ENTRA_ALLOWED_CLIENT_IDS"]
    if allowed_clients and (not isinstance(azp, str) or azp not in allowed_clients):
        raise _fail("bad_client", "client application not accepted")
    scp = claims.get("scp")
    if not isinstance(scp, str) or cfg["ENTRA_REQUIRED_SCOPE"] not in scp.split(" "):
        raise _fail("missing_scope", "token lacks the required delegated scope")
    email = next((v for v in (_short_str(claims, n, 254) for n in ("preferred_username", "email", "upn"))
                  if v and "@" in v), None)
    return EntraIdentity(tenant_id=tid.lower(), object_id=oid, subject=sub,
                         client_id=azp if isinstance(azp, str) else None, email=email,
                         name=_short_str(claims, "name", 200),
                         issued_at=dt.datetime.fromtimestamp(int(claims["iat"]), dt.UTC))


def _check_key_issuer(key: jwt.PyJWK, claims: dict[str, Any]) -> None:
    # Entra v2 JWKS entries carry their issuer (often the {tenantid} template): it must cover ``iss``.
    key_issuer = getattr(key, "_jwk_data", {}).get("issuer")
    if (isinstance(key_issuer, str) and key_issuer
            and key_issuer.replace(TENANT_PLACEHOLDER, str(claims.get("tid", ""))) != claims["iss"]):
        raise _fail("bad_issuer", "signing key does not belong to the token issuer")


def validate_subject_token(token: str) -> EntraIdentity:
    """Validate an identity-provider access token and return the identity it proves."""
    header = _header(token)
    client = key_client()
    issuers = expected_issuers(client.issuer(), list(current_app.config["ENTRA_TENANT_IDS"]))
    try:
        key = client.get_signing_key(header["kid"])
    except KeyNotFound as exc:
        raise _fail("unknown_kid", "unknown signing key") from exc
    claims = _decode(token, key, issuers)
    _check_key_issuer(key, claims)
    return _check_claims(claims, issuers)
