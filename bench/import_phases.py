"""Where an enrollment load's time goes: wall and in-process CPU seconds per phase.

``python -m bench.import_rate --database-url postgresql://.../lacoe_bench_<you> --students 50000``
runs the bench's import measurement (``bench.measure.import_rate``: seed-generated county files,
a fresh scratch database per trial) and, with ``--phases``, wraps the loader's steps in timers.
On a shared machine the rows/s figure moves with the neighbours' load; the CPU seconds of this
process per phase (``time.process_time``) do not, and the wall seconds of a phase minus its CPU
seconds are mostly the database's own work.
"""
from __future__ import annotations

import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

TOTAL = "run_import (total)"

# (label, module path, attribute): the functions timed, outermost first. A phase nested in
# another is reported on its own line and also counted in its parent.
PHASES = (
    ("stage (parse + COPY)", "mobile_service.importing.tables", "stage_rows"),
    ("change log: stage", "mobile_service.importing.changes", "note_table"),
    ("change log: finish", "mobile_service.changelog", "finish_import"),
    ("resolve + classify (CREATE AS)", "mobile_service.importing.staging", "Sql.create_temp_as"),
    ("check: duplicates", "mobile_service.importing.tables", "check_duplicates"),
    ("check: counts", "mobile_service.importing.tables", "classify_counts"),
    ("sql: INSERT INTO enrollments", "mobile_service.importing.staging", "Sql.run"),
    ("alerts: total", "mobile_service.importing.alerting", "raise_alerts"),
    ("alerts: read enrollments", "mobile_service.alerts.education_alerts", "enrollment_rows"),
    ("alerts: read attendance", "mobile_service.alerts.education_alerts", "_attendance"),
    ("alerts: read reports", "mobile_service.alerts.education_alerts", "_latest_reports"),
    ("alerts: inputs (one read)", "mobile_service.alerts.education_alerts", "_inputs"),
    ("alerts: desired (reads + rule)", "mobile_service.alerts.education_alerts", "desired"),
    ("alerts: reconcile", "mobile_service.alerts.store", "reconcile"),
    ("alerts: restamp at commit", "mobile_service.alerts.store", "_restamp"),
    ("ANALYZE (after commit)", "mobile_service.importing.runner", "_analyze"),
)


_TICK = os.sysconf("SC_CLK_TCK")


def _backend_cpu(pid: int | None) -> float | None:
    """CPU seconds (user + system) of a local PostgreSQL backend, from /proc; None if not visible."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / _TICK


class Timer:
    """Accumulated wall, CPU (this process, and the database backend when local) and calls per label."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)
        self.db: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.pid: int | None = None
        self.first_db: float | None = None  # the backend's CPU when the first phase began

    def _db_now(self, label: str) -> float | None:
        if self.pid is None and label != TOTAL:
            from mobile_service.extensions import db

            self.pid = db.session.connection().connection.driver_connection.info.backend_pid
        found = _backend_cpu(self.pid)
        if self.first_db is None:
            self.first_db = found
        return found

    @contextmanager
    def phase(self, label: str) -> Iterator[None]:
        """Time one block under ``label``."""
        wall, cpu, db_cpu = time.perf_counter(), time.process_time(), self._db_now(label)
        try:
            yield
        finally:
            self.wall[label] += time.perf_counter() - wall
            self.cpu[label] += time.process_time() - cpu
            end = _backend_cpu(self.pid)
            start = self.first_db if label == TOTAL else db_cpu
            if end is not None and start is not None:
                self.db[label] += end - start
            self.calls[label] += 1

    def wrap(self, label: str, func: Callable) -> Callable:
        """``func`` timed under ``label`` (a ``sql: <prefix>`` label: only statements starting so)."""
        prefix = label[5:] if label.startswith("sql: ") else None

        def timed(*args: Any, **kwargs: Any) -> Any:
            if prefix is not None and not str(args[1]).startswith(prefix):
                return func(*args, **kwargs)
            with self.phase(label):
                return func(*args, **kwargs)
        return timed

    def lines(self, total_label: str = TOTAL) -> list[str]:
        """One line per phase: wall s, CPU s, backend CPU s, calls, share of the total's wall time."""
        total = self.wall.get(total_label) or 1.0
        return [f"  {label:34} wall {self.wall[label]:7.3f} s  cpu {self.cpu[label]:7.3f} s  "
                f"db cpu {self.db.get(label, 0.0):6.2f} s  calls {self.calls[label]:5}  "
                f"{100 * self.wall[label] / total:5.1f} %"
                for label in self.wall]


@contextmanager
def instrumented(timer: Timer) -> Iterator[None]:
    """Patch the phase functions (and the commit) with timers for the block's duration."""
    import importlib

    from sqlalchemy import event
    from sqlalchemy.orm import Session

    patched = []
    for label, module_name, attribute in PHASES:
        owner: Any = importlib.import_module(module_name)
        *path, attribute = attribute.split(".")
        for name in path:  # a method: patched on its class
            owner = getattr(owner, name)
        original = getattr(owner, attribute, None)
        if original is None:
            continue
        setattr(owner, attribute, timer.wrap(label, original))
        patched.append((owner, attribute, original))
    marks: dict[str, float] = {}

    def before(_session: Session) -> None:
        marks["commit"], marks["commit_cpu"] = time.perf_counter(), time.process_time()
        marks["commit_db"] = _backend_cpu(timer.pid) or 0.0

    def after(_session: Session) -> None:
        if "commit" in marks:
            timer.wall["commit (incl. restamp)"] += time.perf_counter() - marks.pop("commit")
            timer.cpu["commit (incl. restamp)"] += time.process_time() - marks.pop("commit_cpu")
            timer.db["commit (incl. restamp)"] += (_backend_cpu(timer.pid) or 0.0) - marks.pop("commit_db")
            timer.calls["commit (incl. restamp)"] += 1

    event.listen(Session, "before_commit", before, insert=True)  # before the restamp
    event.listen(Session, "after_commit", after)
    try:
        yield
    finally:
        event.remove(Session, "before_commit", before)
        event.remove(Session, "after_commit", after)
        for owner, attribute, original in patched:
            setattr(owner, attribute, original)
