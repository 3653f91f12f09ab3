"""Placements of the DCFS feed (school-of-origin travel plans): where and since when each child lives.

A pure function of the student's SSID and school spans (a CRC, not the generator's random
stream), so adding placements left every other generated value as it was. Open cases of active
foster youth get a placement; most children stay in the school they attended when placed (their
school of origin), some placements are far, some near, a few have no location in the feed.
The demo caseload has fixed placements showing each eligibility outcome (``DEMO_PLACEMENTS``).
"""
from __future__ import annotations

import datetime as dt
import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

TYPES = ("RFA", "REL", "FFH", "FFA", "NREFM", "SFH", "STRTP", "GROUP")
TYPE_CUM = (0.34, 0.58, 0.70, 0.82, 0.88, 0.91, 0.97, 1.0)
MILES_PER_DEGREE_LAT = 69.0


@dataclass(frozen=True)
class PlacementSpec:
    """A fixed placement: type, straight-line miles from the school (None: no location), days ago, earlier start."""

    placement_type: str
    miles: float | None
    days_ago: int
    initial_days_ago: int | None = None  # an earlier placement of the same case (a replaced child)


# Demo students (tools/seed/demo.py keys) -> their placement, one per checklist outcome:
DEMO_PLACEMENTS = {
    "steady": PlacementSpec("RFA", 9.6, 60, initial_days_ago=420),  # replaced; eligible (plan approved)
    "chronic_absence": PlacementSpec("FFA", 5.2, 45),  # eligible, paid through the FFA (plan awaiting the SCSW)
    "failing_marks": PlacementSpec("REL", 1.8, 50),  # fails: not more than 3.49 miles
    "homeless": PlacementSpec("STRTP", 7.5, 40),  # fails: placement type not on the policy's list
    "grade_change": PlacementSpec("FFH", None, 30),  # no location in the feed: no estimate, with the reason
    "twin_1": PlacementSpec("NREFM", 11.0, 55),  # draft: the IEP includes transportation (fails)
    "twin_2": PlacementSpec("NREFM", 11.0, 55),  # draft: temporarily absent (fails)
    "kindergarten": PlacementSpec("REL", 6.4, 35),  # eligible at 5; no plan yet
}
TODDLER_PLACEMENT = PlacementSpec("FFH", 4.8, 35)  # the demo TK-age child (4): fails school-aged


def _unit(ssid: str, salt: str) -> float:
    return zlib.crc32(f"{salt}:{ssid}".encode()) / 2**32


def _offset(latitude: float, longitude: float, miles: float, bearing: float) -> tuple[float, float]:
    """A point ``miles`` away in direction ``bearing`` (radians), flat-earth (fine at county scale)."""
    dlat = miles * math.cos(bearing) / MILES_PER_DEGREE_LAT
    dlon = miles * math.sin(bearing) / (MILES_PER_DEGREE_LAT * math.cos(math.radians(latitude)))
    return round(latitude + dlat, 6), round(longitude + dlon, 6)


def _school_now(spans: Sequence, today: dt.date):
    started = [s for s in spans if s.start <= today and s.status == "10"]
    return max(started, key=lambda s: s.start).school if started else None


def generated(ssid: str, case_start: dt.date, spans: Sequence, today: dt.date) -> tuple | None:
    """(start, type, latitude, longitude) of an active child's open case, from the SSID; None for some."""
    school = _school_now(spans, today)
    if school is None or _unit(ssid, "placed") < 0.1:
        return None
    days = int(_unit(ssid, "days") * 300)
    start = max(case_start, today - dt.timedelta(days=days))
    roll = _unit(ssid, "type")
    kind = next(t for t, c in zip(TYPES, TYPE_CUM, strict=True) if roll <= c)
    if _unit(ssid, "located") < 0.08:
        return start, kind, None, None
    miles = 0.5 + _unit(ssid, "miles") ** 1.6 * 28
    latitude, longitude = _offset(school.latitude, school.longitude, miles, _unit(ssid, "bearing") * 2 * math.pi)
    return start, kind, latitude, longitude


def fixed(spec: PlacementSpec, ssid: str, spans: Sequence, today: dt.date) -> tuple:
    """(start, type, latitude, longitude) of a demo placement, measured from the child's current school."""
    start = today - dt.timedelta(days=spec.days_ago)
    school = _school_now(spans, today)
    if spec.miles is None or school is None:
        return start, spec.placement_type, None, None
    return (start, spec.placement_type,
            *_offset(school.latitude, school.longitude, spec.miles, _unit(ssid, "bearing") * 2 * math.pi))


def csv_values(placement: tuple | None) -> tuple[str, str, str, str]:
    """The four placement columns of a dcfs-cases row."""
    if placement is None:
        return "", "", "", ""
    start, kind, latitude, longitude = placement
    return (start.isoformat(), kind, "" if latitude is None else f"{latitude:.6f}",
            "" if longitude is None else f"{longitude:.6f}")
