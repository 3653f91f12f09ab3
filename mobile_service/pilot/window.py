"""A cohort's pilot window: its days in the pilot time zone and SQL day buckets for them.

Days are counted in ``PILOT_TIMEZONE`` (default America/Los_Angeles) so that a worker's evening
session counts on the day it happened. Day boundaries are computed here as UTC instants and
compared in SQL with a ``CASE`` ladder, which works the same on SQLite and PostgreSQL and
handles the 23- and 25-hour days of daylight-saving changes.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import case, select

from mobile_service import clock
from mobile_service.errors import not_found
from mobile_service.extensions import db
from mobile_service.models import PilotCohort


@dataclass(frozen=True)
class PilotWindow:
    """The days of one cohort's pilot, seen at one instant (``now``)."""

    cohort: PilotCohort
    tz: ZoneInfo
    now: dt.datetime

    @property
    def start_date(self) -> dt.date:
        return self.cohort.start_date

    @property
    def end_date(self) -> dt.date:
        """The last day of the pilot (inclusive)."""
        return self.cohort.start_date + dt.timedelta(days=self.cohort.length_days - 1)

    @property
    def today(self) -> dt.date:
        return self.now.astimezone(self.tz).date()

    @property
    def status(self) -> str:
        if self.today < self.start_date:
            return "not_started"
        return "running" if self.today <= self.end_date else "ended"

    @property
    def days_elapsed(self) -> int:
        """Pilot days begun so far, today included (0 before the start, the length after the end)."""
        return max(0, min(self.cohort.length_days, (self.today - self.start_date).days + 1))

    @property
    def days_left(self) -> int:
        return self.cohort.length_days - self.days_elapsed

    @property
    def days(self) -> list[dt.date]:
        """The pilot days begun so far, oldest first."""
        return [self.start_date + dt.timedelta(days=i) for i in range(self.days_elapsed)]

    def day_start(self, day: dt.date) -> dt.datetime:
        """The UTC instant of local midnight starting ``day``."""
        return dt.datetime.combine(day, dt.time(0), tzinfo=self.tz).astimezone(dt.UTC)

    @property
    def starts_at(self) -> dt.datetime:
        return self.day_start(self.start_date)

    @property
    def observed_until(self) -> dt.datetime:
        """End (exclusive) of the observed period: the end of today or of the pilot's last day."""
        last = self.days[-1] if self.days else self.start_date - dt.timedelta(days=1)
        return self.day_start(last + dt.timedelta(days=1))

    def local_date(self, instant: dt.datetime) -> dt.date:
        return instant.astimezone(self.tz).date()

    def in_window(self, column):
        """SQL condition: ``column`` falls in an observed pilot day."""
        return (column >= self.starts_at) & (column < self.observed_until)

    def bucket(self, column):
        """SQL expression numbering the pilot day (0-based) of ``column``; NULL outside the window."""
        if not self.days:
            return case((column.is_(None), None), else_=None)
        whens = [(column < self.day_start(day + dt.timedelta(days=1)), index) for index, day in enumerate(self.days)]
        return case(*whens, else_=None)


def resolve_cohort(name: str | None) -> PilotCohort:
    """The named cohort, or the most recently started one when no name is given; 404 if none."""
    query = select(PilotCohort)
    if name:
        query = query.where(PilotCohort.name == name)
    else:
        query = query.order_by(PilotCohort.start_date.desc(), PilotCohort.id.desc()).limit(1)
    cohort = db.session.execute(query).scalars().first()
    if cohort is None:
        raise not_found("No such pilot cohort.")
    return cohort


def window_for(cohort: PilotCohort) -> PilotWindow:
    """The cohort's window as of now, in the configured pilot time zone."""
    return PilotWindow(cohort=cohort, tz=ZoneInfo(current_app.config["PILOT_TIMEZONE"]), now=clock.utcnow())
