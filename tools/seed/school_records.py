"""A student's education record as CSV rows: enrollments, attendance summaries, progress marks.

Two academic years: the previous one (complete) and the current one (up to today). Every year
ends with an exit on the last day of school (E155 when the child comes back to the same school,
sometimes E450 in grades K-6; E230 when they finish its highest grade, then a new school at the
next level) and a fall re-enrollment in the next grade. Mid-year moves are a T160 exit (E450 in
some K-6 schools: "may be used for all ... K-6 exits", Guide Appendix C) plus a new school the
next school day; E150 splits change the grade. Some children attend a summer session: a
short-term (status 30) enrollment exited E490, which is neither a move nor the school of record.
Some no-shows keep the school's pre-enrollment for the new year: exited N470, or left open in
week 1 and deleted at the source before week 2 (``seed/weekly.py``); they have no attendance.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from tools.seed.calendar import SchoolYear, next_school_day, weekday_on_or_before
from tools.seed.places import DISTRICTS, HIGH, School, level_of
from tools.seed.rand import SeedRandom, cumulative
from tools.seed.student_plans import DISTRICT_CUM, Plan

MARK_WEIGHTS = {  # cumulative weights of A, B, C, D, F by the student's ability
    "strong": cumulative((0.50, 0.35, 0.12, 0.03, 0.00)),
    "average": cumulative((0.20, 0.35, 0.30, 0.10, 0.05)),
    "struggling": cumulative((0.05, 0.15, 0.30, 0.25, 0.25)),
}
LETTERS = ("A", "B", "C", "D", "F")
ELEMENTARY_COURSES = (("ELA", "English Language Arts"), ("MATH", "Mathematics"), ("SCI", "Science"),
                      ("HSS", "History-Social Science"), ("PE", "Physical Education"), ("ART", "Visual Arts"),
                      ("ELD", "English Language Development"))
MIDDLE_CORE = {6: (("ENG6", "English 6"), ("MATH6", "Math 6"), ("SCI6", "Science 6"), ("HIST6", "Ancient Civilizations")),
               7: (("ENG7", "English 7"), ("MATH7", "Math 7"), ("SCI7", "Life Science"), ("HIST7", "Medieval World History")),
               8: (("ENG8", "English 8"), ("MATH8", "Pre-Algebra"), ("SCI8", "Physical Science"), ("HIST8", "U.S. History 8"))}
HIGH_CORE = {9: (("ENG9", "English 9"), ("ALG1", "Algebra 1"), ("BIO", "Biology"), ("HLTH", "Health")),
             10: (("ENG10", "English 10"), ("GEOM", "Geometry"), ("CHEM", "Chemistry"), ("WHIST", "World History")),
             11: (("ENG11", "English 11"), ("ALG2", "Algebra 2"), ("PHYS", "Physics"), ("USHIST", "U.S. History")),
             12: (("ERWC", "Expository Reading and Writing"), ("STATS", "Statistics"), ("GOVT", "American Government"),
                  ("ECON", "Economics"))}
ELECTIVES = (("PE", "Physical Education"), ("SPAN1", "Spanish 1"), ("SPAN2", "Spanish 2"), ("ART1", "Art 1"),
             ("MUSIC", "Band"), ("CS", "Computer Science Principles"), ("CERAM", "Ceramics"),
             ("DRAMA", "Theatre Arts"), ("AVID", "AVID"), ("AUTO", "Automotive Technology"))
MIDDLE_ELECTIVES = (("PE", "Physical Education"), ("ART", "Art"), ("MUSIC", "Band"), ("SPAN", "Spanish"),
                    ("CODE", "Coding"), ("AVID", "AVID"))
SEMESTER_CREDITS = "5.00"
K6_LAST = 6  # E450 "may be used for all infants, toddlers, pre-K, K-6 exits" (Guide Appendix C)
SUMMER_WEEKS = 4


@dataclass
class Span:
    """One enrollment: school, year, grade index, start, exit date and reason."""

    year: SchoolYear
    school: School
    grade: int
    start: dt.date
    exit: dt.date | None = None
    reason: str | None = None
    status: str = "10"  # CALPADS enrollment status: 10 primary, 30 short-term (summer session)
    pre_enrollment: str | None = None  # a no-show's pre-enrollment (never attended): see Plan


class RecordBuilder:
    """Turns a :class:`Plan` into CSV rows for the previous and current academic years."""

    def __init__(self, rng: SeedRandom, schools: list[School], today: dt.date) -> None:
        self.rng, self.today = rng, today
        from tools.seed.calendar import year_start_for

        start = year_start_for(today)
        self.prev, self.cur = SchoolYear.of(start - 1), SchoolYear.of(start)
        self.by_level: dict[str, list[School]] = {}
        self.by_district_level: dict[tuple[str, str], list[School]] = {}
        for school in schools:
            self.by_level.setdefault(school.level, []).append(school)
            self.by_district_level.setdefault((school.district.cd_code, school.level), []).append(school)
        self.in_session = today >= self.cur.first_day
        # Attendance is reported as of the last Friday before today (weekly district feeds).
        self.cur_as_of = min(weekday_on_or_before(today - dt.timedelta(days=1), 4), self.cur.last_day)

    # -- schools -----------------------------------------------------------------------------
    def pick_school(self, level: str, district, avoid: School | None = None) -> School:
        """A school of ``level`` in ``district`` (any district when it has none), not ``avoid``."""
        rng = self.rng
        pool = self.by_district_level.get((district.cd_code, level)) or self.by_level[level]
        for _ in range(4):
            school = rng.choice(pool)
            if school is not avoid:
                return school
        pool = self.by_level[level]
        return rng.choice(pool) if len(pool) > 1 or pool[0] is not avoid else pool[0]

    def moved_school(self, level: str, plan: Plan, current: School) -> School:
        """Where a move lands: mostly the same district, sometimes anywhere in the county."""
        district = plan.district if self.rng.random() < 0.7 else self.rng.weighted(DISTRICTS, DISTRICT_CUM)
        return self.pick_school(level, district, avoid=current)

    # -- enrollments -------------------------------------------------------------------------
    def _year_spans(self, plan: Plan, year: SchoolYear, grade: int, school: School, moves: int,
                    last_day: dt.date, split: bool, move_dates: list[dt.date] | None = None) -> list[Span]:
        """Spans of one year from the first day up to ``last_day`` (open at the end)."""
        rng = self.rng
        spans = [Span(year, school, grade, year.first_day)]
        length = (last_day - year.first_day).days
        if split and grade >= 1 and length > 40:
            when = year.first_day + dt.timedelta(days=int(length * rng.uniform(0.1, 0.3)))
            when = weekday_on_or_before(when, 4)
            spans[0].grade, spans[0].exit, spans[0].reason = grade - 1, when, "E150"
            spans.append(Span(year, school, grade, when + dt.timedelta(days=1)))
        if move_dates is None:
            move_dates = []
            if length > 30:
                low = max(spans[-1].start, year.first_day + dt.timedelta(days=10))
                for _ in range(moves):
                    offset = rng.randrange(max(1, (last_day - low).days - 5))
                    move_dates.append(weekday_on_or_before(low + dt.timedelta(days=offset), 4))
        for when in sorted(move_dates):
            current = spans[-1]
            if when < current.start or next_school_day(when) > last_day:
                continue  # a move on the last day would start the new school after the period
            roll = rng.random()
            current.exit = when
            current.reason = "E450" if grade <= K6_LAST and roll < 0.3 else "T167" if roll > 0.95 else "T160"
            target = self.moved_school(level_of(grade), plan, current.school)
            spans.append(Span(year, target, grade, next_school_day(when)))
        return spans

    def enrollments(self, plan: Plan) -> list[Span]:
        """Every enrollment span of the student over the two years."""
        rng, prev, cur = self.rng, self.prev, self.cur
        spans: list[Span] = []
        grade_prev = plan.grade if plan.retained else plan.grade - 1
        school = None
        if grade_prev >= -1:
            school = self.pick_school(level_of(grade_prev), plan.district)
            year_spans = self._year_spans(plan, prev, grade_prev, school, plan.moves_prev, prev.last_day,
                                          plan.e150 == "prev")
            last = year_spans[-1]
            last.exit = prev.last_day
            same_level = level_of(grade_prev) == level_of(plan.grade) and not (
                last.school.level == HIGH and grade_prev == 12)
            last.reason = "E155" if same_level or plan.no_current == "no_show" else "E230"
            if last.reason == "E155" and grade_prev <= K6_LAST and plan.no_current is None and rng.random() < 0.2:
                last.reason = "E450"  # a K-6 school's year-end exit: "a temporary break such as summer vacation"
            spans += year_spans
            if plan.summer_school and plan.no_current is None:
                spans += self._summer_session(plan, grade_prev, last.school)
            school = last.school if last.reason == "E155" and not plan.summer_move else None
        if plan.no_current == "no_show" and spans:
            if plan.pre_enrollment and spans[-1].reason == "E155":
                # The school pre-enrolled the child for this year; they never came. "N470
                # essentially nullifies a pre-enrollment record" (Guide Appendix C, N470); a
                # district that deletes the record instead leaves it only in the week-1 extract.
                pre = Span(cur, spans[-1].school, plan.grade, cur.first_day, pre_enrollment=plan.pre_enrollment)
                if plan.pre_enrollment == "nullified":
                    pre.exit, pre.reason = cur.first_day, "N470"
                spans.append(pre)
            return spans
        if school is None:
            school = self.pick_school(level_of(plan.grade), plan.district)
        if not self.in_session:  # summer: a pre-enrollment for the coming year
            spans.append(Span(cur, school, plan.grade, cur.first_day))
            return spans
        end = min(self.today - dt.timedelta(days=1), cur.last_day)
        year_spans = self._year_spans(plan, cur, plan.grade, school, plan.moves_cur, end, plan.e150 == "cur",
                                      plan.move_dates_cur)
        last = year_spans[-1]
        if plan.no_current == "exit" and (end - last.start).days > 10:
            when = weekday_on_or_before(last.start + dt.timedelta(days=rng.randrange(5, (end - last.start).days)), 4)
            if when >= last.start:
                last.exit, last.reason = when, rng.choice(("E140", "T200", "T240", "T160", "E400" if plan.grade >= 12
                                                           else "T180"))
                if plan.grade <= K6_LAST and rng.random() < 0.5:
                    last.reason = "E450"  # a K-6 withdrawal: no current enrollment follows
        elif self.today > cur.last_day:
            last.exit, last.reason = cur.last_day, "E230" if plan.grade in (5, 8, 12) else "E155"
        return spans + year_spans

    def _summer_session(self, plan: Plan, grade: int, school: School) -> list[Span]:
        """A four-week summer session after the previous year, at a school of the same level."""
        start = next_school_day(self.prev.last_day + dt.timedelta(days=7))
        if start > self.today:
            return []
        host = school if self.rng.random() < 0.4 else self.pick_school(school.level, plan.district, avoid=school)
        end = weekday_on_or_before(start + dt.timedelta(weeks=SUMMER_WEEKS), 4)
        session = Span(self.prev, host, grade, start, status="30")
        if end < self.today:
            session.exit, session.reason = end, "E490"
        return [session]

    # -- attendance --------------------------------------------------------------------------
    def attendance(self, plan: Plan, spans: list[Span]) -> list[tuple[Span, dt.date, list[int]]]:
        """One summary per school and year: (first span, as-of date, day counts)."""
        rng = self.rng
        totals: dict[tuple[str, str], list] = {}
        for span in spans:
            if span.status != "10" or span.pre_enrollment:
                continue  # summer sessions are not in the school year's summary; no-shows never attended
            as_of = span.year.last_day if span.year is self.prev else self.cur_as_of
            if span.year is self.cur and not self.in_session:
                continue
            end = min(span.exit or as_of, as_of)
            days = span.year.school_days(span.start, end)
            if days <= 0:
                continue
            key = (span.year.label, span.school.cds_code)
            if key in totals:
                totals[key][2] += days
            else:
                totals[key] = [span, as_of, days]
        rows = []
        for span, as_of, expected in totals.values():
            rate = plan.absence_rate
            if plan.chronic:
                rate = min(0.45, max(0.10, rate + rng.uniform(-0.03, 0.05)))
                absent = min(expected, max(math.ceil(rate * expected), -(-expected // 10)))  # >= 10 %
            else:
                rate = min(0.0999, max(0.0, rate + rng.uniform(-0.02, 0.02)))
                absent = min(int(rate * expected), (expected - 1) // 10)  # < 10 % of expected days
            oss = min(absent, rng.randint(1, 3)) if absent and rng.random() < 0.06 else 0
            unexcused = int((absent - oss) * rng.uniform(0.25, 0.7 if plan.chronic else 0.45))
            excused = absent - oss - unexcused
            attended = expected - absent
            iss = min(attended, rng.randint(1, 2)) if rng.random() < 0.03 else 0
            rows.append((span, as_of, [expected, attended, excused, unexcused, oss, iss, 0]))
        return rows

    # -- progress reports --------------------------------------------------------------------
    def courses(self, grade: int, rng: SeedRandom) -> list[tuple[str, str]]:
        """5-7 courses for a grade: core subjects plus electives."""
        if grade <= 5:
            return list(ELEMENTARY_COURSES[:5 + rng.randrange(3)])
        if grade <= 8:
            return list(MIDDLE_CORE[grade]) + rng.sample(MIDDLE_ELECTIVES, 1 + rng.randrange(3))
        return list(HIGH_CORE[grade]) + rng.sample(ELECTIVES, 1 + rng.randrange(3))

    def mark(self, ability: str) -> str:
        rng = self.rng
        letter = rng.weighted(LETTERS, MARK_WEIGHTS[ability])
        if letter != "F" and rng.random() < 0.35:
            letter += rng.choice("+-")
        return letter

    def progress(self, plan: Plan, spans: list[Span]) -> list[tuple[Span, str, dt.date, list[tuple]]]:
        """Reports for the current year's terms reported so far (else last year's final term)."""
        if not plan.progress:
            return []
        rng = self.rng
        elementary = plan.grade <= 5
        terms = [(self.cur, t, d) for t, d in self.cur.terms(elementary) if d <= self.today - dt.timedelta(days=3)]
        if not terms:
            name, when = self.prev.terms(plan.grade - 1 <= 5)[-1]
            terms = [(self.prev, name, when)]
        out = []
        courses: list[tuple[str, str]] | None = None
        for year, term, when in terms:
            span = next((s for s in spans if s.year is year and s.start <= when and (s.exit is None or s.exit >= when)
                         and not s.pre_enrollment), None)
            if span is None or span.grade < 1:
                continue
            if courses is None or rng.random() < 0.1:
                courses = self.courses(span.grade, rng)
            semester = term.startswith("Semester")
            marks = []
            for code, title in courses:
                mark = self.mark(plan.ability)
                if span.grade >= 9:
                    earned = ("0.00" if mark == "F" else SEMESTER_CREDITS) if semester else ""
                    marks.append((code, title, mark, SEMESTER_CREDITS, earned))
                else:
                    marks.append((code, title, mark, "", ""))
            if plan.force_df and marks:
                marks[0] = (*marks[0][:2], "F", *marks[0][3:4], "0.00" if marks[0][4] else "")
                marks[-1] = (*marks[-1][:2], "D", *marks[-1][3:])
            out.append((span, term, when, marks))
        return out
