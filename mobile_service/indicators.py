"""Team indicators (issue 16): shares of a caseload by the education rules, and the county baseline.

The indicators are data (``INDICATORS``): each says, from one student's facts as of a day,
whether the student is in its denominator and in its numerator. A team, a worker, the pilot
cohort and the county's active foster youth are the same computation over different populations.
Counts only leave this module: no student identifier, name or record.

REL West's logic model (seed rel-west-partnership-logic-model.txt) is the reference: "42 percent
of students in foster care changed schools at least once during the school year ... and 29
percent were chronically absent".
"""
from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Row, bindparam, select

from mobile_service import education
from mobile_service.education.attendance import CHRONIC_MIN_DAYS_EXPECTED
from mobile_service.education.enrollment import academic_year_start
from mobile_service.extensions import db
from mobile_service.models import (
    FOSTER_ACTIVE,
    AttendanceSummary,
    Enrollment,
    ProgressMark,
    ProgressReport,
    Student,
)
from mobile_service.travel.coverage import school_of_origin_coverage

REL_WEST = "REL West, Measuring and Improving the Education Outcomes of K-12 Students in Foster Care in Los Angeles County"


@dataclass
class Facts:
    """What the indicators read of one student: spans, this year's attendance and progress reports."""

    spans: list[Row] = field(default_factory=list)
    attendance: list[Row] = field(default_factory=list)  # this school year's rows (year-to-date summaries)
    reports: dict[int, tuple[dt.date, list[str]]] = field(default_factory=dict)  # this year's: id -> (date, marks)
    extra: dict[str, Any] = field(default_factory=dict)  # per-indicator facts from ``Indicator.load``


# A measure: (in the denominator, in the numerator) for one student as of a day, or None when the
# data cannot say as of that day (then the month's figure is null, never a guess). It must accept
# an empty ``Facts()`` (a student with no records; also how an empty population is measured).
Measure = Callable[[Facts, dt.date, dt.date], tuple[bool, bool] | None]


@dataclass(frozen=True)
class Indicator:
    """One share: its key, what it counts, the rule, and REL West's figure where there is one."""

    key: str
    label: str
    definition: str
    measure: Measure
    reference_share: Decimal | None = None
    # Extra facts the measure needs (student ids, today) -> {student id: value}, in Facts.extra[key].
    load: Callable[[list[int], dt.date], dict[int, Any]] | None = None


def _school_change(facts: Facts, day: dt.date, today: dt.date) -> tuple[bool, bool]:
    # Denominator: enrolled (primary) at some school this school year by ``day``.
    figures = education.mobility(facts.spans, day)
    return figures.schools_this_year > 0, figures.school_changes_this_year > 0


def _chronic_absence(facts: Facts, day: dt.date, today: dt.date) -> tuple[bool, bool] | None:
    if day != today:
        return None  # the feed keeps year-to-date totals only: no figure as of an earlier day
    # Students enrolled at a school for 30 days or less are left out (Guide 2.1.6, the Dashboard rule).
    counted = any((row.days_expected or 0) > CHRONIC_MIN_DAYS_EXPECTED for row in facts.attendance)
    present = education.year_attendance(facts.attendance)
    return counted, bool(counted and present is not None and present.chronically_absent)


def _failing_marks(facts: Facts, day: dt.date, today: dt.date) -> tuple[bool, bool]:
    reports = [(date, report_id, marks) for report_id, (date, marks) in facts.reports.items() if date <= day]
    if not reports:
        return False, False
    _, _, marks = max(reports)  # the latest report (date, then id), as the card and the brief pick it
    figures = education.term_marks(marks)
    return figures.graded_count > 0, figures.df_count > 0


def _no_current_enrollment(facts: Facts, day: dt.date, today: dt.date) -> tuple[bool, bool]:
    current = education.current_enrollment(facts.spans, day)
    return True, current is None and not education.awaiting_next_school(facts.spans, day)


def _travel_plan(facts: Facts, day: dt.date, today: dt.date) -> tuple[bool, bool] | None:
    if day != today:
        return None  # the DCFS feed keeps the current placement, not its history: no earlier figure
    has_plan = facts.extra.get("travel_plan")  # absent: no school of origin applies to the student
    return has_plan is not None, bool(has_plan)


def _load_travel_plans(student_ids: list[int], today: dt.date) -> dict[int, bool]:
    """Per student a school of origin applies to today: whether they have an approved, unstopped plan."""
    found = school_of_origin_coverage(student_ids, today)  # three statements whatever the number of ids
    return {sid: sid in found.with_plan_ids for sid in found.applies_ids}


