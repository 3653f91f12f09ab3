"""Attendance figures from STAS-style summaries (one row per student, school and year).

Field meanings follow the CALPADS Data Guide v11.0, 2.1.6 Student Absence Summary (p. 75), and
the feed contract in docs/data-formats.md ("Attendance feed contract"):
- 13.16 Days Attended: "any day a student attended for all or part of a school day. This does
  not include days a student is not in the regular classroom for the entire day due to an
  out-of-school or incomplete independent study days". In-school suspension days are days
  attended: 13.18 counts the days "the student was in attendance but absent from the regular
  classroom ... due to ... an in-school suspension". So the rate is attended / expected, and
  in-school suspension is neither added nor subtracted.
- Days absent = OSS (13.17) + excused (13.19) + unexcused (13.20) + incomplete independent
  study (13.21): the guide's non-attendance categories, each "collected in separate data elements".
- Chronically absent: "students who are absent 10 percent or more of the scheduled days" (2.1.6,
  Report 14.1), applied per school: the Dashboard indicator "does not include students enrolled at
  a school for 30 days or less" (2.1.6). Expected attendance days (13.15) measure the enrollment.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

CHRONIC_ABSENCE_RATE = Decimal("0.10")
CHRONIC_MIN_DAYS_EXPECTED = 30  # counted only when enrolled at the school more than 30 days


class AttendanceLike(Protocol):
    days_expected: int
    days_attended: int
    days_absent_excused: int
    days_absent_unexcused: int
    days_suspended_out: int
    days_incomplete_study: int


@dataclass(frozen=True)
class Attendance:
    """Attendance figures of one school and year, or of a year over its schools."""

    days_expected: int
    days_attended: int
    days_absent: int
    attendance_rate: Decimal | None  # days attended / days expected, 0..1, 4 places
    absence_rate: Decimal | None     # days absent / days expected, 0..1, 4 places
    chronically_absent: bool


def _ratio(numerator: int, denominator: int) -> Decimal | None:
    if denominator <= 0:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def days_absent(row: AttendanceLike) -> int:
    """OSS + excused + unexcused + incomplete independent study days (in-school suspension is attendance)."""
    return ((row.days_absent_excused or 0) + (row.days_absent_unexcused or 0) + (row.days_suspended_out or 0)
            + (row.days_incomplete_study or 0))


def chronically_absent_at_school(row: AttendanceLike) -> bool:
    """Absent on >= 10 % of expected days at this school, enrolled there more than 30 days."""
    expected = row.days_expected or 0
    return expected > CHRONIC_MIN_DAYS_EXPECTED and Decimal(days_absent(row)) >= CHRONIC_ABSENCE_RATE * expected


def school_attendance(row: AttendanceLike) -> Attendance:
    """The figures of one school and year (one row of the attendance tab)."""
    expected, attended, absent = row.days_expected or 0, row.days_attended or 0, days_absent(row)
    return Attendance(days_expected=expected, days_attended=attended, days_absent=absent,
                      attendance_rate=_ratio(attended, expected), absence_rate=_ratio(absent, expected),
                      chronically_absent=chronically_absent_at_school(row))


def year_attendance(rows: Iterable[AttendanceLike]) -> Attendance | None:
    """A year's figures over its schools (the caseload card): days summed, the chronic flag per school.

    Chronically absent when chronically absent at any one school of the year, so a short stay
    (30 days or less) never makes the flag, as on the attendance tab.
    """
    figures = [school_attendance(row) for row in rows]
    if not figures:
        return None
    expected = sum(f.days_expected for f in figures)
    attended = sum(f.days_attended for f in figures)
    absent = sum(f.days_absent for f in figures)
    return Attendance(days_expected=expected, days_attended=attended, days_absent=absent,
                      attendance_rate=_ratio(attended, expected), absence_rate=_ratio(absent, expected),
                      chronically_absent=any(f.chronically_absent for f in figures))


RECENT_SCHOOL_DAYS = 30


def recent_attendance(current_school_row: AttendanceLike | None) -> Attendance | None:
    """Attendance over the last school days (at most 30), where the summaries allow it; else None.

    The feed carries one aggregate row per student and school enrollment for the year (STAS,
    Guide 2.1.6; docs/data-formats.md "Attendance feed contract"), not days. Only the current school's row of a stay of 30 expected days
    or fewer covers the most recent school days, exactly those; a longer stay mixes older days in,
    so no 30-day figure is made up from it. The chronic flag stays a year figure (> 30 days).
    """
    if current_school_row is None or not 0 < (current_school_row.days_expected or 0) <= RECENT_SCHOOL_DAYS:
        return None
    figures = school_attendance(current_school_row)
    return Attendance(days_expected=figures.days_expected, days_attended=figures.days_attended,
                      days_absent=figures.days_absent, attendance_rate=figures.attendance_rate,
                      absence_rate=figures.absence_rate, chronically_absent=False)
