"""Prometheus metrics at ``/metrics``: requests, token exchanges, imports, database pool.

Labels are route TEMPLATES (``/api/v1/students/<student_key>``), methods and statuses, never raw
paths, query strings, user ids or student identifiers, so a scrape holds no personal data
and label cardinality stays bounded.

Under gunicorn every worker is a process: ``infra/gunicorn.conf.py`` sets
``PROMETHEUS_MULTIPROC_DIR`` before the workers start, prometheus_client then keeps each
worker's values in files there, and a scrape (answered by any one worker) aggregates them all.
Without that variable (tests, ``flask run``) the default in-process registry is used. A dead
worker's files are merged into per-type totals and removed (``prometheus_files``, called from
gunicorn's ``child_exit``), so recycled workers neither lose counts nor pile up files.

Access: when ``METRICS_TOKEN`` is configured the scrape must present it as a bearer token
(401 without one, 403 with a wrong one). With no token configured, only direct requests from
loopback or private-network peers are answered; a request that came through a proxy (it
carries ``X-Forwarded-For``) is refused, so the ingress can never expose the page by accident.
"""
from __future__ import annotations

import hmac
import ipaddress
import os
import time
from collections.abc import Iterable

from flask import Flask, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client import values as _prom_values
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import event

from mobile_service import prometheus_files
from mobile_service.errors import problem_response

