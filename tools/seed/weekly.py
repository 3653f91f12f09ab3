"""The week-2 extract set: what the sources send a week later, with rows deleted at the source.

``flask seed --csv DIR --second-week DIR2`` writes, beside the week-1 files in DIR, the next
weekly load as snapshot files (docs/data-formats.md, "Snapshots"):

- ``dcfs-cases.csv``: the whole DCFS feed (``--snapshot all``) without the assignments DCFS
  withdrew during the week (about 1 in 40 open generated assignments; the demo caseload keeps
  its own), so the access they granted must end when the load commits;
- ``enrollments-CCDDDDD-YYYY-YY.csv``: each district's extract of the current school year
  (``--snapshot district=CCDDDDD:YYYY-YY``) without the no-shows' pre-enrollments that the
  district deleted instead of exiting them N470 (``Plan.pre_enrollment == "withdrawn"``);
- ``snapshots.txt``: one ``KIND FILE SCOPE`` line per file, in load order.

At most 1 in 10 of a district's rows is withdrawn (the rest stay for a later week), so a
generated week never trips the importer's mass-delete guard (20 % by default).
"""
from __future__ import annotations

import csv
import zlib
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

ASSIGNMENT_STRIDE = 40    # about 1 in 40 open generated assignments is withdrawn before week 2
MAX_DISTRICT_SHARE = 10   # per cent of a district's rows withdrawn in one week, at most
PART_DCFS, PART_ENROLLMENTS = "week2-dcfs-cases.csv", "week2-enrollments.csv"


def assignment_withdrawn(case_id: str, status: str) -> bool:
    """Whether DCFS withdraws this open assignment before week 2 (a pure function of its id)."""
    return status == "open" and zlib.crc32(case_id.encode()) % ASSIGNMENT_STRIDE == 0


def write_second_week(parts: Iterable[Path], out_dir: Path, columns: dict[str, tuple[str, ...]],
                      academic_year: str) -> dict[str, int]:
    """Assemble the week-2 files from the chunks' part files; return the counts it wrote and removed."""
    parts = list(parts)
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = Counter()
    with (out_dir / "dcfs-cases.csv").open("w", encoding="utf-8", newline="") as out:
        out.write(",".join(columns["dcfs-cases"]) + "\n")
        for part in parts:
            with (part / PART_DCFS).open(encoding="utf-8", newline="") as fh:
                for line in fh:
                    out.write(line)
                    summary["dcfs_rows"] += 1
    # Each row of the enrollments parts ends with a flag column: "1" when withdrawn at the source.
    rows: list[list[str]] = []
    for part in parts:
        with (part / PART_ENROLLMENTS).open(encoding="utf-8", newline="") as fh:
            rows.extend(csv.reader(fh))
    cds = columns["enrollments"].index("cds_code")
    totals = Counter(row[cds][:7] for row in rows)
    dropped: Counter = Counter()
    writers, files = {}, []
    try:
        for row in rows:
            district = row[cds][:7]
            if row[-1] == "1" and (dropped[district] + 1) * 100 <= MAX_DISTRICT_SHARE * totals[district]:
                dropped[district] += 1
                continue
            if district not in writers:
                fh = (out_dir / f"enrollments-{district}-{academic_year}.csv").open("w", encoding="utf-8", newline="")
                files.append(fh)
                writers[district] = csv.writer(fh, lineterminator="\n")
                writers[district].writerow(columns["enrollments"])
            writers[district].writerow(row[:-1])
            summary["enrollment_rows"] += 1
    finally:
        for fh in files:
            fh.close()
    summary["pre_enrollments_withdrawn"] = sum(dropped.values())
    lines = [f"dcfs-cases {out_dir / 'dcfs-cases.csv'} all"]
    lines += [f"enrollments {out_dir / f'enrollments-{d}-{academic_year}.csv'} district={d}:{academic_year}"
              for d in sorted(writers)]
    (out_dir / "snapshots.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary["files"] = len(lines)
    return dict(summary)
