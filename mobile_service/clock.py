"""The service's only clock; tests patch ``mobile_service.clock.utcnow``.

Instants are UTC. Days are Los Angeles calendar days: the county's workday, DCFS assignment
dates and supervision dates all end at midnight in Los Angeles, not at UTC midnight (5 or 4 pm).
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

# Loaded at import, so a system without time-zone data fails at start, not on the first request.
SERVICE_TIMEZONE = ZoneInfo("America/Los_Angeles")


def utcnow() -> dt.datetime:
    """Return the current time as a timezone-aware UTC datetime."""
    return dt.datetime.now(dt.UTC)


def local_date(instant: dt.datetime) -> dt.date:
    """The Los Angeles calendar date of an instant (a naive one is UTC, as the database stores it)."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=dt.UTC)
    return instant.astimezone(SERVICE_TIMEZONE).date()


def today() -> dt.date:
    """Return today's date in Los Angeles, derived from :func:`utcnow` so tests can freeze it."""
    return local_date(utcnow())


def start_of_day(day: dt.date) -> dt.datetime:
    """The UTC instant at which ``day`` begins in Los Angeles."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=SERVICE_TIMEZONE).astimezone(dt.UTC)
