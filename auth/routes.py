"""``/auth/token``, ``/auth/revoke`` and ``/.well-known/jwks.json``: OAuth endpoints, OAuth errors."""
from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, jsonify
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException

from auth import service
from auth.app_tokens import keyring
from auth.oauth import NO_STORE, OAuthError, form, handle_http_error, oauth_response
from mobile_service.extensions import db, limiter

log = logging.getLogger("mobile_service.auth")
bp = Blueprint("auth", __name__)


def _token_rate_limit() -> str:
    return current_app.config["TOKEN_RATE_LIMIT"]


def _rate_limit_off() -> bool:
    # The limiter is process-global; each app decides through its own config.
    return not current_app.config["RATELIMIT_ENABLED"]


@bp.post("/auth/token")
@limiter.limit(_token_rate_limit, exempt_when=_rate_limit_off)
def token() -> Response:
    """Exchange an Entra access token (RFC 8693) or a refresh token for an app token."""
    body = service.exchange(form())
    response = jsonify(body)
    response.headers.update(NO_STORE)
    return response


@bp.post("/auth/revoke")
@limiter.limit(_token_rate_limit, exempt_when=_rate_limit_off)
def revoke() -> Response:
    """End the session of a refresh or app token (RFC 7009); 200 even for unknown tokens."""
    service.revoke(form())
    response = current_app.response_class(status=200)
    response.headers.update(NO_STORE)
    return response


@bp.get("/.well-known/jwks.json")
def jwks() -> Response:
    """Publish the public keys app tokens are verified with."""
    response = jsonify(keyring().jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.errorhandler(OAuthError)
def _oauth_error(error: OAuthError) -> Response:
    return oauth_response(error)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    return handle_http_error(error)


@bp.errorhandler(OperationalError)
@bp.errorhandler(InterfaceError)
@bp.errorhandler(PoolTimeoutError)
def _unavailable(error: Exception) -> Response:
    db.session.rollback()
    log.error("dependency unavailable", extra={"error_class": type(error).__name__})
    return oauth_response(OAuthError("temporarily_unavailable", "the service is temporarily unavailable; retry shortly",
                                     status=503, headers={"Retry-After": "5"}))


@bp.errorhandler(Exception)
def _unexpected(error: Exception) -> Response:
    db.session.rollback()
    log.exception("unhandled error in /auth", extra={"error_class": type(error).__name__})
    return oauth_response(OAuthError("server_error", "an unexpected error occurred", status=500))