# Latency buckets around the 25 ms p95 target (perf.md), up to the worker timeout.
LATENCY_BUCKETS = (0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.035, 0.05, 0.075,
                   0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED_ROUTE = "<unmatched>"
TOKEN_ROUTE = "/auth/token"
TOKEN_EXCHANGE_OUTCOMES = ("issued", "refreshed", "invalid_request", "invalid_grant", "invalid_target",
                           "unsupported_grant_type", "unavailable", "rate_limited")
IMPORT_OUTCOMES = ("loaded", "rejected", "failed")

REQUESTS = Counter(
    "mobile_http_requests_total", "HTTP requests answered, by route template, method and status.",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "mobile_http_request_duration_seconds", "Time spent answering HTTP requests, by route template.",
    ["route", "method", "status"], buckets=LATENCY_BUCKETS,
)
TOKEN_EXCHANGES = Counter(
    "mobile_token_exchanges_total",
    "POST /auth/token results by outcome (issued, refreshed, or the OAuth error code).",
    ["outcome"],
)
IMPORT_RUNS = Counter(
    "mobile_import_runs_total", "Data import runs by kind and outcome (loaded, rejected, failed).",
    ["kind", "outcome"],
)
IMPORT_ROWS = Counter("mobile_import_rows_total", "Rows read by successful imports, by kind.", ["kind"])
# Pool gauges: every worker keeps its own value; "livesum" adds up the live workers.
POOL_CHECKED_OUT = Gauge(
    "mobile_db_pool_checked_out", "Database connections currently checked out of the pool(s).",
    multiprocess_mode="livesum",
)
POOL_SIZE = Gauge(
    "mobile_db_pool_size", "Configured database pool size (persistent connections), summed over workers.",
    multiprocess_mode="livesum",
)
POOL_OVERFLOW_LIMIT = Gauge(
    "mobile_db_pool_max_overflow", "Extra connections a pool may open beyond its size, summed over workers.",
    multiprocess_mode="livesum",
)
WORKER_RSS = Gauge(
    "mobile_worker_resident_memory_bytes", "Resident memory of each worker process (VmRSS).",
    multiprocess_mode="liveall",
)
# Faults carried on degraded (issue 11): the rate-limit storage and the identity provider's keys.
RATE_LIMIT_FALLBACKS = Counter(
    "mobile_rate_limit_storage_fallbacks_total",
    "Times a worker switched its rate limits to per-process memory because the shared storage failed.",
)
RATE_LIMIT_DEGRADED = Gauge(
    "mobile_rate_limit_storage_degraded",
    "1 while some worker counts rate limits in its own memory (shared storage unreachable).",
    multiprocess_mode="livemax",
)
IDP_KEY_CACHE_EVENTS = Counter(
    "mobile_idp_key_cache_events_total",
    "Shared identity-provider key cache use: loaded, stored, or error (a database fault, ignored).",
    ["event"],
)
RSS_REFRESH_SECONDS = 15.0
# Where an in-cluster scraper can be when no METRICS_TOKEN is set: RFC 1918, CGNAT ranges some
# pod networks use, and IPv6 unique-local. (ipaddress' is_private also admits documentation
# ranges, which are not ours to trust.)
SCRAPER_NETWORKS = tuple(ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"))
_rss_checked_at = 0.0
_gauges_pid: int | None = None


def multiprocess_enabled() -> bool:
    """True when prometheus_client was imported with PROMETHEUS_MULTIPROC_DIR set (gunicorn)."""
    return _prom_values.ValueClass is not _prom_values.MutexValue


def record_token_exchange(outcome: str) -> None:
    """Count one ``POST /auth/token`` result (``issued``, ``refreshed`` or an OAuth error code).

    Called for every response of the route by this module's after-request hook; auth code
    need not (and must not, or it counts twice) call it for HTTP exchanges.
    """
    TOKEN_EXCHANGES.labels(outcome=outcome if outcome in TOKEN_EXCHANGE_OUTCOMES else "other").inc()


def record_import(kind: str, outcome: str, rows: int | None = None) -> None:
    """Count one import run; ``rows`` (read from the file) only for loaded files."""
    outcome = outcome if outcome in IMPORT_OUTCOMES else "failed"
    IMPORT_RUNS.labels(kind=kind, outcome=outcome).inc()
    if rows and outcome == "loaded":
        IMPORT_ROWS.labels(kind=kind).inc(rows)


def record_rate_limit_storage(degraded: bool, *, switched: bool) -> None:
    """Set this worker's rate-limit degraded gauge; count a switch to memory when ``switched``."""
    RATE_LIMIT_DEGRADED.set(1 if degraded else 0)
    if switched and degraded:
        RATE_LIMIT_FALLBACKS.inc()


def record_idp_key_cache(event: str) -> None:
    """Count one use of the shared identity-provider key cache (``auth.key_store``)."""
    IDP_KEY_CACHE_EVENTS.labels(event=event).inc()


def _token_outcome(response: Response) -> str:
    """Outcome of one /auth/token call, from its status and OAuth error code (no body is logged)."""
    if response.status_code == 200:
        return "refreshed" if request.form.get("grant_type") == "refresh_token" else "issued"
    if response.status_code == 429:
        return "rate_limited"
    if response.status_code >= 500:
        return "unavailable"
    body = response.get_json(silent=True) if response.is_json else None
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, str) else "other"


# The (requests counter, latency histogram) children of each (route, method, status) answered so
# far: ``labels()`` validates, sorts and locks on every call, and the label set is bounded (route
# templates x known methods x statuses), so each child is looked up once per process.
_children: dict[tuple[str, str, int], tuple] = {}


def _request_children(route: str, method: str, status: int) -> tuple:
    key = (route, method, status)
    pair = _children.get(key)
    if pair is None:
        labels = {"route": route, "method": method, "status": str(status)}
        pair = _children[key] = (REQUESTS.labels(**labels), LATENCY.labels(**labels))
    return pair


def _after_request(response: Response) -> Response:
    # The clock started in requestlog's before-request hook (registered first, see app.py).
    started = g.get("started")
    elapsed = time.perf_counter() - started if started is not None else 0.0
    req = request._get_current_object()  # type: ignore[attr-defined]
    rule = req.url_rule
    route = rule.rule if rule is not None else UNMATCHED_ROUTE
    method = req.method if req.method in KNOWN_METHODS else "OTHER"  # client methods make no new labels
    requests_child, latency_child = _request_children(route, method, response.status_code)
    requests_child.inc()
    latency_child.observe(elapsed)
    if route == TOKEN_ROUTE and method == "POST":
        record_token_exchange(_token_outcome(response))
    _maybe_refresh_rss()
    if _gauges_pid != os.getpid():
        _refresh_pool_gauges()  # once per worker: its pool size counts in the "livesum" total
    return response


def _read_rss_bytes() -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _maybe_refresh_rss(force: bool = False) -> None:
    global _rss_checked_at
    now = time.monotonic()
    if force or now - _rss_checked_at >= RSS_REFRESH_SECONDS:
        _rss_checked_at = now
        rss = _read_rss_bytes()
        if rss is not None:
            WORKER_RSS.set(rss)


def _pools() -> Iterable:
    from mobile_service.extensions import db

    for engine in db.engines.values():
        yield engine.pool


def _refresh_pool_gauges() -> None:
    """Set this worker's pool gauges from the pools themselves (first request, each scrape)."""
    global _gauges_pid
    _gauges_pid = os.getpid()
    checked_out = size = overflow = 0
    for pool in _pools():
        checked_out += pool.checkedout() if hasattr(pool, "checkedout") else 0
        size += pool.size() if hasattr(pool, "size") else 0
        overflow += max(getattr(pool, "_max_overflow", 0), 0)
    POOL_CHECKED_OUT.set(checked_out)
    POOL_SIZE.set(size)
    POOL_OVERFLOW_LIMIT.set(overflow)


def _listen_to_pools(app: Flask) -> None:
    """Keep each worker's checked-out gauge live between scrapes (other workers can't be asked)."""
    from mobile_service.extensions import db

    with app.app_context():
        engines = list(db.engines.values())
    for engine in engines:
        if getattr(engine.pool, "_mobile_metrics", False):
            continue
        engine.pool._mobile_metrics = True  # type: ignore[attr-defined]
        event.listen(engine, "checkout", lambda *_: POOL_CHECKED_OUT.inc())
        event.listen(engine, "checkin", lambda *_: POOL_CHECKED_OUT.dec())
    # No gauge is set here: with gunicorn's preload this runs in the master, whose values
    # would be summed in as if it were a worker. Each worker sets its own on first use.


def _authorized() -> Response | None:
    """Return None when the scrape may proceed, else the 401/403 problem response."""
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        header = request.headers.get("Authorization", "")
        scheme, _, presented = header.partition(" ")
        if scheme.lower() != "bearer" or not presented.strip():
            return problem_response(401, "A metrics bearer token is required.",
                                    headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
        if not hmac.compare_digest(presented.strip().encode(), token.encode()):
            return problem_response(403, "The metrics token is not valid.",
                                    headers={"WWW-Authenticate": 'Bearer realm="metrics", error="invalid_token"'})
        return None
    if request.headers.get("X-Forwarded-For") or request.headers.get("Forwarded"):
        return problem_response(403, "Metrics are not served through a proxy without METRICS_TOKEN.")
    try:
        peer = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return problem_response(403, "Metrics are served only to local or private-network scrapers.")
    if peer.is_loopback or any(peer in net for net in SCRAPER_NETWORKS if net.version == peer.version):
        return None
    return problem_response(403, "Metrics are served only to local or private-network scrapers.")


def metrics_view() -> Response:
    """Serve the metrics of every worker in the Prometheus text format."""
    denied = _authorized()
    if denied is not None:
        return denied
    _refresh_pool_gauges()
    _maybe_refresh_rss(force=True)
    for refresh in current_app.extensions.get("metrics_refreshers", ()):
        refresh()  # gauges other layers own (identity-provider keys)
    if multiprocess_enabled():
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        # Shared lock: the master may be merging a dead worker's files (prometheus_files).
        with prometheus_files.locked(os.environ["PROMETHEUS_MULTIPROC_DIR"], exclusive=False):
            body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    response = Response(body)
    # generate_latest writes the classic text format; say so exactly (version=0.0.4).
    response.headers["Content-Type"] = CONTENT_TYPE_PLAIN_0_0_4
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    """Register request instrumentation, pool listeners and the ``/metrics`` route."""
    app.after_request(_after_request)
    app.add_url_rule("/metrics", "metrics", metrics_view, methods=["GET"])
    _listen_to_pools(app)
