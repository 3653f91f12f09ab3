"""School-of-origin candidates and the one-way distance to one (DCFS 0900-520.20).

Pure functions of the placement, the enrollment spans and the mileage; the placement's location
enters :func:`one_way_distance` only and never leaves it except as a number of WHOLE miles: an
estimate to the hundredth of a mile, asked for once per candidate school, would let anyone who
sees the answers triangulate where the child lives.
"""
from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from mobile_service.travel.rates import round_miles

NEWLY_DETAINED, REPLACED = "newly_detained", "replaced"
PRIOR_SCHOOL, WITHIN_15_MONTHS = "prior_school", "within_15_months"
WINDOW_MONTHS = 15
# Primary and secondary enrollments are schools a child attends; a short-term stay (30, e.g. summer
# school), specialized services (40) and non-ADA (50) enrollments are not (CALPADS Data Guide
# 3.1.1, Enrollment Status).
ATTENDED_STATUSES = frozenset({"10", "20"})

DEFINITIONS = {
    NEWLY_DETAINED: ("For newly-detained children/youth/NMDs: The school that the child/youth/NMD attended prior "
                     "to detetion; OR Any other school that the child/youth/NMD attended within the immediately "
                     "preceding 15 months of the initial placement; and to which the child/youth/NMD feels "
                     "connected."),
    REPLACED: ("For replaced children/youth/NMDs: The school in which the child/youth/NMD was enrolled prior to "
               "the replacement; OR Any other school that the child/youth/NMD attended within the immediately "
               "preceding 15 months of the current placement; and to which the child/youth/NMD feels connected."),
}
MAPPING_RULE = ("Use a web-based mapping system, such as Google Maps to determine the distance between the "
                "school-of-origin and the child's placement.")
MAPPING_SERVICE, STRAIGHT_LINE = "mapping_service", "straight_line_estimate"
NO_PLACEMENT_LOCATION = "the DCFS feed gives no location for the current placement"
NO_SCHOOL_LOCATION = "the school directory gives no coordinates for this school"
NEEDS_MAPPED_MILEAGE = "a plan keeps only the mapping service's mileage: give it (no estimate is stored)"
EARTH_RADIUS_MILES = 3958.8
RETROACTIVE_FLOOR = dt.date(2010, 1, 1)
RETROACTIVE_RULE = ("Education Travel Reimbursement is retroactive to either January 1, 2010 or the first date "
                    "of placement, whichever is most recent.")


class SpanLike(Protocol):
    """An enrollment span with its school's identity (``enrollments.enrollment_rows`` or ``records.enrollment_spans`` rows)."""

    cds_code: str
    name: str
    district_name: str
    enrollment_status: str
    grade_level: str
    start_date: dt.date
    exit_date: dt.date | None


@dataclass(frozen=True)
class Placement:
    """The current placement of the DCFS feed; ``initial_start`` is the first of the open case."""

    start_date: dt.date
    initial_start: dt.date
    placement_type: str | None
    latitude: float | None = field(default=None, repr=False)
    longitude: float | None = field(default=None, repr=False)

    @property
    def situation(self) -> str:
        """Newly detained (this is the first placement of the case) or replaced (a later one)."""
        return NEWLY_DETAINED if self.start_date <= self.initial_start else REPLACED

    @property
    def reference_date(self) -> dt.date:
        """The placement the 15 months count back from: the initial one, or the current one."""
        return self.initial_start if self.situation == NEWLY_DETAINED else self.start_date

    @property
    def location_known(self) -> bool:
        """Whether the feed gave the placement's coordinates (the answer says only this)."""
        return self.latitude is not None and self.longitude is not None


