"""``require_auth``: the bearer-token gate of every data route (RFC 6750 errors)."""
from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

from flask import g, request
from sqlalchemy import bindparam, select

from auth.app_tokens import InvalidAppToken, verify_access_token
from auth.principal import Principal
from mobile_service.errors import APIError
from mobile_service.extensions import db
from mobile_service.models import RefreshFamily, User

REALM = 'Bearer realm="lacoe-mobile"'

# Built once with bind parameters: every request runs it, and building it cost more than running it.
_SESSION_USER = (
    select(User.id, User.role, User.active, User.token_version, User.dcfs_employee_id, User.office,
           User.pilot_cohort, RefreshFamily.revoked_at)
    .join(RefreshFamily, RefreshFamily.user_id == User.id)
    .where(User.id == bindparam("user_id"), RefreshFamily.id == bindparam("sid"))
)


# The session is over for good (revoked, user deactivated, role changed): the app wipes every
# stored record and signs in again (docs/mobile-integration.md, "Offline use").
SESSION_ENDED = "session_ended"


def _unauthorized(error: str | None = None, description: str | None = None, *, code: str | None = None) -> APIError:
    challenge = REALM if error is None else f'{REALM}, error="{error}", error_description="{description}"'
    detail = "Sign in: send an app token as 'Authorization: Bearer <token>'." if error is None else description
    return APIError(401, detail or "invalid token", headers={"WWW-Authenticate": challenge}, problem_code=code)


def _forbidden() -> APIError:
    return APIError(403, "Your role does not allow this action.",
                    headers={"WWW-Authenticate": f'{REALM}, error="insufficient_scope"'})


def authenticate() -> Principal:
    """Verify the bearer app token and load its user; raise 401 on any failure."""
    header = request.headers.get("Authorization", "")
    if not header:
        raise _unauthorized()
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("invalid_request", "use the Bearer scheme")
    try:
        claims = verify_access_token(token.strip())
    except InvalidAppToken as exc:
        raise _unauthorized("invalid_token", str(exc)) from exc
    # One indexed query, fresh on every request (deactivation, token-version bump and revocation
    # take effect at once); plain columns, not a User entity: the ORM's per-row cost showed here.
    user = db.session.execute(_SESSION_USER, {"user_id": int(claims["sub"]), "sid": claims["sid"]}).first()
    if user is None:
        raise _unauthorized("invalid_token", "session not found", code=SESSION_ENDED)
    if not user.active or user.token_version != claims["tv"] or user.revoked_at is not None:
        raise _unauthorized("invalid_token", "session ended", code=SESSION_ENDED)
    return Principal(user_id=user.id, role=user.role, sid=claims["sid"], dcfs_employee_id=user.dcfs_employee_id,
                     office=user.office, pilot_cohort=user.pilot_cohort, token_id=claims["jti"])


def current_principal() -> Principal:
    """The principal of the current request (set by ``require_auth``)."""
    return g.principal


def require_auth(roles: Iterable[str] | None = None) -> Callable:
    """Require a valid app token and, when given, one of ``roles`` (403 otherwise)."""
    allowed = frozenset(roles or ())

    def decorator(func: Callable) -> Callable:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any):
            principal = authenticate()
            g.principal = principal
            if allowed and principal.role not in allowed:
                raise _forbidden()
            return func(*args, **kwargs)

        doc = {"security": [{"bearerAuth": []}], "responses": {"401": "UNAUTHORIZED"}}
        if allowed:
            doc["responses"]["403"] = "FORBIDDEN"
        apidoc = dict(getattr(wrapper, "_apidoc", {}))
        manual = dict(apidoc.get("manual_doc", {}))
        manual.update(doc)
        apidoc["manual_doc"] = manual
        wrapper._apidoc = apidoc  # type: ignore[attr-defined]
        wrapper._required_roles = allowed  # type: ignore[attr-defined]  (route inventory test)
        return wrapper

    return decorator
