"""Stream the generated data to one CSV file per import kind, in the importer's columns.

Students are generated one at a time and their rows written straight away, so memory stays
flat whatever ``--students`` is. Big runs are cut into fixed chunks of students, each with its
own random stream, generated in worker processes and concatenated in order. Output is a pure
function of (students, seed, today): streams are seeded from the seed and chunk number, dates
come from ``today`` and nothing iterates a set.
"""
from __future__ import annotations

import csv
import datetime as dt
import multiprocessing
import os
import random
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from mobile_service.importing.rows import PLACEMENT_COLUMNS
from tools.seed import placements
from tools.seed.calendar import SchoolYear, year_start_for
from tools.seed.demo import CSW2_STUDENTS, DEMO_STUDENTS, demo_plans
from tools.seed.people import NamePools, build_pools
from tools.seed.places import School, grade_code, make_schools
from tools.seed.rand import SeedRandom
from tools.seed.school_records import RecordBuilder
from tools.seed.student_plans import ACTIVE_SHARE, Plan, StudentFactory
from tools.seed.weekly import PART_DCFS, PART_ENROLLMENTS, assignment_withdrawn, write_second_week
from tools.seed.workforce import Workforce, build_workforce

# Dependency order: each kind refers only to kinds loaded before it. The DCFS feed goes last, as
# on a first production load: its load stores the caseload's alerts from the district records
# already there (before them, every child would be "no current enrollment" for a moment).
KIND_ORDER = ("schools", "users", "students", "enrollments", "attendance", "progress-reports", "dcfs-cases")
COLUMNS = {
    "schools": ("cds_code", "school_name", "district_name", "address", "city", "zip", "phone", "latitude",
                "longitude"),
    "users": ("email", "display_name", "role", "dcfs_employee_id", "office", "supervisor_email", "pilot_cohort",
              "active"),
    "students": ("ssid", "legal_first_name", "legal_middle_name", "legal_last_name", "alias_first_name",
                 "alias_last_name", "birth_date", "gender_code", "primary_language", "foster_client_id",
                 "homeless", "previous_ssids"),
    "dcfs-cases": ("ssid", "case_id", "case_type", "case_status", "csw_employee_id", "assignment_start",
                   "assignment_end", "education_rights_holder", "rights_holder_relationship", "rights_holder_phone",
                   "jv535_order_date", "parent_rights_limited", *PLACEMENT_COLUMNS),
    "enrollments": ("ssid", "academic_year", "cds_code", "enrollment_status", "grade_level", "start_date",
                    "exit_date", "exit_reason_code"),
    "attendance": ("ssid", "academic_year", "cds_code", "as_of_date", "days_expected", "days_attended",
                   "days_absent_excused", "days_absent_unexcused", "days_suspended_out", "days_suspended_in",
                   "days_incomplete_study"),
    "progress-reports": ("ssid", "academic_year", "cds_code", "term", "report_date", "course_code", "course_title",
                         "mark", "credits_attempted", "credits_earned"),
}
DEFAULT_STUDENTS = 3000
MIN_STUDENTS = len(DEMO_STUDENTS) + CSW2_STUDENTS + 20
SCHOOLS_PER_STUDENT = 1 / 100
MIN_SCHOOLS = 20
CHUNK = 25_000  # students per random stream (and per worker task)
CASE_COUNTER_STRIDE = 10_000_000


