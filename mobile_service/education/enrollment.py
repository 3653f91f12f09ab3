"""Where a student is enrolled and how often they changed school: pure functions, no clock.

Callers pass ``today`` (``clock.today()``). Each rule names the passage of the CALPADS Data Guide
v11.0 it follows; the codes' meanings are data in ``codes.py``.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from mobile_service.education import codes

# "Enrollment updates should be submitted ... generally within 14 days of students' actual
# start and exit dates" (Guide 2.1.1, p. 37): how long an E150 split may wait for its next record.
UPDATE_GRACE_DAYS = 14
RECENT_CHANGE_DAYS = 30
LAST_GRADE = "12"  # an E230 here is a graduation, not a promotion to another school


class EnrollmentLike(Protocol):
    school_id: int
    enrollment_status: str
    grade_level: str
    start_date: dt.date
    exit_date: dt.date | None
    exit_reason_code: str | None


def academic_year_start(day: dt.date) -> int:
    """The calendar year in which the academic year containing ``day`` began.

    "Academic year (7/1–6/30)" (Guide 3.1.5, p. 196).
    """
    return day.year if day.month >= 7 else day.year - 1


def academic_year(day: dt.date) -> str:
    """The school year a date falls in, July to June, as ``2026-27``."""
    start = academic_year_start(day)
    return f"{start}-{(start + 1) % 100:02d}"


def census_day(year: int) -> dt.date:
    """Census Day of the school year starting in ``year``: "always the first Wednesday in
    October" (Guide 1.4.5, p. 23), the date the fall enrollment count is certified."""
    first = dt.date(year, 10, 1)
    return first + dt.timedelta(days=(2 - first.weekday()) % 7)


def age(birth_date: dt.date | None, today: dt.date) -> int | None:
    """Whole years since ``birth_date`` (a 29 February birthday counts from 1 March)."""
    if birth_date is None or birth_date > today:
        return None
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


def _kind(span: EnrollmentLike) -> str | None:
    """What the span's exit means, with its valid dates applied (see ``codes.ExitCode``)."""
    code = codes.exit_code(span.exit_reason_code)
    if code is None or span.exit_date is None:
        return None
    if code.valid is not None and not code.valid.contains(span.exit_date):
        # An E155 outside 15 May - 15 Aug (Guide 3.1.8) cannot be a year-end exit: the student
        # left mid-year, and no return is implied.
        return codes.WITHDRAWAL
    if code.break_window is not None and code.break_window.contains(span.exit_date):
        return codes.YEAR_END  # E450 at year end: "a temporary break such as summer vacation"
    return code.kind


def _nullified(span: EnrollmentLike) -> bool:
    code = codes.exit_code(span.exit_reason_code)
    return code is not None and code.kind == codes.NO_SHOW


def _spans(enrollments: Iterable[EnrollmentLike], today: dt.date, statuses: tuple[str, ...]) -> list[EnrollmentLike]:
    found = [e for e in enrollments if e.enrollment_status in statuses and e.start_date <= today and not _nullified(e)]
    return sorted(found, key=lambda e: (e.start_date, e.exit_date or dt.date.max))


def _primary(enrollments: Iterable[EnrollmentLike], today: dt.date) -> list[EnrollmentLike]:
    """Primary enrollments started by ``today``; a nullified (N470) pre-enrollment never happened.

    Secondary and short-term (status 30) enrollments are never the school of record: a summer
    school stay is not a school change (Guide 2.1.1 field 1.23; the status definitions are in the
    Code Sets).
    """
    return _spans(enrollments, today, (codes.PRIMARY,))


def _expected_until(span: EnrollmentLike) -> dt.date | None:
    """Until when a closed primary span still means "this school's student", by its exit meaning."""
    kind = _kind(span)
    if span.exit_date is None:
        return None
    if kind == codes.YEAR_END:
        # Expected back after the summer; "At the beginning of the next school year, LEAs must
        # re-enroll all students" (Guide 2.1.1, p. 37), certified as of Census Day.
        return census_day(span.exit_date.year)
    if kind == codes.UPDATE:
        return span.exit_date + dt.timedelta(days=UPDATE_GRACE_DAYS)
    return None


def current_enrollment(enrollments: Iterable[EnrollmentLike], today: dt.date) -> EnrollmentLike | None:
    """The school-of-record enrollment in force today, following the last exit's meaning.

    Order: an open primary enrollment; else the last primary one while its exit still expects the
    student back (E155 or a year-end E450 until Census Day, an E150 split for 14 days); else an
    open short-term enrollment (a summer-school stay is still an enrollment). A withdrawal
    (E450 mid-year, E140, an E155 outside its window...) or a transfer ends it at once.
    """
    enrollments = list(enrollments)
    primary = _primary(enrollments, today)
    open_now = [e for e in primary if e.exit_date is None or e.exit_date >= today]
    if open_now:
        # Concurrent primary spans are a data anomaly (CCE, Guide 1.2.5): the latest start wins.
        return max(open_now, key=lambda e: e.start_date)
    if primary:
        latest = max(primary, key=lambda e: (e.exit_date or dt.date.min, e.start_date))
        until = _expected_until(latest)
        if until is not None and today <= until:
            return latest
    short = [e for e in _spans(enrollments, today, (codes.SHORT_TERM_STATUS,))
             if e.exit_date is None or e.exit_date >= today]
    return max(short, key=lambda e: e.start_date) if short else None


