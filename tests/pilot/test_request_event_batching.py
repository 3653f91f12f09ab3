"""``request`` events are buffered per process and written as one INSERT per batch (perf pass)."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import event, select

from mobile_service.extensions import db
from mobile_service.models import UsageEvent
from mobile_service.pilot import request_events


def _routes(app):
    with app.app_context():
        return db.session.execute(select(UsageEvent.route).where(UsageEvent.event == "request")
                                  .order_by(UsageEvent.id)).scalars().all()


@pytest.fixture
def batched(app, monkeypatch):
    """Batches of 3, a long age limit; whatever a test leaves buffered is dropped afterwards."""
    monkeypatch.setitem(app.config, "USAGE_EVENT_BATCH", 3)
    monkeypatch.setitem(app.config, "USAGE_EVENT_FLUSH_SECONDS", 3600)
    request_events._buffer.take()
    yield
    request_events._buffer.take()


def test_events_wait_for_a_full_batch_then_go_in_one_insert(client, app, bearer, people, batched):
    headers = bearer("csw")
    inserts = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("INSERT INTO USAGE_EVENTS"):
            inserts.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        for _ in range(2):
            assert client.get("/api/v1/announcements", headers=headers).status_code == 200
        assert _routes(app) == [] and request_events.pending() == 2
        assert client.get("/api/v1/announcements", headers=headers).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert _routes(app) == ["/api/v1/announcements"] * 3
    assert len(inserts) == 1 and request_events.pending() == 0


def test_flush_writes_a_partial_batch(client, app, bearer, people, batched):
    client.get("/api/v1/announcements", headers=bearer("csw"))
    assert _routes(app) == []
    assert request_events.flush(app) == 1
    assert _routes(app) == ["/api/v1/announcements"] and request_events.pending() == 0
    assert request_events.flush(app) == 0


def test_flush_outside_an_app_context_uses_the_given_app(client, app, bearer, people, batched):
    client.get("/api/v1/announcements", headers=bearer("csw"))
    assert request_events.flush(app) == 1  # no app context here: the worker_exit path
    assert _routes(app) == ["/api/v1/announcements"]


def test_old_events_are_written_by_the_next_request(client, app, bearer, people, batched, monkeypatch):
    monkeypatch.setitem(app.config, "USAGE_EVENT_FLUSH_SECONDS", 1)
    monkeypatch.setattr(request_events, "_ensure_timer", lambda: None)  # this path only, no timer
    now = [100.0]
    monkeypatch.setattr(request_events.time, "monotonic", lambda: now[0])
    headers = bearer("csw")
    client.get("/api/v1/announcements", headers=headers)
    now[0] += 0.2
    client.get("/api/v1/announcements", headers=headers)
    assert _routes(app) == []
    now[0] += 2
    client.get("/api/v1/announcements", headers=headers)  # the oldest is now 2.2 s old
    assert len(_routes(app)) == 3


def test_a_quiet_instance_writes_old_events_without_another_request(client, app, bearer, people, batched,
                                                                      monkeypatch):
    """Issue 18: the age was checked only on the next request, so a quiet instance kept events in
    memory indefinitely. The timer thread writes them once they reach the flush age."""
    monkeypatch.setitem(app.config, "USAGE_EVENT_FLUSH_SECONDS", 1)
    assert client.get("/api/v1/announcements", headers=bearer("csw")).status_code == 200
    assert _routes(app) == [] and request_events.pending() == 1
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not _routes(app):
        time.sleep(0.1)  # no request in between: only the timer can write it
    assert _routes(app) == ["/api/v1/announcements"] and request_events.pending() == 0
    waited = time.monotonic() - (deadline - 5)
    assert waited >= 0.9  # not before its age: batching still holds


def test_exit_flush_writes_what_is_buffered(client, app, bearer, people, batched):
    """The atexit hook (and gunicorn's worker_exit) still write the buffer at a clean shutdown."""
    client.get("/api/v1/announcements", headers=bearer("csw"))
    assert _routes(app) == []
    request_events._flush_at_exit()  # no app context, as at interpreter exit
    assert _routes(app) == ["/api/v1/announcements"] and request_events.pending() == 0


def test_a_failed_batch_is_dropped_without_breaking_the_response(client, app, bearer, people, batched,
                                                                  monkeypatch):
    from sqlalchemy.exc import OperationalError

    original = db.session.execute

    def boom(statement, *args, **kwargs):
        if getattr(statement, "table", None) is not None and statement.table.name == "usage_events":
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        return original(statement, *args, **kwargs)

    headers = bearer("csw")
    client.get("/api/v1/announcements", headers=headers)
    client.get("/api/v1/announcements", headers=headers)
    monkeypatch.setattr(db.session, "execute", boom)
    assert client.get("/api/v1/announcements", headers=headers).status_code == 200
    monkeypatch.setattr(db.session, "execute", original)
    assert _routes(app) == [] and request_events.pending() == 0
