"""The OAuth side of ``/auth/*``: RFC 6749 section 5.2 errors and strict form parsing."""
from __future__ import annotations

from flask import Response, jsonify, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

# Longest form value we read: Entra access tokens are 1.5-4 KB even with many claims.
MAX_VALUE_LENGTH = 16 * 1024
FORM_TYPE = "application/x-www-form-urlencoded"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class OAuthError(Exception):
    """An OAuth error response; ``description`` is stable, readable and PII-free."""

    def __init__(self, error: str, description: str, *, status: int = 400, reason: str | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status
        self.reason = reason or error  # usage-event reason code
        self.headers = headers or {}


def oauth_response(error: OAuthError) -> Response:
    """Render an OAuth error body ``{"error", "error_description"}`` with no-store headers."""
    response = jsonify(error=error.error, error_description=error.description)
    response.status_code = error.status
    response.headers.update(NO_STORE)
    response.headers.update(error.headers)
    return response


def handle_http_error(error: HTTPException) -> Response:
    """Render HTTP errors raised under ``/auth/*`` (404/405/413/429...) in the OAuth shape."""
    if isinstance(error, RequestEntityTooLarge):
        return oauth_response(OAuthError("invalid_request", "request body too large"))
    if error.code == 429:
        retry = _retry_after()
        return oauth_response(OAuthError("slow_down", "too many requests; retry after the time in Retry-After",
                                         status=429, headers={"Retry-After": retry}))
    if error.code == 405:
        response = oauth_response(OAuthError("invalid_request", "method not allowed", status=405))
        response.headers["Allow"] = ", ".join(getattr(error, "valid_methods", None) or ["POST"])
        return response
    status = error.code or 400
    return oauth_response(OAuthError("invalid_request", (error.description or "bad request")[:200], status=status))


def _retry_after() -> str:
    """Seconds until the current rate-limit window resets (at least 1)."""
    import math
    import time

    from mobile_service.extensions import limiter

    limit = getattr(limiter, "current_limit", None)
    if limit is not None:
        return str(max(1, math.ceil(limit.reset_at - time.time())))
    return "60"


def form() -> dict[str, str]:
    """Read the form body strictly: form-encoded, each parameter once, bounded, no NUL."""
    if request.mimetype != FORM_TYPE:
        raise OAuthError("invalid_request", f"the body must be {FORM_TYPE}")
    try:
        data = request.form
    except RequestEntityTooLarge:
        raise
    except Exception as exc:
        raise OAuthError("invalid_request", "the body could not be decoded") from exc
    values: dict[str, str] = {}
    for key in data:
        items = data.getlist(key)
        if len(items) != 1:
            raise OAuthError("invalid_request", f"parameter {key[:40]!r} must appear once")
        value = items[0]
        if len(value) > MAX_VALUE_LENGTH or len(key) > 100:
            raise OAuthError("invalid_request", "a parameter is too long")
        if "\x00" in value or "\x00" in key:
            raise OAuthError("invalid_request", "parameters must not contain NUL characters")
        values[key] = value
    if request.args:
        # RFC 6749 3.2: token-endpoint parameters travel in the body, never in the URL (logs).
        raise OAuthError("invalid_request", "parameters must be sent in the request body")
    return values


def require(values: dict[str, str], name: str) -> str:
    """A required, non-empty parameter."""
    value = values.get(name, "")
    if not value:
        raise OAuthError("invalid_request", f"missing parameter: {name}")
    return value

