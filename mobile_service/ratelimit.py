"""Rate-limit storage faults: count in per-process memory, log and count the switch, tell readiness.

With ``REDIS_URL`` set, every quota (``/auth/token``, ``/auth/revoke``, ``api/quotas.py``) is
counted in Redis so all workers and pods share it. When Redis fails, flask-limiter's in-memory
fallback (``RATELIMIT_IN_MEMORY_FALLBACK_ENABLED``, config.py) counts the same limits in each
worker's memory instead and checks Redis again with a growing back-off (1 s, 2 s, ... 32 s);
requests carry on, never a 500. The limits then hold per worker, so a user's effective quota is
at most the configured one times the number of workers: looser, never absent.

This module notices the switch after each request (log line + ``mobile_rate_limit_storage_*``
metrics) and gives ``/readyz`` a *degraded* check: reported in the body, never a failed probe,
because pulling every pod out of service for a Redis outage would turn a loose limit into an
outage.
"""
from __future__ import annotations

import logging
import threading

from flask import Flask, current_app

from mobile_service import metrics
from mobile_service.extensions import limiter
from mobile_service.readiness import add_degraded_check

log = logging.getLogger("mobile_service.ratelimit")
DEGRADED_REASON = "shared rate-limit storage unreachable; limits are counted per worker process"
_lock = threading.Lock()
_known_degraded = False


def note_storage_state(_exc: BaseException | None = None) -> None:
    """After a request: log and count a change of this worker's limiter storage state."""
    global _known_degraded
    degraded = limiter.storage_degraded
    if degraded == _known_degraded:
        return
    with _lock:
        if degraded == _known_degraded:
            return
        _known_degraded = degraded
    metrics.record_rate_limit_storage(degraded, switched=True)
    if degraded:
        log.warning("rate-limit storage unreachable; counting limits in this worker's memory",
                    extra={"event": "rate_limit_storage", "outcome": "degraded"})
    else:
        log.info("rate-limit storage reachable again; limits are shared",
                 extra={"event": "rate_limit_storage", "outcome": "recovered"})


def storage_check() -> str | None:
    """Readiness (degraded, not failing): None when limits are shared, else a PII-free reason."""
    cfg = current_app.config
    if not cfg.get("REDIS_URL") or not cfg.get("RATELIMIT_ENABLED"):
        return None  # per-process memory is the configuration, not a fault
    if limiter.storage_degraded:
        return DEGRADED_REASON
    try:
        healthy = limiter.storage.check()  # a ping, bounded by the storage's socket timeout
    except Exception:  # noqa: BLE001 - a failing probe is an answer, not an error
        healthy = False
    return None if healthy else DEGRADED_REASON


def init_app(app: Flask) -> None:
    """Watch the limiter's storage state after each request and report it in readiness."""
    global _known_degraded
    _known_degraded = False
    app.teardown_request(note_storage_state)
    add_degraded_check(app, "rate_limit_storage", storage_check)
