"""Sign-in sessions: refresh-token families, rotation, reuse detection, idle/absolute expiry.

A family (``RefreshFamily``) is one sign-in; its id is the app token's ``sid``, so revoking the
family stops its app tokens at once (``require_auth`` checks it on every request). Refresh tokens
are 256-bit random strings stored only as SHA-256 hashes, rotated on every use; presenting a
spent one again (outside the optional grace window) revokes the whole family.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import uuid

from flask import current_app
from sqlalchemy import select, update

from auth.oauth import OAuthError
from mobile_service import clock
from mobile_service.extensions import db
from mobile_service.models import RefreshFamily, RefreshToken, User

MOBILE_CLIENT = "mobile"
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,128}$")


def hash_token(token: str) -> str:
    """SHA-256 hex digest: the only form in which refresh tokens are stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def _new_refresh(family: RefreshFamily, now: dt.datetime) -> str:
    token = secrets.token_urlsafe(32)
    db.session.add(RefreshToken(family_id=family.id, token_hash=hash_token(token), issued_at=now))
    return token


def open_family(user: User, *, client_id: str, absolute_seconds: int,
                counted_from: dt.datetime | None = None) -> RefreshFamily:
    """Start a session row for ``user`` lasting ``absolute_seconds`` from ``counted_from`` (default now)."""
    now = clock.utcnow()
    start = now if counted_from is None else min(now, counted_from)
    family = RefreshFamily(id=str(uuid.uuid4()), user_id=user.id, client_id=client_id, created_at=now,
                           last_used_at=now, absolute_expires_at=start + dt.timedelta(seconds=absolute_seconds))
    db.session.add(family)
    return family


def session_seconds(entra_issued_at: dt.datetime | None, now: dt.datetime) -> int:
    """Seconds left to a session opened ``now`` from an Entra token issued at ``entra_issued_at``.

    Sessions last REFRESH_ABSOLUTE_SECONDS from the Entra token's ``iat``, not from the exchange:
    a token exchanged in its last seconds (or a long-lived one) must not stretch the time between
    two Entra sign-in checks.
    """
    limit = current_app.config["REFRESH_ABSOLUTE_SECONDS"]
    if entra_issued_at is None:
        return limit
    elapsed = max(0, int((now - entra_issued_at).total_seconds()))
    return max(0, limit - elapsed)


def start_session(user: User, *, entra_issued_at: dt.datetime | None = None) -> tuple[RefreshFamily, str]:
    """Open a mobile session and its first refresh token (the caller commits)."""
    family = open_family(user, client_id=MOBILE_CLIENT, absolute_seconds=current_app.config["REFRESH_ABSOLUTE_SECONDS"],
                         counted_from=entra_issued_at)
    db.session.flush()
    return family, _new_refresh(family, family.created_at)


def revoke_family(family: RefreshFamily, reason: str) -> None:
    """End a session (idempotent; the caller commits)."""
    if family.revoked_at is None:
        family.revoked_at = clock.utcnow()
        family.revoked_reason = reason[:40]


def _grant_error(description: str, reason: str) -> OAuthError:
    return OAuthError("invalid_grant", description, reason=reason)


def _find(token: str, *, lock: bool) -> tuple[RefreshToken, RefreshFamily] | None:
    query = (select(RefreshToken, RefreshFamily)
             .join(RefreshFamily, RefreshFamily.id == RefreshToken.family_id)
             .where(RefreshToken.token_hash == hash_token(token)))
    if lock:
        query = query.with_for_update(of=RefreshToken)
    row = db.session.execute(query).first()
    return None if row is None else (row[0], row[1])


def rotate(token: str) -> tuple[User, RefreshFamily, str]:
    """Spend a refresh token and return its user, family and successor (the caller commits).

    Raises ``OAuthError(invalid_grant)``; when the family must end (reuse, expiry, deactivated
    user) the revocation is added to the session first so the caller can commit it.
    """
    if not TOKEN_RE.match(token):
        raise _grant_error("refresh token is invalid", "refresh_invalid")
    found = _find(token, lock=True)
    if found is None:
        raise _grant_error("refresh token is invalid", "refresh_invalid")
    row, family = found
    cfg = current_app.config
    now = clock.utcnow()
    if family.client_id != MOBILE_CLIENT:
        raise _grant_error("refresh token is invalid", "refresh_invalid")
    if family.revoked_at is not None:
        raise _grant_error("refresh token has been revoked", "refresh_revoked")
    if row.used_at is not None:
        grace = cfg["REFRESH_REUSE_GRACE_SECONDS"]
        if not grace or (now - row.used_at).total_seconds() > grace:
            # RFC 9700 4.14: a spent token presented again means it leaked; end the session.
            revoke_family(family, "refresh_reuse")
            raise _grant_error("refresh token was already used; the session has been ended", "refresh_reuse")
    if now >= family.absolute_expires_at:
        revoke_family(family, "absolute_expiry")
        raise _grant_error("session expired; sign in again", "refresh_expired")
    if (now - family.last_used_at).total_seconds() >= cfg["REFRESH_IDLE_SECONDS"]:
        revoke_family(family, "idle_expiry")
        raise _grant_error("session expired after inactivity; sign in again", "refresh_idle")
    user = db.session.get(User, family.user_id)
    if user is None or not user.active:
        revoke_family(family, "user_deactivated")
        raise _grant_error("user account is deactivated", "deactivated")
    if row.used_at is None:
        row.used_at = now
    family.last_used_at = now
    return user, family, _new_refresh(family, now)


def revoke_token(token: str) -> bool:
    """RFC 7009: end the session a refresh token belongs to; False when unknown (the caller commits)."""
    if not TOKEN_RE.match(token):
        return False
    found = _find(token, lock=False)
    if found is None:
        return False
    revoke_family(found[1], "revoked")
    return True


def revoke_family_id(family_id: str, reason: str) -> bool:
    """End a session by id (access-token revocation, dashboard logout); the caller commits."""
    result = db.session.execute(
        update(RefreshFamily).where(RefreshFamily.id == family_id, RefreshFamily.revoked_at.is_(None))
        .values(revoked_at=clock.utcnow(), revoked_reason=reason[:40])
    )
    return bool(result.rowcount)
