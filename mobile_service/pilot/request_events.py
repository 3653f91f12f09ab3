"""The ``request`` usage event: one row per authenticated ``/api/v1`` call, for latency and error rates.

Recorded in an ``after_request`` hook into a per-process buffer, written as ONE multi-row INSERT
every ``USAGE_EVENT_BATCH`` events or when the oldest buffered row is ``USAGE_EVENT_FLUSH_SECONDS``
old, and at worker exit (gunicorn ``worker_exit`` + ``atexit``). The age is watched by a daemon
timer thread per process (started with the first buffered row, so a preloading gunicorn master
never owns it), not only by the next request: a quiet instance holds nothing older than the
flush age (issue 18).
A commit per read request was an extra WAL flush on every read (bench/RESULTS.md); batching
trades that for at most one batch of metrics rows lost if a worker is killed hard. Tests run
with a batch of 1 (written at once) or call :func:`flush`.

A flush runs in its own short transaction: the request's own work is committed by its service
(or discarded on error) before this runs, so the hook rolls back anything left pending (teardown
would do the same) before the INSERT. A failure is logged and swallowed (the batch is dropped):
metrics never break a response. A row holds the route *template* (``/api/v1/students/<student_key>``),
never the path, query string or any student identifier.
"""
from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from typing import Any

from flask import Flask, Response, current_app, g, has_app_context, request
from sqlalchemy import insert
from sqlalchemy.exc import SQLAlchemyError

from mobile_service import clock
from mobile_service.extensions import db
from mobile_service.models import UsageEvent
from mobile_service.usage import client_info

log = logging.getLogger("mobile_service.pilot")
API_PREFIX = "/api/v1/"


class _Buffer:
    """Rows waiting for the next multi-row INSERT; one per process, shared by its threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.rows: list[dict[str, Any]] = []
        self.oldest: float | None = None
        self.app: Flask | None = None  # for the exit flush (no app context then)
        self.target: Flask | None = None  # the app whose rows are buffered (the timer writes there)
        self.max_age = 10.0
        self.timer: threading.Thread | None = None
        self.timer_pid: int | None = None

    def add(self, row: dict[str, Any], *, batch: int, max_age: float, app: Flask) -> list[dict[str, Any]]:
        """Buffer ``row``; return the rows to write now (empty while the batch is not due)."""
        now = time.monotonic()
        with self.lock:
            self.rows.append(row)
            self.target, self.max_age = app, max_age
            if self.oldest is None:
                self.oldest = now
            if len(self.rows) < batch and now - self.oldest < max_age:
                return []
            return self._take()

    def take_due(self) -> tuple[list[dict[str, Any]], Flask | None]:
        """Empty the buffer if its oldest row reached the flush age; return the rows and their app."""
        with self.lock:
            if self.oldest is None or time.monotonic() - self.oldest < self.max_age:
                return [], None
            return self._take(), self.target

    def take(self) -> list[dict[str, Any]]:
        """Empty the buffer and return what it held."""
        with self.lock:
            return self._take()

    def _take(self) -> list[dict[str, Any]]:
        rows, self.rows, self.oldest = self.rows, [], None
        return rows

    def __len__(self) -> int:
        return len(self.rows)


_buffer = _Buffer()


def _latency_ms() -> float | None:
    state = g._get_current_object()  # type: ignore[attr-defined]
    latency = state.get("latency_ms")
    if latency is not None:
        return round(float(latency), 2)
    started = state.get("started")
    return round((time.perf_counter() - started) * 1000, 2) if started is not None else None


def _write(rows: list[dict[str, Any]]) -> None:
    """INSERT ``rows`` in one batch and commit (inside an app context); never raise."""
    if not rows:
        return
    try:
        db.session.rollback()
        # executemany of one cached INSERT (SQLAlchemy sends it as multi-row batches); a
        # ``.values(rows)`` statement would be compiled afresh for every batch.
        db.session.execute(insert(UsageEvent.__table__), rows)
        db.session.commit()
    except SQLAlchemyError as exc:
        db.session.rollback()
        log.warning("request usage events not recorded",
                    extra={"error_class": type(exc).__name__, "count": len(rows)})


def flush(app: Flask | None = None) -> int:
    """Write every buffered ``request`` event now; return how many were written or dropped."""
    rows = _buffer.take()
    if not rows:
        return 0
    fallback = _buffer.target or _buffer.app
    target = app or (current_app._get_current_object() if has_app_context() else fallback)  # type: ignore[attr-defined]
    if target is None:
        log.warning("request usage events dropped: no application", extra={"count": len(rows)})
        return len(rows)
    if has_app_context() and current_app._get_current_object() is target:  # type: ignore[attr-defined]
        _write(rows)
    else:
        with target.app_context():
            _write(rows)
            db.session.remove()
    return len(rows)


def _watch() -> None:
    """The timer thread: write the buffer once its oldest row is as old as the flush age."""
    while True:
        # A quarter of the age between looks: a row waits at most 1.25 x the flush age.
        time.sleep(max(0.05, min(_buffer.max_age / 4, 5.0)))
        rows, target = _buffer.take_due()
        if not rows or target is None:
            continue
        try:
            with target.app_context():
                _write(rows)
                db.session.remove()
        except Exception:  # the timer must outlive any fault (metrics only)
            log.warning("request usage events not flushed by the timer", exc_info=True)


def _ensure_timer() -> None:
    """Start this process's timer thread once (again in a forked worker: threads do not survive fork)."""
    pid = os.getpid()
    if _buffer.timer_pid == pid and _buffer.timer is not None and _buffer.timer.is_alive():
        return
    with _buffer.lock:
        if _buffer.timer_pid == pid and _buffer.timer is not None and _buffer.timer.is_alive():
            return
        _buffer.timer = threading.Thread(target=_watch, name="usage-event-flush", daemon=True)
        _buffer.timer_pid = pid
        _buffer.timer.start()


def pending() -> int:
    """How many ``request`` events wait in this process's buffer."""
    return len(_buffer)


def record_request(response: Response) -> Response:
    """Buffer a ``request`` event for an authenticated API call (write the batch when due); never raise."""
    state = g._get_current_object()  # type: ignore[attr-defined]  (one proxy lookup per object, not per use)
    principal = state.get("principal")
    if principal is None:
        return response
    req = request._get_current_object()  # type: ignore[attr-defined]
    rule = req.url_rule
    if rule is None or not req.path.startswith(API_PREFIX):
        return response
    version, platform = client_info()
    status = response.status_code
    row = {"occurred_at": clock.utcnow(), "user_id": principal.user_id, "role": principal.role,
           "event": "request", "route": rule.rule[:120], "status": status,
           "latency_ms": _latency_ms(), "app_version": version, "platform": platform,
           # A failed call keeps the id the app received, so its failed_call report joins this row.
           "request_id": state.get("request_id") if status >= 400 else None}
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    config = app.config
    due = _buffer.add(row, batch=config["USAGE_EVENT_BATCH"], max_age=config["USAGE_EVENT_FLUSH_SECONDS"], app=app)
    if due:
        _write(due)
    else:
        _ensure_timer()  # rows stay buffered: make sure their age is watched
    return response


def _flush_at_exit() -> None:
    try:
        flush()
    except Exception:  # interpreter teardown: log, never raise
        log.warning("request usage events not flushed at exit", exc_info=True)


def init_app(app: Flask) -> None:
    """Register the hook (after requestlog's, so it runs before the access-log line is written)."""
    app.after_request(record_request)
    if _buffer.app is None:
        _buffer.app = app
        atexit.register(_flush_at_exit)
