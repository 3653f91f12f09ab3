"""Figures derived from education records: pure functions, no database, no clock.

Callers pass ``today`` (from ``clock.today()``) so every figure is reproducible in tests.
Rules follow ../shared/reference/calpads-digest.md: year-end exits (E155/E450) followed by a
return to the same school and E150 grade-change splits are not moves; in-school suspension
counts as attendance; chronic absence is absence on >= 10 % of expected days, only for
students enrolled more than 30 days.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

# Enrollment statuses that make a school the "school of record" (primary, short-term).
SCHOOL_OF_RECORD_STATUSES = ("10", "30")
# A pre-enrollment nullified by a no-show never happened.
NULLIFYING_EXITS = ("N470",)
# Exits after which the student is expected back at the same school (summer break, grade split).
RETURN_EXPECTED_EXITS = {"E155": 100, "E450": 100, "E150": 14}  # code -> days of grace
CHRONIC_ABSENCE_RATE = Decimal("0.10")
CHRONIC_MIN_DAYS_EXPECTED = 30  # enrolled more than 30 days
MOBILITY_WINDOW_DAYS = 365
RECENT_CHANGE_DAYS = 30
GRADE_POINTS = {"A": 4, "B": 3, "C": 2, "D": 1, "F": 0}

ALERT_SCHOOL_CHANGE_30D = "school_change_30d"
ALERT_CHRONIC_ABSENCE = "chronic_absence"
ALERT_NO_CURRENT_ENROLLMENT = "no_current_enrollment"
ALERT_FAILING_MARKS = "failing_marks"
ALERTS = (ALERT_SCHOOL_CHANGE_30D, ALERT_CHRONIC_ABSENCE, ALERT_NO_CURRENT_ENROLLMENT, ALERT_FAILING_MARKS)


def age(birth_date: dt.date | None, today: dt.date) -> int | None:
    """Whole years since ``birth_date`` (a 29 February birthday counts from 1 March)."""
    if birth_date is None or birth_date > today:
        return None
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


def academic_year(day: dt.date) -> str:
    """The school year a date falls in, July to June, as ``2026-27``."""
    start = day.year if day.month >= 7 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


# --- enrollment and mobility --------------------------------------------------------------------

class EnrollmentLike(Protocol):
    school_id: int
    enrollment_status: str
    grade_level: str
    start_date: dt.date
    exit_date: dt.date | None
    exit_reason_code: str | None


@dataclass(frozen=True)
class Mobility:
    """Where a student is enrolled and how often they changed school."""

    current: EnrollmentLike | None       # the school-of-record enrollment in force today
    current_stay_start: dt.date | None  # start of the continuous stay at the current school
    last_school_change: dt.date | None  # start date at the new school of the latest move
    days_since_school_change: int | None
    school_changes_12m: int


def _school_of_record(enrollments: Iterable[EnrollmentLike], today: dt.date) -> list[EnrollmentLike]:
    spans = [e for e in enrollments
             if e.enrollment_status in SCHOOL_OF_RECORD_STATUSES
             and (e.exit_reason_code or "").upper() not in NULLIFYING_EXITS
             and e.start_date <= today]
    return sorted(spans, key=lambda e: (e.start_date, e.exit_date or dt.date.max))


def current_enrollment(enrollments: Iterable[EnrollmentLike], today: dt.date) -> EnrollmentLike | None:
    """The school-of-record enrollment in force today, or within the grace after a year-end exit.

    A student exited E155 in June and expected back in August is still that school's student
    over the summer; an E150 split is followed by a new record within days.
    """
    spans = _school_of_record(enrollments, today)
    open_now = [e for e in spans if e.exit_date is None or e.exit_date >= today]
    if open_now:
        # Concurrent school-of-record spans are a data anomaly: the latest start wins.
        return max(open_now, key=lambda e: (e.start_date, e.enrollment_status == "10"))
    if not spans:
        return None
    latest = max(spans, key=lambda e: (e.exit_date or dt.date.min, e.start_date))
    grace = RETURN_EXPECTED_EXITS.get((latest.exit_reason_code or "").upper())
    if grace is not None and latest.exit_date is not None and (today - latest.exit_date).days <= grace:
        return latest
    return None


def mobility(enrollments: Sequence[EnrollmentLike], today: dt.date) -> Mobility:
    """School changes from enrollment history: a new primary/short-term span at another school.

    Re-enrolling at the same school (after E155/E450 at year end, an E150 grade split or any
    gap) is not a move; the first enrollment on record is not a move either (no known origin).
    Secondary and other concurrent enrollments never count.
    """
    spans = _school_of_record(enrollments, today)
    moves: list[dt.date] = []
    previous_school: int | None = None
    stay_start: dict[int, dt.date] = {}
    for span in spans:
        if previous_school is None or span.school_id != previous_school:
            if previous_school is not None:
                moves.append(span.start_date)
            stay_start[span.school_id] = span.start_date
        previous_school = span.school_id
    current = current_enrollment(enrollments, today)
    last_move = moves[-1] if moves else None
    window_start = today - dt.timedelta(days=MOBILITY_WINDOW_DAYS)
    return Mobility(
        current=current,
        current_stay_start=stay_start.get(current.school_id) if current is not None else None,
        last_school_change=last_move,
        days_since_school_change=(today - last_move).days if last_move else None,
        school_changes_12m=sum(1 for day in moves if day > window_start),
    )


# --- attendance ---------------------------------------------------------------------------------

class AttendanceLike(Protocol):
    days_expected: int
    days_attended: int
    days_absent_excused: int
    days_absent_unexcused: int
    days_suspended_out: int
    days_suspended_in: int
    days_incomplete_study: int


@dataclass(frozen=True)
class Attendance:
    """Attendance figures for one span (a school and year, or a whole year)."""

    days_expected: int
    days_attended: int
    days_absent: int
    attendance_rate: Decimal | None  # days attended / days expected, 4 places
    absence_rate: Decimal | None     # days absent / days expected, 4 places
    chronic_absence: bool


def _ratio(numerator: int, denominator: int) -> Decimal | None:
    if denominator <= 0:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def attendance(rows: Iterable[AttendanceLike]) -> Attendance | None:
    """Sum attendance rows (e.g. every school of a year) and derive rate, absences, chronic flag.

    Days absent = excused + unexcused + out-of-school suspension + incomplete independent study;
    in-school suspension days are days attended. Chronic absence needs more than 30 expected days.
    """
    rows = list(rows)
    if not rows:
        return None
    expected = sum(r.days_expected or 0 for r in rows)
    attended = sum(r.days_attended or 0 for r in rows)
    absent = sum((r.days_absent_excused or 0) + (r.days_absent_unexcused or 0)
                 + (r.days_suspended_out or 0) + (r.days_incomplete_study or 0) for r in rows)
    chronic = expected > CHRONIC_MIN_DAYS_EXPECTED and Decimal(absent) >= CHRONIC_ABSENCE_RATE * expected
    return Attendance(days_expected=expected, days_attended=attended, days_absent=absent,
                      attendance_rate=_ratio(attended, expected), absence_rate=_ratio(absent, expected),
                      chronic_absence=chronic)


# --- marks --------------------------------------------------------------------------------------

def mark_points(mark: str | None) -> int | None:
    """Grade points of a letter mark (A=4 .. F=0, +/- ignored); None for P/NP/I/W/CR/NC and others."""
    text = (mark or "").strip().upper()
    if not text or text[0] not in GRADE_POINTS or text[1:] not in ("", "+", "-"):
        return None
    return GRADE_POINTS[text[0]]


def is_d_or_f(mark: str | None) -> bool:
    """Whether a mark is a D or an F (with or without +/-)."""
    points = mark_points(mark)
    return points is not None and points <= 1


@dataclass(frozen=True)
class Marks:
    """Term figures of one progress report."""

    gpa: Decimal | None  # unweighted mean of letter marks, 2 places; None without letter marks
    graded_count: int
    d_f_count: int


def term_marks(marks: Iterable[str | None]) -> Marks:
    """GPA and D/F count of a term's marks; non-letter marks are left out of the GPA."""
    points = [p for p in (mark_points(m) for m in marks) if p is not None]
    gpa = None
    if points:
        gpa = (Decimal(sum(points)) / Decimal(len(points))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return Marks(gpa=gpa, graded_count=len(points), d_f_count=sum(1 for p in points if p <= 1))


# --- alerts -------------------------------------------------------------------------------------

def alerts(*, mobility_figures: Mobility, attendance_figures: Attendance | None,
           marks_figures: Marks | None) -> list[str]:
    """Caseload alerts, in a stable order (see ``ALERTS``)."""
    found = []
    days = mobility_figures.days_since_school_change
    if days is not None and days <= RECENT_CHANGE_DAYS:
        found.append(ALERT_SCHOOL_CHANGE_30D)
    if attendance_figures is not None and attendance_figures.chronic_absence:
        found.append(ALERT_CHRONIC_ABSENCE)
    if mobility_figures.current is None:
        found.append(ALERT_NO_CURRENT_ENROLLMENT)
    if marks_figures is not None and marks_figures.d_f_count > 0:
        found.append(ALERT_FAILING_MARKS)
    return found


# --- added for the student enrollment tab (part B: api/students) --------------------------------

def schools_in_year(enrollments: Iterable[EnrollmentLike], today: dt.date) -> int:
    """Distinct schools of record attended in the school year containing ``today`` (July-June)."""
    year_start = dt.date(today.year if today.month >= 7 else today.year - 1, 7, 1)
    return len({e.school_id for e in _school_of_record(enrollments, today)
                if e.exit_date is None or e.exit_date >= year_start})
