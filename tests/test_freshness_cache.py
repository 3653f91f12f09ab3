"""The per-process cache of data-freshness stamps (FRESHNESS_CACHE_SECONDS)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import event

from mobile_service import freshness as fresh
from mobile_service.extensions import db
from mobile_service.models import SourceLoad


def _load(source: str, when: dt.datetime) -> None:
    db.session.add(SourceLoad(source=source, kind="students", file_name="f.csv", file_sha256="0" * 64,
                              loaded_at=when, rows_total=1, inserted=1, updated=0, unchanged=0))
    db.session.commit()


def test_uncached_by_default_in_tests(app, ctx):
    when = dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC)
    assert fresh.freshness()["calpads"] is None
    _load("calpads", when)
    assert fresh.freshness()["calpads"] == when


def test_cached_stamps_skip_the_query_until_they_expire(app, ctx, monkeypatch):
    monkeypatch.setitem(app.config, "FRESHNESS_CACHE_SECONDS", 30)
    fresh.clear_cache()
    now = [1000.0]
    monkeypatch.setattr(fresh.time, "monotonic", lambda: now[0])
    first = dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC)
    _load("dcfs", first)
    queries = []

    def count(conn, cursor, statement, *args):
        queries.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert fresh.freshness()["dcfs"] == first
        _load("dcfs", first + dt.timedelta(hours=1))
        queries.clear()
        stamps = fresh.freshness()
        stamps["dcfs"] = None  # callers get a copy, never the cached dict
        assert fresh.freshness()["dcfs"] == first and queries == []
        now[0] += 31
        assert fresh.freshness()["dcfs"] == first + dt.timedelta(hours=1)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
        fresh.clear_cache()