INDICATORS: tuple[Indicator, ...] = (
    Indicator("school_change", "Changed schools this school year",
              "Students with at least one move between schools within this school year (July-June), of those "
              "enrolled this year. Promotions (E230), returns to the same school (E150, E155, a year-end E450), "
              "summer and other short-term stays and a new school in a later year are not moves "
              "(education.enrollment.is_school_change).", _school_change, reference_share=Decimal("0.42")),
    Indicator("chronic_absence", "Chronically absent",
              "Students absent on 10 % or more of their expected days at a school this year, of those enrolled "
              "at a school more than 30 days (CALPADS Data Guide v11.0, 2.1.6). Year to date only: the feed "
              "keeps no daily history, so earlier months are null.", _chronic_absence,
              reference_share=Decimal("0.29")),
    Indicator("failing_marks", "D or F marks in the latest term",
              "Students whose latest progress report this school year has a D or F, of those with a report "
              "with letter marks this year.", _failing_marks),
    Indicator("no_current_enrollment", "No current enrollment",
              "Students with no school-of-record enrollment in force (education.current_enrollment), not "
              "counting a promoted student between schools until Census Day, of all students.",
              _no_current_enrollment),
    Indicator("travel_plan", "Travel plan where a school of origin applies",
              "Students with an approved travel plan that has not stopped (DCFS 0900-520.20; a plan awaiting the "
              "SCSW's approval does not count), of those a school of origin applies to: a placement start date on "
              "their current DCFS case and a current enrollment at a school of origin for that placement (attended "
              "before it, or within the 15 months before it; travel.coverage). Today only: the DCFS feed keeps "
              "the current placement, not its history, so earlier months are null.", _travel_plan,
              load=_load_travel_plans),
    # A further indicator is one more entry here: an ``Indicator`` whose measure reads only ``Facts``
    # (and, with a ``load``, its own ``facts.extra[key]``) and accepts an empty ``Facts()``.
)

Counts = dict[str, list[int]]  # indicator key -> [numerator, denominator]


def share(numerator: int, denominator: int) -> Decimal | None:
    """numerator / denominator, 0..1 to 4 places; None without a denominator."""
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def months(today: dt.date) -> list[dt.date]:
    """The days the monthly trend is measured on: each month end of this school year, then today."""
    day, found = dt.date(academic_year_start(today), 7, 1), []
    while True:
        following = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
        end = following - dt.timedelta(days=1)
        if end >= today:
            found.append(today)
            return found
        found.append(end)
        day = following


_IDS = bindparam("student_ids", expanding=True)
_SPANS = select(Enrollment.student_id, Enrollment.school_id, Enrollment.enrollment_status,
                Enrollment.exit_reason_code, Enrollment.grade_level, Enrollment.start_date,
                Enrollment.exit_date).where(Enrollment.student_id.in_(_IDS))
_ATTENDANCE = (select(AttendanceSummary.student_id, AttendanceSummary.days_expected, AttendanceSummary.days_attended,
                      AttendanceSummary.days_absent_excused, AttendanceSummary.days_absent_unexcused,
                      AttendanceSummary.days_suspended_out, AttendanceSummary.days_incomplete_study)
               .where(AttendanceSummary.student_id.in_(_IDS), AttendanceSummary.academic_year == bindparam("year")))
_MARKS = (select(ProgressReport.student_id, ProgressReport.id, ProgressReport.report_date, ProgressMark.mark)
          .outerjoin(ProgressMark, ProgressMark.progress_report_id == ProgressReport.id)
          .where(ProgressReport.student_id.in_(_IDS), ProgressReport.academic_year == bindparam("year")))


def load_facts(student_ids: Sequence[int], today: dt.date,
               indicators: Sequence[Indicator] = INDICATORS) -> dict[int, Facts]:
    """The facts of each student: three statements, plus each ``load``'s own (the travel plans': three)."""
    ids = list(student_ids)
    facts = {sid: Facts() for sid in ids}
    if not ids:
        return facts
    year = education.academic_year(today)
    for row in db.session.execute(_SPANS, {"student_ids": ids}):
        facts[row.student_id].spans.append(row)
    for row in db.session.execute(_ATTENDANCE, {"student_ids": ids, "year": year}):
        facts[row.student_id].attendance.append(row)
    for row in db.session.execute(_MARKS, {"student_ids": ids, "year": year}):
        _, marks = facts[row.student_id].reports.setdefault(row.id, (row.report_date, []))
        if row.mark is not None:
            marks.append(row.mark)
    for indicator in indicators:
        if indicator.load is not None:
            for sid, value in indicator.load(ids, today).items():
                facts[sid].extra[indicator.key] = value
    return facts


def measure(facts: Facts, day: dt.date, today: dt.date,
            indicators: Sequence[Indicator] = INDICATORS) -> dict[str, tuple[bool, bool] | None]:
    """Every indicator of one student as of ``day``."""
    return {indicator.key: indicator.measure(facts, day, today) for indicator in indicators}


