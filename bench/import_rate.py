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


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    from mobile_service import create_app

    main(create_app(), args.rows)
