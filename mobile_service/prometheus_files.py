"""Bounded Prometheus multiprocess files: a dead worker's values are merged, its files removed.

prometheus_client keeps one file per worker and metric type (``counter_<pid>.db``) in
``PROMETHEUS_MULTIPROC_DIR``, and a scrape reads them all. ``mark_process_dead`` removes only
a dead worker's live-gauge files, so with ``max_requests`` recycling the counter and histogram
files piled up (1,500 recycles: 165 MiB and 2 s scrapes, issue 13). Here a dead worker's
counter, histogram and summary values are added into one ``<type>_merged.db`` per type and its
files deleted, so totals survive and the directory holds one file per live worker and type.

Values are merged by their mmap key (metric, sample name, labels): a histogram bucket's raw
file value is per bucket (not cumulative), so adding keys is exact for every merged type. The
service's gauges are all ``live*`` (removed at death, not merged; see tests/infra). A scrape
holds a shared lock on ``.merge.lock`` and the merge an exclusive one, so no scrape sees a
worker's values twice or not at all.
"""
from __future__ import annotations

import fcntl
import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from prometheus_client import multiprocess
from prometheus_client.mmap_dict import MmapedDict

MERGED_TYPES = ("counter", "histogram", "summary")
LOCK_NAME = ".merge.lock"
_WORKER_FILE = re.compile(r"^(?P<typ>counter|histogram|summary|gauge_live[a-z]+)_(?P<pid>\d+)\.db$")


@contextmanager
def locked(path: str, *, exclusive: bool) -> Iterator[None]:
    """Hold the directory's merge lock: shared for a scrape, exclusive for a merge."""
    fd = os.open(os.path.join(path, LOCK_NAME), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _merge_into(path: str, typ: str, dead_file: str) -> None:
    merged = os.path.join(path, f"{typ}_merged.db")
    totals: dict[str, float] = {}
    for source in (merged, dead_file):
        if os.path.exists(source):
            for key, value, _timestamp, _pos in MmapedDict.read_all_values_from_file(source):
                totals[key] = totals.get(key, 0.0) + value
    # Written beside it (not *.db, so no scrape reads it half-done), then swapped in atomically.
    staging = os.path.join(path, f".{typ}_merged.tmp")
    if os.path.exists(staging):
        os.unlink(staging)
    out = MmapedDict(staging)
    try:
        for key, value in totals.items():
            out.write_value(key, value, 0.0)
    finally:
        out.close()
    os.replace(staging, merged)
    os.unlink(dead_file)


def merge_dead_process(pid: int, path: str | None = None) -> None:
    """Fold worker ``pid``'s counters, histograms and summaries into the merged files; drop its gauges."""
    path = path or os.environ["PROMETHEUS_MULTIPROC_DIR"]
    with locked(path, exclusive=True):
        multiprocess.mark_process_dead(pid, path)
        for typ in MERGED_TYPES:
            dead_file = os.path.join(path, f"{typ}_{pid}.db")
            if os.path.exists(dead_file):
                _merge_into(path, typ, dead_file)


def sweep(live_pids: Iterable[int], path: str | None = None) -> list[int]:
    """Merge the files of every process not in ``live_pids`` (a missed exit); return those pids."""
    path = path or os.environ["PROMETHEUS_MULTIPROC_DIR"]
    live = set(live_pids)
    dead = sorted({int(m["pid"]) for m in map(_WORKER_FILE.match, os.listdir(path)) if m} - live)
    for pid in dead:
        merge_dead_process(pid, path)
    return dead