def tally(results: Iterable[dict[str, tuple[bool, bool] | None]],
          indicators: Sequence[Indicator] = INDICATORS) -> dict[str, list[int] | None]:
    """Sum per-student results into [numerator, denominator] per indicator (None: not measurable)."""
    totals: dict[str, list[int] | None] = {indicator.key: None for indicator in indicators}
    for result in results:
        for key, value in result.items():
            if value is None:
                continue
            counted, hit = value
            pair = totals[key] if totals[key] is not None else [0, 0]
            pair[1] += counted
            pair[0] += counted and hit
            totals[key] = pair
    return totals


@dataclass
class Population:
    """Per-student results of one population, on each trend day: aggregate any subset of it."""

    today: dt.date
    days: list[dt.date]
    results: dict[int, dict[dt.date, dict[str, tuple[bool, bool] | None]]]

    def counts(self, student_ids: Iterable[int], day: dt.date | None = None) -> dict[str, list[int] | None]:
        """[numerator, denominator] per indicator over ``student_ids`` as of ``day`` (default today)."""
        day = self.today if day is None else day
        ids = list(student_ids)
        if not ids:
            return {indicator.key: [0, 0] if indicator.measure(Facts(), day, self.today) is not None else None
                    for indicator in INDICATORS}
        return tally(self.results[sid][day] for sid in ids)


def evaluate(student_ids: Iterable[int], today: dt.date, *, trend: bool = True) -> Population:
    """Measure every indicator of each student today, and on each month end of the year if ``trend``."""
    ids = sorted(set(student_ids))
    days = months(today) if trend else [today]
    facts = load_facts(ids, today)
    results = {sid: {day: measure(facts[sid], day, today) for day in days} for sid in ids}
    return Population(today=today, days=days, results=results)


# --- the county baseline ------------------------------------------------------------------------------

BASELINE_CHUNK = 5_000  # students per round of statements: bounded memory at county scale


def county_counts(today: dt.date) -> tuple[int, dict[str, list[int] | None]]:
    """The indicators over every active foster youth as of ``today`` (the same rules, in chunks)."""
    ids = list(db.session.execute(select(Student.id).where(Student.foster_status == FOSTER_ACTIVE)
                                  .order_by(Student.id)).scalars())
    totals: dict[str, list[int] | None] = {indicator.key: None for indicator in INDICATORS}
    for start in range(0, len(ids), BASELINE_CHUNK):
        chunk = ids[start:start + BASELINE_CHUNK]
        facts = load_facts(chunk, today)
        part = tally(measure(facts[sid], today, today) for sid in chunk)
        for key, pair in part.items():
            if pair is not None:
                base = totals[key] or [0, 0]
                totals[key] = [base[0] + pair[0], base[1] + pair[1]]
    return len(ids), totals


def data_stamp(stamps: dict[str, dt.datetime | None]) -> str:
    """A hash of the freshness stamps and the indicator keys: what a stored baseline is valid for."""
    text = "|".join(f"{source}={value.isoformat() if value else '-'}" for source, value in sorted(stamps.items()))
    text += "|" + ",".join(indicator.key for indicator in INDICATORS)
    return hashlib.sha256(text.encode()).hexdigest()


def reference(indicator: Indicator) -> dict[str, Any] | None:
    """REL West's published share for the indicator, with its source, or None."""
    if indicator.reference_share is None:
        return None
    return {"share": indicator.reference_share, "source": REL_WEST}


def by_key(counts: dict[str, list[int] | None]) -> list[dict[str, Any]]:
    """The figures of one population in ``INDICATORS`` order: numerator, denominator, share."""
    out = []
    for indicator in INDICATORS:
        pair = counts.get(indicator.key)
        out.append({"indicator": indicator.key,
                    "numerator": pair[0] if pair else None, "denominator": pair[1] if pair else None,
                    "share": share(pair[0], pair[1]) if pair else None})
    return out


def definitions() -> list[dict[str, Any]]:
    """The indicator definitions, for the response and the dashboard."""
    return [{"indicator": i.key, "label": i.label, "definition": i.definition, "reference": reference(i)}
            for i in INDICATORS]


def group_ids(members: dict[int, Iterable[int]]) -> tuple[dict[int, list[int]], list[int]]:
    """Each worker's student ids and the team's (each student once)."""
    per_worker = {worker: sorted(set(ids)) for worker, ids in members.items()}
    team: set[int] = set()
    for ids in per_worker.values():
        team |= set(ids)
    return per_worker, sorted(team)


__all__ = ["INDICATORS", "Facts", "Indicator", "Population", "by_key", "county_counts", "data_stamp",
           "definitions", "evaluate", "group_ids", "months", "reference", "share", "tally"]