def awaiting_next_school(enrollments: Iterable[EnrollmentLike], today: dt.date) -> bool:
    """Whether a student with no current enrollment is between schools after a promotion.

    E230 with completion status 480 "Promoted/Matriculated" is required when a student completes
    the school's highest grade (Appendix C, note to E155); over the summer the next school's
    enrollment has not started yet, which is not "no current enrollment". Until Census Day.
    """
    primary = _primary(list(enrollments), today)
    if not primary:
        return False
    latest = max(primary, key=lambda e: (e.exit_date or dt.date.min, e.start_date))
    return (latest.exit_date is not None and latest.exit_date < today and _kind(latest) == codes.COMPLETION
            and codes.YEAR_END_WINDOW.contains(latest.exit_date) and latest.grade_level != LAST_GRADE
            and today <= census_day(latest.exit_date.year))


def is_school_change(previous: EnrollmentLike, following: EnrollmentLike) -> bool:
    """Whether ``following`` (the next primary span) is a move away from ``previous``.

    A school change is a move between schools within a school year (REL West: "changed schools
    at least once during the school year", seed rel-west-partnership-logic-model.txt). Not moves:
    the same school again (E155/E450 year end, E150 split), a completion (E230: "Students
    completing the highest grade offered at the school (LEAs should use Code E230 ...)", Appendix
    C, T160 notes), and a new school in a later school year than the old school's exit date
    ("LEAs must exit all students" at year end, Guide 2.1.1, p. 37; academic year 7/1-6/30).
    """
    if following.school_id == previous.school_id:
        return False
    if _kind(previous) == codes.COMPLETION:
        return False
    left = previous.exit_date or following.start_date  # an open old span overlaps: same year
    return academic_year_start(following.start_date) == academic_year_start(left)


@dataclass(frozen=True)
class Mobility:
    """Where a student is enrolled and how often they changed school this school year."""

    current: EnrollmentLike | None       # the school-of-record enrollment in force today
    current_stay_start: dt.date | None  # start of the continuous stay at the current school
    last_school_change: dt.date | None  # start date at the new school of the latest move
    days_since_school_change: int | None
    school_changes_this_year: int
    schools_this_year: int
    awaiting_next_school: bool          # no current enrollment, but promoted and between schools


def mobility(enrollments: Sequence[EnrollmentLike], today: dt.date) -> Mobility:
    """School changes from the primary enrollment history (see ``is_school_change``)."""
    primary = _primary(enrollments, today)
    moves: list[dt.date] = []
    stay_start: dict[int, dt.date] = {}
    previous: EnrollmentLike | None = None
    for span in primary:
        if previous is None or span.school_id != previous.school_id:
            stay_start[span.school_id] = span.start_date
            if previous is not None and is_school_change(previous, span):
                moves.append(span.start_date)
        previous = span
    current = current_enrollment(enrollments, today)
    stay = None
    if current is not None:  # a short-term stay is its own span, never part of a primary run
        stay = (stay_start.get(current.school_id, current.start_date) if current.enrollment_status == codes.PRIMARY
                else current.start_date)
    last_move = moves[-1] if moves else None
    year = academic_year_start(today)
    year_first = dt.date(year, 7, 1)
    return Mobility(
        current=current,
        current_stay_start=stay,
        last_school_change=last_move,
        days_since_school_change=(today - last_move).days if last_move else None,
        school_changes_this_year=sum(1 for day in moves if academic_year_start(day) == year),
        schools_this_year=len({e.school_id for e in primary if e.exit_date is None or e.exit_date >= year_first}),
        awaiting_next_school=current is None and awaiting_next_school(enrollments, today),
    )


def recent_school_change(figures: Mobility) -> bool:
    """A move in the last 30 days (the ``school_change_30d`` alert)."""
    days = figures.days_since_school_change
    return days is not None and days <= RECENT_CHANGE_DAYS


@dataclass(frozen=True)
class SchoolMove:
    """One school change: the span left and the span of the new school (see ``is_school_change``)."""

    left: EnrollmentLike
    joined: EnrollmentLike

    @property
    def date(self) -> dt.date:
        """The start date at the new school (the date ``mobility`` counts the move on)."""
        return self.joined.start_date


def school_moves_this_year(enrollments: Sequence[EnrollmentLike], today: dt.date) -> list[SchoolMove]:
    """The school changes of the school year containing ``today``, oldest first.

    The same walk as ``mobility`` (its ``school_changes_this_year`` is the length of this list):
    primary spans in start order, a move where the school differs and ``is_school_change`` holds.
    """
    year = academic_year_start(today)
    moves = []
    previous: EnrollmentLike | None = None
    for span in _primary(enrollments, today):
        if previous is not None and span.school_id != previous.school_id and is_school_change(previous, span) \
                and academic_year_start(span.start_date) == year:
            moves.append(SchoolMove(left=previous, joined=span))
        previous = span
    return moves
