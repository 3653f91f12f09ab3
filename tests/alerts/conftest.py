"""Fixtures of the alert tests: the importer's CSV files and prerequisites, at a frozen instant."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.importing.conftest import csv_file, loaded  # noqa: F401 - the importer's fixtures, reused

T0 = dt.datetime(2026, 10, 15, 16, 0, tzinfo=dt.UTC)  # 09:00 in Los Angeles, a Thursday


@pytest.fixture
def frozen(service_clock):
    """The service clock stopped at T0 (``clock.today()`` is 2026-10-15); tests move it on."""
    service_clock.freeze(T0)
    return service_clock
