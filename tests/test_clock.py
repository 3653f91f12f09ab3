"""Days are Los Angeles calendar days (issue 11, item 5): instants around UTC and LA midnight."""
from __future__ import annotations

import datetime as dt

import pytest

from mobile_service import clock
from mobile_service.config import ConfigError, load_config

UTC = dt.UTC


@pytest.mark.parametrize("instant, day", [
    # Daylight time (UTC-7): UTC midnight is 5 pm the day before in Los Angeles.
    (dt.datetime(2026, 10, 16, 0, 0, tzinfo=UTC), dt.date(2026, 10, 15)),
    (dt.datetime(2026, 10, 16, 6, 59, 59, tzinfo=UTC), dt.date(2026, 10, 15)),
    (dt.datetime(2026, 10, 16, 7, 0, tzinfo=UTC), dt.date(2026, 10, 16)),
    (dt.datetime(2026, 10, 15, 23, 59, 59, tzinfo=UTC), dt.date(2026, 10, 15)),
    # Standard time (UTC-8), after the November change.
    (dt.datetime(2026, 11, 3, 7, 59, 59, tzinfo=UTC), dt.date(2026, 11, 2)),
    (dt.datetime(2026, 11, 3, 8, 0, tzinfo=UTC), dt.date(2026, 11, 3)),
])
def test_today_is_the_los_angeles_date(service_clock, instant, day):
    service_clock.freeze(instant)
    assert clock.today() == day


def test_start_of_day_is_los_angeles_midnight():
    assert clock.start_of_day(dt.date(2026, 10, 16)) == dt.datetime(2026, 10, 16, 7, 0, tzinfo=UTC)
    assert clock.start_of_day(dt.date(2026, 12, 1)) == dt.datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize("value, ok", [("", True), ("1", True), ("30", True), ("90", True),
                                       ("0", False), ("91", False), ("-3", False), ("thirty", False)])
def test_manual_add_days_is_validated(value, ok):
    env = {"APP_ENV": "testing", "MANUAL_ADD_DAYS": value}
    if ok:
        assert load_config(env)["MANUAL_ADD_DAYS"] == (int(value) if value else 30)
    else:
        with pytest.raises(ConfigError, match="MANUAL_ADD_DAYS"):
            load_config(env)
