"""Web sign-in for the pilot coordinators' dashboard (``/pilot``): MSAL auth-code flow with PKCE,
a server-side session, and the helpers the dashboard pages use.

For dashboard pages (built elsewhere) the contract is:
- ``@web_login_required(roles=("pilot_coordinator", "admin"))`` on each view: no session ->
  redirect to the sign-in page; wrong role -> 403 page;
- ``current_web_principal()`` -> the signed-in ``Principal`` (or None);
- ``csrf_token()`` (also a Jinja global) in every form, ``verify_csrf()`` first thing in every POST.

The session is a ``RefreshFamily`` row (client ``pilot-dashboard``); the signed Flask cookie holds
only its opaque id (plus the CSRF secret and the user's token version), so logout, deactivation,
role change and expiry take effect on the next request.
"""
from __future__ import annotations

import datetime as dt
import functools
import hmac
import logging
import secrets
import urllib.parse
import warnings
from collections.abc import Callable, Iterable
from typing import Any

from flask import Blueprint, Response, current_app, g, redirect, render_template_string, request, session, url_for
from sqlalchemy import select

from auth import registry_gate, sessions
from auth.entra import MAX_ID_LENGTH, EntraIdentity, EntraTokenError, KeysUnavailable, validate_subject_token
from auth.graph import MsalUnavailable, msal_client
from auth.oauth import OAuthError
from auth.principal import Principal
from mobile_service import clock
from mobile_service.errors import APIError
from mobile_service.extensions import db
from mobile_service.models import ROLE_ADMIN, ROLE_COORDINATOR, ROLE_EPS_SUPPORT, RefreshFamily, User

log = logging.getLogger("mobile_service.auth.web")
bp = Blueprint("pilot_auth", __name__)

WEB_CLIENT = "pilot-dashboard"
DASHBOARD_ROLES = (ROLE_COORDINATOR, ROLE_ADMIN)
# Who may open a web session at all: the dashboard's roles, and EPS support stewards for their
# queue (``/pilot/steward``); each page still states its own roles.
WEB_ROLES = (*DASHBOARD_ROLES, ROLE_EPS_SUPPORT)
STEWARD_HOME = "/pilot/steward"
SID_KEY, TV_KEY, CSRF_KEY, FLOW_KEY, NEXT_KEY = "pilot_sid", "pilot_tv", "csrf", "pilot_flow", "pilot_next"
TOUCH_EVERY = dt.timedelta(seconds=60)

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ title }} - LACOE Mobile pilot</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="{{ url_for('pilot_auth.sign_in_css') }}"></head><body>
<h1>{{ title }}</h1><p>{{ message }}</p>
{% if users is not none %}<form method="post" action="{{ url_for('pilot_auth.dev_login') }}">
<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
<input type="hidden" name="next" value="{{ next }}">
<label for="email">Registered coordinator, admin or EPS support steward</label>
<select id="email" name="email">{% for u in users %}<option value="{{ u.email }}">{{ u.display_name }} ({{ u.role }}) - {{ u.email }}</option>{% endfor %}</select>
<button type="submit">Sign in (development)</button></form>{% endif %}
{% if login_link %}<p><a href="{{ url_for('pilot_auth.login') }}">Sign in</a></p>{% endif %}
</body></html>"""


# A file, not an inline <style>: the pages' CSP allows only this origin's stylesheets.
SIGN_IN_CSS = """body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}
label,select,button{display:block;margin:.5rem 0;font-size:1rem}
"""


@bp.get("/pilot/sign-in.css")
def sign_in_css() -> Response:
    """The sign-in pages' stylesheet."""
    return current_app.response_class(SIGN_IN_CSS, mimetype="text/css",
                                      headers={"Cache-Control": "public, max-age=3600"})


