"""One error shape for the whole API: RFC 9457 problem+json carrying the request id.

``/auth/*`` uses the OAuth error shape instead (see ``auth``); everything else, including
404/405/413/422/500 raised by Flask, webargs or flask-smorest, is rendered here.
"""
from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, current_app, g, json
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger("mobile_service.errors")

PROBLEM_TYPE_BASE = "https://mobile.eps.lacoe.edu/problems/"
PROBLEM_CONTENT_TYPE = "application/problem+json"

# Stable, documented problem types by status; the mobile guide lists them.
TITLES = {
    400: ("bad-request", "Bad request"),
    401: ("unauthorized", "Authentication required"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    409: ("conflict", "Conflict"),
    # A sync token or cursor that can no longer be used: the app drops it and runs a full sync.
    410: ("resync", "Resync required"),
    413: ("payload-too-large", "Request body too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("validation-error", "Validation failed"),
    429: ("rate-limited", "Too many requests"),
    500: ("internal-error", "Internal server error"),
    503: ("unavailable", "Service temporarily unavailable"),
}


RETRY_AFTER_SECONDS = "5"


class APIError(HTTPException):
    """An error raised by services: status, a PII-free detail and optional field errors."""

    def __init__(self, status: int, detail: str, *, errors: dict | None = None, headers: dict | None = None,
                 problem_code: str | None = None):
        super().__init__(description=detail)
        self.code = status
        self.detail = detail
        self.errors = errors
        self.extra_headers = headers or {}
        # A stable machine-readable reason within the status (``session_ended``, ``resync``).
        self.problem_code = problem_code


def unavailable(detail: str) -> APIError:
    """Build a 503 with ``Retry-After``: the service could not record or store what it must."""
    return APIError(503, detail, headers={"Retry-After": RETRY_AFTER_SECONDS})


def not_found(detail: str = "No such resource, or it is outside your access.") -> APIError:
    """Build the one 404 used for missing and out-of-scope records alike."""
    return APIError(404, detail)


def problem_response(status: int, detail: str | None = None, *, errors: Any = None,
                     headers: dict | None = None, title: str | None = None, code: str | None = None) -> Response:
    """Render an ``application/problem+json`` response with the current request id."""
    slug, default_title = TITLES.get(status, ("error", "Error"))
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + slug,
        "title": title or default_title,
        "status": status,
        "detail": detail or default_title,
        "request_id": g.get("request_id"),
    }
    if errors:
        body["errors"] = errors
    if code:
        body["code"] = code
    response = current_app.response_class(
        json.dumps(body), status=status, mimetype=PROBLEM_CONTENT_TYPE
    )
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _http_exception_payload(error: HTTPException) -> tuple[str | None, Any, dict]:
    if isinstance(error, APIError):
        return error.detail, error.errors, dict(error.extra_headers)
    data = getattr(error, "data", None) or {}
    # webargs/flask-smorest put validation messages in data["messages"]; abort() in data["message"].
    errors = data.get("errors") or data.get("messages")
    headers = dict(data.get("headers") or {})
    headers.update(dict(error.get_headers()) if error.code == 405 else {})
    headers.pop("Content-Type", None)
    detail = data.get("message") or error.description
    if error.code == 422 and not data.get("message"):
        detail = "One or more fields are invalid; see errors."
    return detail, errors, headers


def handle_http_exception(error: HTTPException) -> Response:
    """Render any HTTP exception (ours, werkzeug's, webargs') as problem+json."""
    detail, errors, headers = _http_exception_payload(error)
    if error.code == 405:
        headers = {"Allow": error.valid_methods and ", ".join(error.valid_methods) or ""}  # type: ignore[attr-defined]
    if error.code == 429:
        detail = "Too many requests; retry after the time in Retry-After."
    return problem_response(error.code or 500, detail, errors=errors, headers=headers,
                            code=error.problem_code if isinstance(error, APIError) else None)


def handle_unavailable(error: Exception) -> Response:
    """A database outage is not the client's fault: 503 with Retry-After, never 500."""
    log.error("dependency unavailable", extra={"error_class": type(error).__name__})
    from mobile_service.extensions import db

    db.session.rollback()
    return problem_response(503, "The service is temporarily unavailable; retry shortly.",
                            headers={"Retry-After": RETRY_AFTER_SECONDS})


def handle_unexpected(error: Exception) -> Response:
    """Last-resort handler: log the traceback, answer a generic 500 with the request id."""
    if isinstance(error, HTTPException):
        return handle_http_exception(error)
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        # The connection died under the statement (whatever the driver called it): an outage.
        return handle_unavailable(error)
    log.exception("unhandled error", extra={"error_class": type(error).__name__})
    return problem_response(500, "An unexpected error occurred; quote the request id to support.")


def register_error_handlers(app: Flask) -> None:
    """Install the problem+json handlers on the app."""
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(OperationalError, handle_unavailable)
    app.register_error_handler(InterfaceError, handle_unavailable)
    app.register_error_handler(PoolTimeoutError, handle_unavailable)
    app.register_error_handler(InternalServerError, handle_unexpected)
    app.register_error_handler(Exception, handle_unexpected)
