"""Request ids, structured JSON logs and cheap guards on request bodies.

One log line per request: request id, user id, role, route template, method, status and
latency. Never query strings, bodies, names, birth dates, SSIDs or tokens.
"""
from __future__ import annotations

import json
import logging
import os
import re
import sys
import threading
import time
from typing import Any, ClassVar

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
    # The timestamp's seconds are formatted once per second, not once per line (a worker logs
    # hundreds of lines a second); only the milliseconds change within it.
    # One tuple (second, its text), replaced whole: a reader never pairs one second with another's text.
    _second: tuple[int, str] = (-1, "")

    def format(self, record: logging.LogRecord) -> str:
        second, text = self._second
        if second != int(record.created):
            text = self.formatTime(record, "%Y-%m-%dT%H:%M:%S")
            self._second = (int(record.created), text)
        entry = {
            "ts": f"{text}.{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        attributes = record.__dict__
        for field in self.FIELDS:
            value = attributes.get(field)
            if value is not None:
                entry[field] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=True)


class AccessRecord(logging.LogRecord):
    """The access-log line's record: what ``Logger.info(..., extra=...)`` would build, built directly.

    ``Logger.info`` walks the stack for the caller's file and line (``findCaller``) and derives
    file and module names from it on every request; this line always comes from one place, so
    those are constants and only the time, thread and process are read per request.
    """

    _STATIC: ClassVar[dict[str, Any]] = {
        "name": "mobile_service.access", "msg": "request", "args": (), "levelname": "INFO",
        "levelno": logging.INFO, "pathname": __file__, "filename": os.path.basename(__file__),
        "module": "requestlog", "exc_info": None, "exc_text": None, "stack_info": None, "lineno": 0,
        "funcName": "after_request", "taskName": None,
    }

    def __init__(self, fields: dict[str, Any]) -> None:  # noqa: D107 - see the class docstring
        attributes = self.__dict__
        attributes.update(self._STATIC)
        created = time.time()
        attributes["created"] = created
        attributes["msecs"] = int((created - int(created)) * 1000) + 0.0
        attributes["relativeCreated"] = (created - getattr(logging, "_startTime", created)) * 1000
        thread = threading.current_thread()
        attributes["thread"], attributes["threadName"] = thread.ident, thread.name
        process = sys.modules.get("multiprocessing")
        attributes["processName"] = process.current_process().name if process is not None else "MainProcess"
        attributes["process"] = os.getpid()
        attributes.update(fields)


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


def new_request_id() -> str:
    """A random (version 4) UUID as 32 hex digits, as ``uuid.uuid4().hex`` writes it."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
    return raw.hex()


def before_request() -> Response | None:
    """Assign the request id, start the clock and reject hostile JSON bodies early."""
    # The request id is always the server's own: a client (or a replay) choosing it could make
    # two views share one id in the record of access. A well-formed client id is kept beside it,
    # in the log line and the audit row, so a client's or proxy's trace still finds the request.
    req = request._get_current_object()  # type: ignore[attr-defined]  (one proxy lookup, not five)
    environ = req.environ
    incoming = environ.get("HTTP_X_REQUEST_ID", "")  # the X-Request-ID header, read directly
    state = g._get_current_object()  # type: ignore[attr-defined]
    state.request_id = new_request_id()
    state.client_request_id = incoming if incoming and REQUEST_ID_RE.match(incoming) else None
    state.started = time.perf_counter()
    # Every body Flask (and webargs) would parse as JSON: application/json and any
    # application/*+json (vnd.api+json, merge-patch+json...), whatever the method. Without a
    # Content-Type there is no JSON body (is_json is False), so most GETs stop here.
    if environ.get("CONTENT_TYPE") and req.is_json and req.content_length != 0:
        data = req.get_data(cache=True)  # bounded by MAX_CONTENT_LENGTH -> 413
        problem = _json_depth_problem(data, current_app.config["MAX_JSON_DEPTH"])
        if problem:
            return problem_response(400, problem)
    return None


# Protective headers every response carries unless its view set its own.
_DEFAULT_HEADERS = (("x-content-type-options", "X-Content-Type-Options", "nosniff"),
                    ("cache-control", "Cache-Control", "no-store"),
                    ("referrer-policy", "Referrer-Policy", "no-referrer"),
                    ("x-frame-options", "X-Frame-Options", "DENY"))
_JSON_MIMETYPES = ("application/json", "application/problem+json")


def after_request(response: Response) -> Response:
    """Echo the request id, set protective headers and write the access-log line."""
    state = g._get_current_object()  # type: ignore[attr-defined]
    attributes = state.__dict__
    headers = response.headers
    # One pass over the response's headers, instead of a scan of the list per header below.
    present: dict[str, str] = {}
    for key, value in headers:
        present.setdefault(key.lower(), value)
    request_id = attributes.get("request_id", "")
    if "x-request-id" in present:
        headers.set("X-Request-ID", request_id)
    else:
        headers.add("X-Request-ID", request_id)
    status = response.status_code
    # flask-limiter adds Retry-After to every response of a limited route; it means "back off"
    # only on 429 and 503, so clients must never see it on a success.
    if status not in (429, 503) and "retry-after" in present:
        headers.remove("Retry-After")
    for lower, name, value in _DEFAULT_HEADERS:
        if lower not in present:
            headers.add(name, value)
    content_type = present.get("content-type") or ""
    mimetype = content_type.partition(";")[0].strip() if content_type else None  # as Response.mimetype
    if "content-security-policy" not in present:
        headers.add("Content-Security-Policy", HTML_CSP if mimetype == "text/html" else NON_HTML_CSP)
    if mimetype in _JSON_MIMETYPES and "charset" not in content_type:
        headers.set("Content-Type", f"{mimetype}; charset=utf-8")
    started = attributes.get("started")
    latency = (time.perf_counter() - started) * 1000 if started is not None else 0.0
    state.latency_ms = latency
    if access_log.isEnabledFor(logging.INFO):
        req = request._get_current_object()  # type: ignore[attr-defined]
        principal = attributes.get("principal")
        rule = req.url_rule
        access_log.handle(AccessRecord({
            "request_id": attributes.get("request_id"),
            "client_request_id": attributes.get("client_request_id"),
            "user_id": getattr(principal, "user_id", None),
            "role": getattr(principal, "role", None),
            "route": rule.rule if rule is not None else "<unmatched>",
            "method": req.method,
            "status": status,
            "latency_ms": round(latency, 2),
        }))
    return response


def init_app(app: Flask) -> None:
    """Register the request hooks and JSON logging."""
    configure_logging(app.config["LOG_LEVEL"])
    app.before_request(before_request)
    app.after_request(after_request)
