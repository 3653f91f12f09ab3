"""Data freshness: when each source (CALPADS, DCFS, district) was last loaded.

Every student-data response carries this stamp (``api.shared_schemas.FreshnessSchema``) so a CSW
knows how old what they see is. Loads happen a few times a day, so each process keeps the stamps
for ``FRESHNESS_CACHE_SECONDS`` (0 = read every time, the test setting): one query fewer on every
read, at the price of a new load showing up to that many seconds late. Not an access decision.
"""
from __future__ import annotations

import datetime as dt
import threading
import time

from flask import current_app
from sqlalchemy import func, select

from mobile_service.extensions import db
from mobile_service.models import SourceLoad

SOURCES = ("calpads", "dcfs", "district")
_cache: dict[str, tuple[float, dict[str, dt.datetime | None]]] = {}  # database URI -> (expiry, stamps)
_lock = threading.Lock()


def freshness() -> dict[str, dt.datetime | None]:
    """The newest ``SourceLoad.loaded_at`` per source; None for a source never loaded."""
    ttl = current_app.config.get("FRESHNESS_CACHE_SECONDS", 0)
    if not ttl:
        return _load()
    key = current_app.config["SQLALCHEMY_DATABASE_URI"]
    now = time.monotonic()
    with _lock:
        cached = _cache.get(key)
    if cached is not None and cached[0] > now:
        return dict(cached[1])
    stamps = _load()
    with _lock:
        _cache[key] = (now + ttl, stamps)
    return dict(stamps)


def clear_cache() -> None:
    """Forget cached stamps (imports run in other processes; this is for tests and tools)."""
    with _lock:
        _cache.clear()


def _load() -> dict[str, dt.datetime | None]:
    """Read the stamps (one query)."""
    rows = db.session.execute(
        select(SourceLoad.source, func.max(SourceLoad.loaded_at))
        .where(SourceLoad.source.in_(SOURCES))
        .group_by(SourceLoad.source)
    ).all()
    stamps: dict[str, dt.datetime | None] = dict.fromkeys(SOURCES)
    for source, loaded_at in rows:
        stamps[source] = _aware(loaded_at)
    return stamps


def _aware(value) -> dt.datetime | None:
    # func.max() loses the column type on SQLite, which then returns a naive string/datetime.
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