def _page(title: str, message: str, status: int, *, users=None, login_link: bool = False, next_url: str = "") -> Response:
    html = render_template_string(PAGE, title=title, message=message, users=users, login_link=login_link,
                                  next=next_url)
    response = current_app.response_class(html, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


# -- CSRF -------------------------------------------------------------------------------------
def csrf_token() -> str:
    """The session's CSRF token, for a hidden ``csrf_token`` field or ``X-CSRF-Token`` header."""
    token = session.get(CSRF_KEY)
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        session[CSRF_KEY] = token
    return token


def verify_csrf() -> None:
    """Reject a state-changing request whose CSRF token or Origin does not match (400)."""
    expected = session.get(CSRF_KEY)
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    origin = request.headers.get("Origin")
    if origin == "null":
        # Under Referrer-Policy: no-referrer, browsers send "Origin: null" even on same-origin form
        # posts; the Fetch Metadata header then tells whether the post came from this site.
        same_origin = request.headers.get("Sec-Fetch-Site") == "same-origin"
    else:
        same_origin = origin is None or origin == request.host_url.rstrip("/")
    if not isinstance(expected, str) or not sent or not hmac.compare_digest(expected, sent) or not same_origin:
        raise APIError(400, "The form expired or did not come from this site; reload the page and try again.")


# -- session and principal --------------------------------------------------------------------
def _end_web_session() -> None:
    for key in (SID_KEY, TV_KEY):
        session.pop(key, None)


def _load_principal() -> Principal | None:
    sid = session.get(SID_KEY)
    if not isinstance(sid, str) or len(sid) > 36:
        return None
    row = db.session.execute(
        select(User, RefreshFamily).join(RefreshFamily, RefreshFamily.user_id == User.id)
        .where(RefreshFamily.id == sid, RefreshFamily.client_id == WEB_CLIENT)
    ).first()
    if row is None:
        _end_web_session()
        return None
    user, family = row
    now = clock.utcnow()
    idle = dt.timedelta(seconds=current_app.config["PILOT_SESSION_IDLE_SECONDS"])
    if (family.revoked_at is not None or now >= family.absolute_expires_at or now - family.last_used_at >= idle
            or not user.active or user.token_version != session.get(TV_KEY)):
        if family.revoked_at is None:
            sessions.revoke_family(family, "web_session_ended")
            db.session.commit()
        _end_web_session()
        return None
    if now - family.last_used_at >= TOUCH_EVERY:
        family.last_used_at = now
        db.session.commit()
    return Principal(user_id=user.id, role=user.role, sid=family.id, dcfs_employee_id=user.dcfs_employee_id,
                     office=user.office, pilot_cohort=user.pilot_cohort)


def current_web_principal() -> Principal | None:
    """The dashboard user of this request (loaded from the server-side session), or None."""
    if "web_principal" not in g:
        g.web_principal = _load_principal()
    return g.web_principal


def _login_url() -> str:
    next_path = request.full_path if request.query_string else request.path
    return url_for("pilot_auth.login", next=next_path)


def web_login_required(roles: Iterable[str] = DASHBOARD_ROLES) -> Callable:
    """Require a dashboard session; redirect to sign-in when absent, 403 page for other roles."""
    allowed = frozenset(roles)

    def decorator(func: Callable) -> Callable:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any):
            principal = current_web_principal()
            if principal is None:
                return redirect(_login_url())
            g.principal = principal  # the access log records who
            if principal.role not in allowed:
                return _page("Not allowed", "Your role does not give access to this page.", 403)
            return func(*args, **kwargs)

        wrapper._web_roles = allowed  # type: ignore[attr-defined]  (route inventory)
        return wrapper

    return decorator


def _safe_next(value: str | None) -> str:
    """Only local dashboard paths: never another host (open redirect)."""
    if not value or not value.startswith("/pilot") or value.startswith("//") or "\\" in value:
        return "/pilot"
    parts = urllib.parse.urlsplit(value)
    return "/pilot" if parts.scheme or parts.netloc else value


def _complete_sign_in(identity: EntraIdentity) -> Response:
    try:
        user = registry_gate.resolve_user(identity, roles=WEB_ROLES)
    except OAuthError as exc:
        db.session.rollback()
        log.info("dashboard sign-in refused", extra={"event": "web_sign_in", "outcome": "failed", "kind": exc.reason})
        return _page("Sign-in refused", exc.description, 403, login_link=True)
    family = sessions.open_family(user, client_id=WEB_CLIENT,
                                  absolute_seconds=current_app.config["PILOT_SESSION_ABSOLUTE_SECONDS"])
    db.session.commit()
    next_url = _safe_next(session.get(NEXT_KEY))
    if user.role == ROLE_EPS_SUPPORT and next_url == "/pilot":
        next_url = STEWARD_HOME  # a steward's home is the queue, not the coordinators' dashboard
    session.clear()  # a fresh session at privilege change (no fixation)
    session[SID_KEY] = family.id
    session[TV_KEY] = user.token_version
    log.info("dashboard sign-in", extra={"event": "web_sign_in", "outcome": "ok", "user_id": user.id})
    return redirect(next_url)


