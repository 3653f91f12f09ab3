"""``require_auth``: the bearer-token gate of every data route (RFC 6750 errors)."""
from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

from flask import current_app, g, request
from sqlalchemy import bindparam, exists, select

from auth.app_tokens import InvalidAppToken, verify_access_token
from auth.principal import Principal
from mobile_service.database_setup import retry_dead_connection
from mobile_service.errors import APIError
from mobile_service.extensions import db
from mobile_service.models import RefreshFamily, User
from mobile_service.scoping import EMPLOYEE_PARAM, USER_PARAM

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


def _bearer_claims() -> tuple[str, dict]:
    header = request.environ.get("HTTP_AUTHORIZATION", "")  # the Authorization header, read directly
    if not header:
        raise _unauthorized()
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("invalid_request", "use the Bearer scheme")
    try:
        return token.strip(), verify_access_token(token.strip())
    except InvalidAppToken as exc:
        raise _unauthorized("invalid_token", str(exc)) from exc


def _load_principal(claims: dict) -> Principal:
    # One indexed query, fresh on every request (deactivation, token-version bump and revocation
    # take effect at once); plain columns, not a User entity: the ORM's per-row cost showed here.
    # It is the request's first statement, so a connection that died (database restart) is retried.
    # Run on the session's connection (same transaction), not through Session.execute: for plain
    # columns the ORM layer (autoflush of nothing, ORM compile state, row adaptation) is pure cost.
    params = {"user_id": int(claims["sub"]), "sid": claims["sid"]}
    user = retry_dead_connection(lambda: db.session.connection().execute(_SESSION_USER, params).first())
    if user is None:
        raise _unauthorized("invalid_token", "session not found", code=SESSION_ENDED)
    if not user.active or user.token_version != claims["tv"] or user.revoked_at is not None:
        raise _unauthorized("invalid_token", "session ended", code=SESSION_ENDED)
    return Principal(user_id=user.id, role=user.role, sid=claims["sid"], dcfs_employee_id=user.dcfs_employee_id,
                     office=user.office, pilot_cohort=user.pilot_cohort, token_id=claims["jti"],
                     token_version=claims["tv"])


def authenticate() -> Principal:
    """Verify the bearer app token and load its user; raise 401 on any failure."""
    _token, claims = _bearer_claims()
    return _load_principal(claims)


# --- the session check inside the disclosing statement (PostgreSQL record views) ------------------

class _Principals:
    """Principals this process loaded, by token: a hint, never a decision.

    A view that checks the session in its own statement (``session_guard``) starts from the
    remembered principal; that statement finds nothing unless the session is still open, the
    user active, the token version current and the role and DCFS employee id unchanged, so a
    revocation or deactivation takes effect within the same request on every worker.
    """

    MAX_ENTRIES = 4096

    def __init__(self) -> None:
        self.by_token: dict[str, Principal] = {}

    def get(self, token: str) -> Principal | None:
        return self.by_token.get(token)

    def put(self, token: str, principal: Principal) -> None:
        if len(self.by_token) >= self.MAX_ENTRIES:
            self.by_token.clear()
        self.by_token[token] = principal

    def drop(self, token: str) -> None:
        self.by_token.pop(token, None)


def _principals(extensions: dict | None = None) -> _Principals:
    extensions = current_app.extensions if extensions is None else extensions
    cache = extensions.get("auth_principals")
    if cache is None:
        cache = extensions["auth_principals"] = _Principals()
    return cache


def _guards_in_sql(extensions: dict | None = None) -> bool:
    # The one-statement record views exist on PostgreSQL only (data-modifying CTEs).
    extensions = current_app.extensions if extensions is None else extensions
    flag = extensions.get("auth_session_guard_in_sql")
    if flag is None:
        flag = extensions["auth_session_guard_in_sql"] = db.engine.dialect.name == "postgresql"
    return flag


def session_guard():
    """``EXISTS``: the caller's session is open, the user active with the token's version, role and
    DCFS employee id. Run with :func:`guard_params` and ``scoping.access_params`` of the principal."""
    return exists(
        select(User.id).join(RefreshFamily, RefreshFamily.user_id == User.id)
        .where(User.id == USER_PARAM, RefreshFamily.id == bindparam("auth_sid"), User.active.is_(True),
               User.token_version == bindparam("auth_tv"), RefreshFamily.revoked_at.is_(None),
               User.role == bindparam("auth_role"), User.dcfs_employee_id.is_not_distinct_from(EMPLOYEE_PARAM)))


def guard_params(principal: Principal) -> dict[str, Any]:
    """The bind parameters of :func:`session_guard` (with ``scoping.access_params``)."""
    return {"auth_sid": principal.sid, "auth_tv": principal.token_version, "auth_role": principal.role}


def session_checked() -> bool:
    """Whether this request's principal was loaded from the registry (else: check ``session_guard``)."""
    return g.get("session_checked", True)


def reauthenticate(roles: Iterable[str] | None = None) -> Principal:
    """Load the caller afresh (the statement's session check failed): 401/403, or the new principal."""
    token, claims = _bearer_claims()
    _principals().drop(token)
    principal = _load_principal(claims)
    g.principal, g.session_checked = principal, True
    if roles and principal.role not in set(roles):
        raise _forbidden()
    _principals().put(token, principal)
    return principal


def _authenticate_deferred() -> Principal:
    token, claims = _bearer_claims()
    extensions = current_app.extensions  # one lookup of the app for both registries
    cache = _principals(extensions)
    in_sql = _guards_in_sql(extensions)
    principal = cache.get(token)
    if principal is not None and in_sql:
        g.session_checked = False
        return principal
    principal = _load_principal(claims)
    if in_sql:
        cache.put(token, principal)
    g.session_checked = True
    return principal


def current_principal() -> Principal:
    """The principal of the current request (set by ``require_auth``)."""
    return g.principal


def require_auth(roles: Iterable[str] | None = None, *, session_in_statement: bool = False) -> Callable:
    """Require a valid app token and, when given, one of ``roles`` (403 otherwise).

    ``session_in_statement``: the view's service checks the session inside its own disclosing
    statement (``session_guard``; PostgreSQL), so a principal this process already loaded for the
    same token is used without a lookup. Every other view looks the session up first.
    """
    allowed = frozenset(roles or ())
    gate = _authenticate_deferred if session_in_statement else authenticate

    def decorator(func: Callable) -> Callable:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any):
            principal = gate()
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
