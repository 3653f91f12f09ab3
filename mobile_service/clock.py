"""The service's only clock; tests patch ``mobile_service.clock.utcnow``."""
from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    """Return the current time as a timezone-aware UTC datetime."""
    return dt.datetime.now(dt.UTC)


def today() -> dt.date:
    """Return today's date in UTC, derived from :func:`utcnow` so tests can freeze it."""
    return utcnow().date()
