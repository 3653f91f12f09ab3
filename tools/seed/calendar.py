"""School calendar arithmetic for the generator: academic years, school days, report dates.

The academic year runs July 1 to June 30 (CALPADS); instruction runs from a mid-August Monday
to an early-June Friday, about 180 school days. Holidays are not modelled one by one: school
days between two dates are weekdays scaled so that a whole year has 180 of them.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

INSTRUCTIONAL_DAYS = 180


def year_start_for(day: dt.date) -> int:
    """The calendar year in which the academic year containing ``day`` began (July 1 boundary)."""
    return day.year if day.month >= 7 else day.year - 1


def year_label(start_year: int) -> str:
    """``2025`` -> ``"2025-26"``."""
    return f"{start_year}-{(start_year + 1) % 100:02d}"


def weekday_on_or_after(day: dt.date, weekday: int) -> dt.date:
    """The first date on or after ``day`` falling on ``weekday`` (Monday = 0)."""
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def weekday_on_or_before(day: dt.date, weekday: int) -> dt.date:
    """The last date on or before ``day`` falling on ``weekday`` (Monday = 0)."""
    return day - dt.timedelta(days=(day.weekday() - weekday) % 7)


def weekdays_between(first: dt.date, last: dt.date) -> int:
    """Number of Monday-to-Friday dates in ``[first, last]`` (0 when ``last < first``)."""
    if last < first:
        return 0
    days = (last - first).days + 1
    weeks, extra = divmod(days, 7)
    count = weeks * 5
    start = first.weekday()
    for offset in range(extra):
        if (start + offset) % 7 < 5:
            count += 1
    return count


def next_school_day(day: dt.date) -> dt.date:
    """The next weekday after ``day``."""
    day += dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


@dataclass(frozen=True)
class SchoolYear:
    """One academic year: label, first and last day of instruction and progress-report terms."""

    start_year: int
    label: str
    first_day: dt.date
    last_day: dt.date
    weekdays: int

    @classmethod
    def of(cls, start_year: int) -> SchoolYear:
        """The year starting in July of ``start_year``."""
        first = weekday_on_or_after(dt.date(start_year, 8, 11), 0)
        last = weekday_on_or_after(dt.date(start_year + 1, 6, 4), 4)
        return cls(start_year, year_label(start_year), first, last, weekdays_between(first, last))

    def school_days(self, first: dt.date, last: dt.date) -> int:
        """School days in ``[first, last]`` clipped to the year (weekdays scaled to 180 a year)."""
        first = max(first, self.first_day)
        last = min(last, self.last_day)
        return (weekdays_between(first, last) * INSTRUCTIONAL_DAYS + self.weekdays // 2) // self.weekdays

    def school_day_at(self, fraction: float) -> dt.date:
        """The weekday about ``fraction`` (0..1) of the way through the year."""
        day = self.first_day + dt.timedelta(days=int((self.last_day - self.first_day).days * fraction))
        return weekday_on_or_before(day, 4) if day.weekday() >= 5 else day

    def terms(self, elementary: bool) -> list[tuple[str, dt.date]]:
        """Progress-report terms and report dates: trimesters (elementary) or quarters/semesters."""
        if elementary:
            return [
                ("Trimester 1", weekday_on_or_after(self.first_day + dt.timedelta(weeks=11), 4)),
                ("Trimester 2", weekday_on_or_after(dt.date(self.start_year + 1, 3, 6), 4)),
                ("Trimester 3", self.last_day),
            ]
        return [
            ("Quarter 1", weekday_on_or_after(self.first_day + dt.timedelta(weeks=7), 4)),
            ("Semester 1", weekday_on_or_after(dt.date(self.start_year + 1, 1, 16), 4)),
            ("Quarter 3", weekday_on_or_after(dt.date(self.start_year + 1, 3, 27), 4)),
            ("Semester 2", self.last_day),
        ]
