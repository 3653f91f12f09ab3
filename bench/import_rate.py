"""Import throughput: ``python -m bench.import_rate [--rows N]`` against ``DATABASE_URL``.

Writes a schools file, a students file and an N-row enrollments file (fictitious data) to a
temp folder, loads them with ``run_import`` and prints rows/s of the enrollments load: first
load (all inserted), identical re-load (all unchanged) and an update load (every row changed).
Then the snapshot variants (issue 12), scope ``district=1964733:2025-26`` (every bench school is
in that district; the scope holds the 2025-26 half of the rows): a week-2 file without 5 % of
the scope's rows (removed, the rest unchanged), the same file again (nothing removed), and a
file that changes every row and drops another 5 % (update + remove). The target in docs/perf is
>= 25,000 rows/s on PostgreSQL. Run it on a scratch database (schema upgraded): it adds rows.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import tempfile
import time
from pathlib import Path

from flask import Flask

DISTRICT = "1964733"
SCOPE = f"district={DISTRICT}:2025-26"


def write_files(folder: Path, rows: int, seed: int = 7) -> dict[str, Path]:
    """Generate the three CSV files; one enrollment per student per row."""
    rng = random.Random(seed)
    # One district (the snapshot scope's); the school part of the code is random.
    schools = [f"{DISTRICT}{code:07d}" for code in rng.sample(range(10**6, 10**7), 400)]
    paths = {k: folder / f"{k}.csv" for k in ("schools", "students", "enrollments", "enrollments2",
                                              "snapshot_drop", "snapshot_update")}
    with paths["schools"].open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["cds_code", "school_name", "district_name", "address", "city", "zip", "phone",
                      "latitude", "longitude"])
        for i, cds in enumerate(schools):
            out.writerow([cds, f"School {i}", "Bench Unified", f"{i} Main St", "Pomona", "91766", "909-555-0100",
                          "34.05", "-117.75"])
    students = rows // 2
    ssids = [f"{9000000000 + i}" for i in range(students)]
    with paths["students"].open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["ssid", "legal_first_name", "legal_middle_name", "legal_last_name", "alias_first_name",
                      "alias_last_name", "birth_date", "gender_code", "primary_language", "foster_client_id",
                      "homeless"])
        for i, ssid in enumerate(ssids):
            out.writerow([ssid, f"First{i % 997}", "", f"Last{i % 1499}", "", "",
                          (dt.date(2008, 1, 1) + dt.timedelta(days=i % 3000)).isoformat(), "F", "English", "", "N"])
    # (file, grade, year kept, which rows are left out): the snapshot files hold 2025-26 only.
    for name, grade, only_year, dropped in (("enrollments", "09", None, ()), ("enrollments2", "10", None, ()),
                                            ("snapshot_drop", "10", 2025, (0,)), ("snapshot_update", "11", 2025,
                                                                                    (0, 10))):
        with paths[name].open("w", newline="") as fh:
            out = csv.writer(fh)
            out.writerow(["ssid", "academic_year", "cds_code", "enrollment_status", "grade_level", "start_date",
                          "exit_date", "exit_reason_code"])
            for i in range(rows):
                ssid = ssids[i % students]
                year = 2024 + (i // students) % 2
                if (only_year is not None and year != only_year) or i % 20 in dropped:
                    continue
                out.writerow([ssid, f"{year}-{(year + 1) % 100:02d}", schools[i % len(schools)], "10", grade,
                              f"{year}-08-{10 + i % 5:02d}", "", ""])
    return paths


def main(app: Flask, rows: int) -> None:
    """Load the files and print the rates."""
    from mobile_service.importing import run_import

    with tempfile.TemporaryDirectory() as tmp, app.app_context():
        paths = write_files(Path(tmp), rows)
        run_import("schools", paths["schools"])
        started = time.perf_counter()
        students = run_import("students", paths["students"])
        took = time.perf_counter() - started
        print(f"students  {students.total:>9} rows {took:7.2f} s {students.total / took:>9.0f} rows/s")
        for label, key in (("enroll insert", "enrollments"), ("enroll same", "enrollments"),
                           ("enroll update", "enrollments2")):
            started = time.perf_counter()
            result = run_import("enrollments", paths[key])
            took = time.perf_counter() - started
            print(f"{label:14} {result.total:>6} rows {took:7.2f} s {result.total / took:>9.0f} rows/s "
                  f"(+{result.inserted} ~{result.updated} ={result.unchanged})")
        # Snapshot loads: the rate counts the file's rows (the removed rows are extra work).
        for label, key in (("snap drop 5%", "snapshot_drop"), ("snap same", "snapshot_drop"),
                           ("snap upd+drop", "snapshot_update")):
            started = time.perf_counter()
            result = run_import("enrollments", paths[key], snapshot=SCOPE)
            took = time.perf_counter() - started
            print(f"{label:14} {result.total:>6} rows {took:7.2f} s {result.total / took:>9.0f} rows/s "
                  f"(+{result.inserted} ~{result.updated} ={result.unchanged} -{result.deleted})")


def county(url: str, students: int, trials: int, phases: bool, profile: int, seed: int = 1) -> None:
    """The bench's measurement (``bench.measure.import_rate``) on a private database, with phase times."""
    import cProfile
    import pstats
    import statistics

    from bench import measure
    from bench.cli import bench_env
    from bench.database import derived_url, ensure_postgres_database
    from bench.import_phases import Timer, instrumented
    from bench.server import ROOT
    from mobile_service import create_app

    out = ROOT / "bench" / "out" / f"import-{students}-seed{seed}"
    csv_dir = out / "import-csv"
    env = bench_env("")
    if not (csv_dir / "enrollments.csv").exists():  # the seed's files, once per scale and seed
        csv_dir.mkdir(parents=True, exist_ok=True)
        seed_url = derived_url(url, "seed")
        ensure_postgres_database(seed_url, rebuild=True)
        started = time.perf_counter()
        app = create_app({**env, "DATABASE_URL": seed_url, "LOG_LEVEL": "WARNING"})
        measure._invoke(app, ["seed", "--students", str(students), "--seed", str(seed), "--csv", str(csv_dir),
                              "--no-progress"])
        print(f"seed {students} students: {time.perf_counter() - started:.2f} s (files in {csv_dir})")
    enrollments = measure._find_csv(csv_dir, "enrollments")
    with enrollments.open(encoding="utf-8") as handle:
        rows = sum(1 for _ in handle) - 1
    runs = []
    for trial in range(trials):
        timer, profiler = Timer(), cProfile.Profile() if profile else None
        original = measure._invoke

        def timed_invoke(app, args, timer=timer, profiler=profiler, original=original):
            if args[:2] != ["import", "enrollments"]:
                return original(app, args)
            with instrumented(timer) if phases else _nothing(), timer.phase("run_import (total)"):
                if profiler is not None:
                    profiler.enable()
                try:
                    return original(app, args)
                finally:
                    if profiler is not None:
                        profiler.disable()

        measure._invoke = timed_invoke
        try:
            seconds = measure._one_import(env, out, url, csv_dir, enrollments)
        finally:
            measure._invoke = original
        runs.append(seconds)
        print(f"trial {trial + 1}: {rows} rows {seconds:7.2f} s {rows / seconds:9.0f} rows/s")
        if phases:
            print("\n".join(timer.lines("run_import (total)")))
        if profiler is not None:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(profile)
    median = statistics.median(runs)
    print(f"median of {len(runs)}: {rows / median:.0f} rows/s; trials "
          + ", ".join(f"{rows / r:.0f}" for r in runs))


def _nothing():
    from contextlib import nullcontext

    return nullcontext()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", help="PostgreSQL URL of a PRIVATE scratch database (dropped and "
                                               "recreated per trial): the bench's county measurement")
    parser.add_argument("--students", type=int, default=50_000, help="with --database-url (default 50000)")
    parser.add_argument("--trials", type=int, default=3, help="with --database-url (default 3)")
    parser.add_argument("--phases", action="store_true", help="with --database-url: wall/CPU seconds per phase")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="with --database-url: cProfile of the enrollments load, top N by cumulative time")
    args = parser.parse_args()
    if args.database_url:
        county(args.database_url, args.students, args.trials, args.phases, args.profile)
    else:
        from mobile_service import create_app

        main(create_app(), args.rows)