@dataclass(frozen=True)
class Candidate:
    """A school of origin by the policy's definition, with the spans that make it one."""

    cds_code: str
    name: str
    district_name: str
    bases: tuple[str, ...]
    spans: tuple[SpanLike, ...]


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months earlier (the month's last day when it is shorter)."""
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def window(placement: Placement) -> tuple[dt.date, dt.date]:
    """The "immediately preceding 15 months": from 15 months before the reference placement to the day before."""
    reference = placement.reference_date
    return months_before(reference, WINDOW_MONTHS), reference - dt.timedelta(days=1)


def candidates(spans: Iterable[SpanLike], placement: Placement) -> list[Candidate]:
    """The candidate schools of origin, the prior school first, then by latest attendance.

    The prior school is the one attended (newly detained) or enrolled in (replaced) when the
    reference placement began: the latest attended span starting before it. Any other school
    whose attended span overlaps the 15 months before it is a candidate too. Whether the child
    "feels connected" is the CSW's judgement, not the data's.
    """
    reference = placement.reference_date
    first_day, _ = window(placement)
    attended = [s for s in spans if s.enrollment_status in ATTENDED_STATUSES and s.start_date < reference]
    prior = max(attended, key=lambda s: (s.start_date, s.exit_date or dt.date.max), default=None)
    schools: dict[str, list[SpanLike]] = {}
    bases: dict[str, set[str]] = {}
    for span in attended:
        in_window = span.exit_date is None or span.exit_date >= first_day
        is_prior = prior is not None and span.cds_code == prior.cds_code
        if not (in_window or is_prior):
            continue
        schools.setdefault(span.cds_code, []).append(span)
        found = bases.setdefault(span.cds_code, set())
        if is_prior:
            found.add(PRIOR_SCHOOL)
        if in_window:
            found.add(WITHIN_15_MONTHS)
    result = []
    for cds_code, found_spans in schools.items():
        found_spans.sort(key=lambda s: s.start_date, reverse=True)
        first = found_spans[0]
        result.append(Candidate(cds_code, first.name, first.district_name,
                                tuple(b for b in (PRIOR_SCHOOL, WITHIN_15_MONTHS) if b in bases[cds_code]),
                                tuple(found_spans)))
    result.sort(key=lambda c: (PRIOR_SCHOOL not in c.bases, -c.spans[0].start_date.toordinal()))
    return result


@dataclass(frozen=True)
class Distance:
    """A one-way distance, where it came from, and why there is none when there is none."""

    miles: Decimal | None
    source: str | None
    reason: str | None = None

    @property
    def estimate(self) -> bool:
        """A straight-line figure is an estimate; the policy asks for a mapping service's mileage."""
        return self.source == STRAIGHT_LINE


def _haversine_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> Decimal:
    """Great-circle distance in miles between two points, to 2 decimals (private: only whole miles leave)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    miles = 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(a)))
    return Decimal(repr(miles)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def one_way_distance(mileage: Decimal | None, placement: Placement | None,
                     school_latitude: float | None, school_longitude: float | None, *,
                     estimate: bool = True) -> Distance:
    """The mapping service's mileage when given; else a straight-line estimate (whole miles); else none, and why.

    The estimate is rounded by the policy's rule (:func:`rates.round_miles`) here, before it
    leaves: nothing downstream ever holds the finer figure. ``estimate=False`` (a travel plan)
    gives no estimate at all, only the mapped mileage or none.
    """
    if mileage is not None:
        return Distance(mileage, MAPPING_SERVICE)
    if not estimate:
        return Distance(None, None, NEEDS_MAPPED_MILEAGE)
    if placement is None or not placement.location_known:
        return Distance(None, None, NO_PLACEMENT_LOCATION)
    if school_latitude is None or school_longitude is None:
        return Distance(None, None, NO_SCHOOL_LOCATION)
    crow = _haversine_miles(placement.latitude, placement.longitude, school_latitude, school_longitude)
    return Distance(Decimal(round_miles(crow)), STRAIGHT_LINE)


def effective_start(placement_start: dt.date) -> dt.date:
    """The ETR's effective start: January 1, 2010 or the first date of placement, whichever is later."""
    return max(RETROACTIVE_FLOOR, placement_start)