# -- routes -----------------------------------------------------------------------------------
@bp.get("/pilot/login")
def login() -> Response:
    """Start sign-in: MSAL auth-code flow with PKCE (dev sign-in page in AUTH_MODE=dev)."""
    session[NEXT_KEY] = _safe_next(request.args.get("next"))
    if current_app.config["AUTH_MODE"] == "dev":
        return redirect(url_for("pilot_auth.dev_login"))
    try:
        client = msal_client().get()
        with warnings.catch_warnings():
            # MSAL nudges towards form_post; a cross-site POST would not carry our SameSite=Lax
            # cookie (where the flow lives), and the code in the query is useless without the
            # PKCE verifier, kept in the signed session cookie and never in a URL.
            warnings.filterwarnings("ignore", message="response_mode='form_post'", category=UserWarning)
            flow = client.initiate_auth_code_flow([], redirect_uri=url_for("pilot_auth.callback", _external=True),
                                                  response_mode="query")
    except MsalUnavailable:
        return _page("Sign-in unavailable", "Microsoft sign-in is not available right now; try again shortly.", 503)
    session[FLOW_KEY] = flow
    return redirect(flow["auth_uri"])


def _identity_from_id_token(claims: dict[str, Any]) -> EntraIdentity | None:
    cfg = current_app.config
    tid, oid = claims.get("tid"), claims.get("oid")
    if not all(isinstance(v, str) and 0 < len(v) <= MAX_ID_LENGTH for v in (tid, oid)):
        return None
    if tid.lower() not in {t.lower() for t in cfg["ENTRA_TENANT_IDS"]} or claims.get("aud") != cfg["ENTRA_CLIENT_ID"]:
        return None
    email = next((v for v in (claims.get(n) for n in ("preferred_username", "email", "upn"))
                  if isinstance(v, str) and "@" in v and len(v) <= 254), None)
    return EntraIdentity(tenant_id=tid.lower(), object_id=oid, subject=str(claims.get("sub", ""))[:256],
                         client_id=None, email=email, name=None)


@bp.get("/pilot/auth/callback")
def callback() -> Response:
    """Finish sign-in: redeem the code (MSAL checks state, PKCE, nonce), then the registry gate."""
    flow = session.pop(FLOW_KEY, None)
    if not isinstance(flow, dict):
        return _page("Sign-in expired", "The sign-in attempt expired; start again.", 400, login_link=True)
    try:
        result = msal_client().get().acquire_token_by_auth_code_flow(flow, request.args.to_dict())
    except MsalUnavailable:
        return _page("Sign-in unavailable", "Microsoft sign-in is not available right now; try again shortly.", 503)
    except ValueError:  # state mismatch or a replayed/forged callback
        return _page("Sign-in failed", "The sign-in response did not match this browser; start again.", 400,
                     login_link=True)
    if not isinstance(result, dict) or "error" in result:
        log.info("dashboard sign-in failed", extra={"event": "web_sign_in", "outcome": "failed",
                                                     "kind": str((result or {}).get("error", ""))[:40]})
        return _page("Sign-in failed", "Microsoft did not complete the sign-in; start again.", 401, login_link=True)
    # The ID token came straight from the token endpoint over TLS (OIDC Core 3.1.3.7).
    identity = _identity_from_id_token(result.get("id_token_claims") or {})
    if identity is None:
        return _page("Sign-in refused", "This account's organization is not accepted.", 403, login_link=True)
    return _complete_sign_in(identity)


@bp.post("/pilot/logout")
def logout() -> Response:
    """End the dashboard session (server-side row and cookie)."""
    verify_csrf()
    sid = session.get(SID_KEY)
    if isinstance(sid, str) and len(sid) <= 36:
        sessions.revoke_family_id(sid, "logout")
        db.session.commit()
    session.clear()
    return redirect(url_for("pilot_auth.login"))


@bp.route("/pilot/dev-login", methods=["GET", "POST"])
def dev_login() -> Response:
    """Development sign-in (AUTH_MODE=dev only): pick a registered coordinator, admin or steward."""
    if current_app.config["AUTH_MODE"] != "dev":
        raise APIError(404, "No such resource, or it is outside your access.")
    if request.method == "GET":
        users = db.session.execute(
            select(User).where(User.role.in_(WEB_ROLES), User.active.is_(True)).order_by(User.email).limit(200)
        ).scalars().all()
        return _page("Development sign-in", "AUTH_MODE=dev: choose a registered user.", 200, users=users,
                     next_url=session.get(NEXT_KEY) or "/pilot")
    verify_csrf()
    if request.form.get("next"):
        session[NEXT_KEY] = _safe_next(request.form.get("next"))
    email = (request.form.get("email") or "").strip().lower()
    user = db.session.execute(select(User).where(User.email == email)).scalar_one_or_none() if 0 < len(email) <= 254 \
        else None
    if user is None:
        return _page("Sign-in refused", "user is not enrolled in the mobile service", 403, login_link=True)
    from auth.dev_issuer import dev_issuer

    try:  # the same validator as every Entra token
        identity = validate_subject_token(dev_issuer().token_for(user))
    except (EntraTokenError, KeysUnavailable):
        return _page("Sign-in failed", "The development issuer's token was rejected.", 503)
    return _complete_sign_in(identity)