def _iso(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def write_csvs(out_dir: Path, *, students: int = DEFAULT_STUDENTS, seed: int = 1, today: dt.date,
               progress: Callable[[int], None] | None = None, workers: int | None = None,
               second_week: Path | None = None) -> dict[str, int]:
    """Write ``<kind>.csv`` for every kind into ``out_dir``; return the data rows per kind.

    Students are generated in fixed chunks, each from its own random stream, so the bytes do
    not depend on ``workers`` (processes used for big runs; default: one per CPU). With
    ``second_week``, the week-2 snapshot files go there too (``seed/weekly.py``; the week-1
    files are the same bytes either way) and the counts gain ``week2_*`` entries.
    """
    if students < MIN_STUDENTS:
        raise ValueError(f"--students must be at least {MIN_STUDENTS} (the demo caseload alone has "
                         f"{len(DEMO_STUDENTS) + CSW2_STUDENTS})")
    out_dir.mkdir(parents=True, exist_ok=True)
    pools = build_pools(seed)
    # The registry and schools come first, from their own streams: pilot participants and demo
    # users do not depend on the scale.
    workforce = build_workforce(random.Random(f"workforce-{seed}"), pools, round(students * ACTIVE_SHARE))
    schools = make_schools(random.Random(f"schools-{seed}"), max(MIN_SCHOOLS, int(students * SCHOOLS_PER_STUDENT)))
    counts = dict.fromkeys(KIND_ORDER, 0)
    registry = {
        "schools": [[s.cds_code, s.name, s.district.name, s.address, s.city, s.zip, s.phone, f"{s.latitude:.6f}",
                     f"{s.longitude:.6f}"] for s in schools],
        "users": [u.csv() for u in workforce.users],
    }
    for kind, rows in registry.items():
        with (out_dir / f"{kind}.csv").open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(COLUMNS[kind])
            writer.writerows(rows)
        counts[kind] = len(rows)
    generated = students - len(DEMO_STUDENTS) - CSW2_STUDENTS
    chunks = [(None, 0, 0)] + [(c, start, min(CHUNK, generated - start))
                               for c, start in enumerate(range(0, generated, CHUNK))]
    context = _Context(seed, today, pools, workforce, schools, second_week is not None)
    with tempfile.TemporaryDirectory(prefix=".parts-", dir=out_dir) as parts:
        jobs = [(context, Path(parts) / str(i), chunk) for i, chunk in enumerate(chunks)]
        workers = min(workers or os.cpu_count() or 1, len(jobs) - 1)
        if workers > 1:
            with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
                part_counts = []
                for result in pool.map(_write_chunk, jobs):
                    part_counts.append(result)
                    if progress:
                        progress(sum(c["students"] for c in part_counts))
        else:
            part_counts = []
            for job in jobs:
                part_counts.append(_write_chunk(job))
                if progress:
                    progress(sum(c["students"] for c in part_counts))
        for kind in KIND_ORDER[2:]:
            with (out_dir / f"{kind}.csv").open("wb") as out:
                out.write((",".join(COLUMNS[kind]) + "\n").encode())
                for i in range(len(jobs)):
                    part_path = Path(parts) / str(i) / f"{kind}.csv"
                    with part_path.open("rb") as part:
                        shutil.copyfileobj(part, out, 1 << 20)
                    part_path.unlink()  # keep peak disk use near one copy of the data
            counts[kind] = sum(c[kind] for c in part_counts)
        if second_week is not None:
            week2 = write_second_week([Path(parts) / str(i) for i in range(len(jobs))], second_week, COLUMNS,
                                      SchoolYear.of(year_start_for(today)).label)
            counts.update({f"week2_{k}": v for k, v in week2.items()})
            counts["week2_assignments_withdrawn"] = sum(c.get("withdrawn", 0) for c in part_counts)
    return counts


@dataclass(frozen=True)
class _Context:
    """What every chunk needs (pickled once per chunk for worker processes)."""

    seed: int
    today: dt.date
    pools: NamePools
    workforce: Workforce
    schools: list[School]
    second_week: bool = False


def _write_chunk(job: tuple[_Context, Path, tuple[int | None, int, int]]) -> dict[str, int]:
    """Write one chunk of students (chunk ``None``: the demo caseload) to headerless part files."""
    context, directory, (chunk, first, size) = job
    directory.mkdir(parents=True)
    rng = SeedRandom(f"students-{context.seed}-{'demo' if chunk is None else chunk}")
    factory = StudentFactory(rng, context.seed, context.pools, context.workforce, context.today,
                             year_start_for(context.today))
    # Case ids are a bijection of a counter: give every chunk its own counter range.
    factory.case_counter = (0 if chunk is None else chunk + 1) * CASE_COUNTER_STRIDE
    builder = RecordBuilder(rng, context.schools, context.today)
    counts = dict.fromkeys(KIND_ORDER, 0)
    files = {kind: (directory / f"{kind}.csv").open("w", encoding="utf-8", newline="") for kind in KIND_ORDER[2:]}
    if context.second_week:
        files |= {part: (directory / part).open("w", encoding="utf-8", newline="")
                  for part in (PART_DCFS, PART_ENROLLMENTS)}
    try:
        writers = {kind: csv.writer(fh, lineterminator="\n") for kind, fh in files.items()}
        plans = demo_plans(factory, context.today) if chunk is None else (
            factory.plan(index, first + size - index) for index in range(first, first + size))
        # The demo caseload keeps its assignments in week 2; generated students may lose one.
        withdraw = context.second_week and chunk is not None
        for plan in plans:
            _write_student(plan, builder, writers, counts, withdraw)
    finally:
        for fh in files.values():
            fh.close()
    return counts


def _holder_columns(c) -> tuple:
    """The case's five rights-holder columns (empty when the case names no holder)."""
    return c.rights_holder.columns(c.start) if c.rights_holder else ("",) * 5


def _case_rows(p: Plan, spans: list, today: dt.date) -> list[tuple]:
    """The student's dcfs-cases rows; the open case of an active child carries the placement."""
    rows = []
    for c in p.cases:
        base = (p.ssid, c.case_id, c.case_type, c.status, c.csw)
        placed = None
        if c.status == "open" and p.active:
            placed = (placements.fixed(p.placement, p.ssid, spans, today) if p.placement is not None
                      else placements.generated(p.ssid, c.start, spans, today))
        start = c.start
        if placed is not None and p.placement is not None and p.placement.initial_days_ago is not None:
            # A replaced child: the case's earlier assignment row carries the initial placement.
            initial = today - dt.timedelta(days=p.placement.initial_days_ago)
            start = min(c.start, initial)
            # The ended row is "closed" (an assignment of the past): only the current row grants access.
            rows.append((*base[:3], "closed", c.csw, start.isoformat(), (placed[0] - dt.timedelta(days=1)).isoformat(),
                         *_holder_columns(c), *placements.csv_values((initial, *placed[1:]))))
            start = placed[0]
        rows.append((*base, start.isoformat(), _iso(c.end), *_holder_columns(c), *placements.csv_values(placed)))
    return rows


def _write_student(p: Plan, builder: RecordBuilder, writers: dict, counts: dict[str, int],
                   withdraw: bool = False) -> None:
    """Write one student's rows to every kind's file (and the week-2 parts when they are open)."""
    ssid = p.ssid
    writers["students"].writerow((
        ssid, p.first, p.middle or "", p.last, p.alias_first or "", p.alias_last or "", p.birth_date.isoformat(),
        p.gender, p.language, p.client_id, "Y" if p.homeless else "N", ";".join(p.previous_ssids)))
    counts["students"] += 1
    spans = builder.enrollments(p)  # first: the placements are placed around the child's school
    case_rows = _case_rows(p, spans, builder.today)
    writers["dcfs-cases"].writerows(case_rows)
    counts["dcfs-cases"] += len(case_rows)
    week2 = PART_DCFS in writers
    if week2:
        kept = [row for row in case_rows if not (withdraw and assignment_withdrawn(row[1], row[3]))]
        writers[PART_DCFS].writerows(kept)
        counts["withdrawn"] = counts.get("withdrawn", 0) + len(case_rows) - len(kept)

    enrollment_rows = [(ssid, s.year.label, s.school.cds_code, s.status, grade_code(s.grade), s.start.isoformat(),
                        _iso(s.exit), s.reason or "") for s in spans]
    writers["enrollments"].writerows(enrollment_rows)
    counts["enrollments"] += len(spans)
    if week2:  # the districts' current-year extracts, flagged where the district deleted the row
        writers[PART_ENROLLMENTS].writerows(
            (*row, "1" if s.pre_enrollment == "withdrawn" else "") for s, row in zip(spans, enrollment_rows, strict=True)
            if s.year is builder.cur)

    attendance = builder.attendance(p, spans)
    writers["attendance"].writerows(
        (ssid, s.year.label, s.school.cds_code, as_of.isoformat(), *days) for s, as_of, days in attendance)
    counts["attendance"] += len(attendance)

    for span, term, when, marks in builder.progress(p, spans):
        head = (ssid, span.year.label, span.school.cds_code, term, when.isoformat())
        writers["progress-reports"].writerows((*head, *mark) for mark in marks)
        counts["progress-reports"] += len(marks)
