"""gunicorn's own error pages as problem+json (requests refused before the app sees them).

gunicorn answers a request line over ``limit_request_line`` (414), too many or too large
headers (431), a malformed request line, method, version or header (400), an unsupported
transfer coding (501) and a crash outside the app (500) itself, with a small HTML page. The
mobile app parses problem+json everywhere; ``install()`` (called from ``infra/gunicorn.conf.py``
in the master, so every forked worker inherits it) swaps gunicorn's page writer for one that
sends the same status as an RFC 9457 document of the types in ``mobile_service.errors``.

The document never echoes what gunicorn read (a URL or a header may carry a name or a token),
and has no request id: the app, which assigns them, never saw the request. It cannot use the
OAuth error shape of ``/auth/*`` either: a refused request line may not even have a path.
What neither gunicorn nor the app can reach is listed in infra/RUNBOOK.md ("Error pages").
"""
from __future__ import annotations

import json

PROBLEM_TYPE_BASE = "https://mobile.eps.lacoe.edu/problems/"
SLUGS = {
    400: ("bad-request", "The request could not be parsed (request line, method, version or a header)."),
    403: ("forbidden", "The request was refused."),
    414: ("uri-too-long", "The request line is too long; send search terms in the body."),
    417: ("expectation-failed", "The Expect header is not supported."),
    431: ("request-header-fields-too-large", "Too many request headers, or one is too large."),
    500: ("internal-error", "An unexpected error occurred."),
    501: ("not-implemented", "The transfer coding is not supported."),
}


def problem_page(status: int, reason: str) -> bytes:
    """The full HTTP/1.1 response gunicorn sends for ``status``: problem+json, connection closed."""
    slug, detail = SLUGS.get(status, ("error", "The request could not be served."))
    body = json.dumps({"type": PROBLEM_TYPE_BASE + slug, "title": reason, "status": status,
                       "detail": detail, "request_id": None}).encode("ascii")
    head = (f"HTTP/1.1 {status} {reason}\r\n"
            "Connection: close\r\n"
            "Content-Type: application/problem+json\r\n"
            "Cache-Control: no-store\r\n"
            "X-Content-Type-Options: nosniff\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode("latin-1") + body


def write_problem(sock, status_int: int, reason: str, mesg: str) -> None:
    """Drop-in for ``gunicorn.util.write_error``: same status, problem+json body (``mesg`` unused)."""
    from gunicorn import util

    util.write_nonblock(sock, problem_page(int(status_int), str(reason)))


def install() -> None:
    """Make gunicorn write its own error responses as problem+json (idempotent; HUP re-runs it)."""
    from gunicorn import util

    util.write_error = write_problem
