"""The Educational Travel Rate table (DCFS 0900-520.20) as data, and the rounding rule.

The bands live in ``etr_rates.json`` with an effective date: a new CDSS rate table is a new
entry in that file, not a code change. :func:`rate_for` picks the table in effect on a day.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from functools import cache
from pathlib import Path

RATES_FILE = Path(__file__).with_name("etr_rates.json")
ROUNDING_RULE = ("*A partial mile should be rounded up if it is 0.5 and above, and rounded down if less "
                 "than 0.5.")
TABLE_RULE = "Travel Distance from Foster Care Placement to School-of-Origin (in miles) - ONE WAY"


@dataclass(frozen=True)
class Band:
    """One row of the ETR table: whole one-way miles ``min_miles``..``max_miles`` (None: no upper end)."""

    min_miles: int
    max_miles: int | None
    monthly_amount: int
    label: str

    def contains(self, miles: int) -> bool:
        """Whether whole (rounded) ``miles`` fall in this band."""
        return miles >= self.min_miles and (self.max_miles is None or miles <= self.max_miles)


@dataclass(frozen=True)
class RateTable:
    """An ETR table and the day it takes effect."""

    effective_date: dt.date
    source: str
    bands: tuple[Band, ...]

    def band(self, rounded_miles: int) -> Band:
        """The band of whole one-way miles (the table covers every whole number from 0 up)."""
        return next(b for b in self.bands if b.contains(rounded_miles))


@dataclass(frozen=True)
class Rate:
    """The monthly ETR for a distance: the rounded miles, the band and the table it came from."""

    rounded_miles: int
    monthly_amount: int
    band: str
    table_effective_date: dt.date


def round_miles(miles: Decimal) -> int:
    """Whole miles by the policy's rule: a partial mile of 0.5 and above rounds up, below 0.5 down."""
    if miles < 0:
        raise ValueError("a distance cannot be negative")
    return int((miles + Decimal("0.5")).to_integral_value(rounding=ROUND_FLOOR))


def _check(table: RateTable) -> RateTable:
    # A table with a gap or an overlap would leave some distance without a rate: refuse to load it.
    expected = 0
    for band in table.bands:
        if band.min_miles != expected or (band.max_miles is not None and band.max_miles < band.min_miles):
            raise ValueError(f"ETR table {table.effective_date}: bands must cover 0, 1, 2 ... miles without gaps")
        expected = None if band.max_miles is None else band.max_miles + 1
        if expected is None:
            break
    if table.bands[-1].max_miles is not None:
        raise ValueError(f"ETR table {table.effective_date}: the last band must be open-ended")
    return table


def load_tables(path: Path = RATES_FILE) -> tuple[RateTable, ...]:
    """Every rate table of the data file, oldest first (validated: no gaps, an open last band)."""
    document = json.loads(path.read_text(encoding="utf-8"))
    tables = [
        _check(RateTable(dt.date.fromisoformat(t["effective_date"]), t["source"],
                         tuple(Band(b["min_miles"], b["max_miles"], b["monthly_amount"], b["label"])
                               for b in t["bands"])))
        for t in document["tables"]
    ]
    return tuple(sorted(tables, key=lambda t: t.effective_date))


@cache
def tables() -> tuple[RateTable, ...]:
    """The rate tables of ``etr_rates.json`` (read once per process)."""
    return load_tables()


def table_on(day: dt.date, available: tuple[RateTable, ...] | None = None) -> RateTable:
    """The table in effect on ``day`` (the newest one taking effect on or before it; else the oldest)."""
    available = tables() if available is None else available
    in_effect = [t for t in available if t.effective_date <= day]
    return in_effect[-1] if in_effect else available[0]


def rate_for(miles: Decimal, day: dt.date, available: tuple[RateTable, ...] | None = None) -> Rate:
    """The monthly ETR for one-way ``miles`` under the table in effect on ``day``."""
    table = table_on(day, available)
    rounded = round_miles(miles)
    band = table.band(rounded)
    return Rate(rounded, band.monthly_amount, band.label, table.effective_date)
