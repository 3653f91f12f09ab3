"""Request ids, structured JSON logs and cheap guards on request bodies.

One log line per request: request id, user id, role, route template, method, status and
latency. Never query strings, bodies, names, birth dates, SSIDs or tokens.
"""
from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid

from flask import Flask, Response, current_app, g, request

from mobile_service.errors import problem_response

REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# One Content-Security-Policy for every HTML page (pilot dashboard, sign-in pages, /docs): only
# this origin's scripts, styles and images, no inline script or style, no framing, forms post
# back here only. Every page keeps its script and style in files (Swagger UI is served locally).
HTML_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
# Everything else (JSON, problem documents, CSV, assets) renders nothing and may not be framed.
NON_HTML_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
access_log = logging.getLogger("mobile_service.access")


class JsonFormatter(logging.Formatter):
    """Format records as one JSON object per line, with whitelisted extra fields."""

    FIELDS = ("request_id", "client_request_id", "user_id", "role", "route", "method", "status", "latency_ms",
              "error_class", "event", "outcome", "kind", "count")

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for field in self.FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                entry[field] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=True)


def configure_logging(level: str) -> None:
    """Send every log record of the service to stderr as JSON lines (idempotent)."""
    import time as _time

    root = logging.getLogger("mobile_service")
    root.setLevel(level)
    if not any(getattr(h, "_mobile_json", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        formatter = JsonFormatter()
        formatter.converter = _time.gmtime
        handler.setFormatter(formatter)
        handler._mobile_json = True  # type: ignore[attr-defined]
        root.addHandler(handler)
        root.propagate = False


def _json_depth_problem(data: bytes, max_depth: int) -> str | None:
    """Scan raw JSON for excessive nesting or NUL characters without parsing it."""
    if b"\x00" in data or b"\\u0000" in data:
        return "The body contains a NUL character."
    depth = 0
    in_string = escaped = False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > max_depth:
                return f"The body is nested more than {max_depth} levels deep."
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return None


def before_request() -> Response | None:
    """Assign the request id, start the clock and reject hostile JSON bodies early."""
    # The request id is always the server's own: a client (or a replay) choosing it could make
    # two views share one id in the record of access. A well-formed client id is kept beside it,
    # in the log line and the audit row, so a client's or proxy's trace still finds the request.
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = uuid.uuid4().hex
    g.client_request_id = incoming if REQUEST_ID_RE.match(incoming) else None
    g.started = time.perf_counter()
    # Every body Flask (and webargs) would parse as JSON: application/json and any
    # application/*+json (vnd.api+json, merge-patch+json...), whatever the method.
    if request.is_json and request.content_length != 0:
        data = request.get_data(cache=True)  # bounded by MAX_CONTENT_LENGTH -> 413
        problem = _json_depth_problem(data, current_app.config["MAX_JSON_DEPTH"])
        if problem:
            return problem_response(400, problem)
    return None


def after_request(response: Response) -> Response:
    """Echo the request id, set protective headers and write the access-log line."""
    response.headers["X-Request-ID"] = g.get("request_id", "")
    # flask-limiter adds Retry-After to every response of a limited route; it means "back off"
    # only on 429 and 503, so clients must never see it on a success.
    if response.status_code not in (429, 503):
        response.headers.pop("Retry-After", None)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Content-Security-Policy",
                                HTML_CSP if response.mimetype == "text/html" else NON_HTML_CSP)
    if response.mimetype in ("application/json", "application/problem+json") and "charset" not in (response.content_type or ""):
        response.content_type = f"{response.mimetype}; charset=utf-8"
    latency = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
    principal = g.get("principal")
    g.latency_ms = latency
    access_log.info(
        "request",
        extra={
            "request_id": g.get("request_id"),
            "client_request_id": g.get("client_request_id"),
            "user_id": getattr(principal, "user_id", None),
            "role": getattr(principal, "role", None),
            "route": request.url_rule.rule if request.url_rule else "<unmatched>",
            "method": request.method,
            "status": response.status_code,
            "latency_ms": round(latency, 2),
        },
    )
    return response


def init_app(app: Flask) -> None:
    """Register the request hooks and JSON logging."""
    configure_logging(app.config["LOG_LEVEL"])
    app.before_request(before_request)
    app.after_request(after_request)
