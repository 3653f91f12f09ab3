"""The results table (stdout), ``results.json``, and machine facts recorded with every run."""
from __future__ import annotations

import json
import os
import platform
from pathlib import Path

# Issue 14: ratios to the floor (bench/floor.py) measured right after each scenario.
RECORD_TABS = ("demographics", "enrollments", "attendance", "progress_reports")
LISTS = ("caseload", "search_name", "search_ssid", "search_dob")
TARGET_FLOOR_RATIO = {**dict.fromkeys(RECORD_TABS, 0.8), **dict.fromkeys(LISTS, 0.5), "token_exchange": 0.5}
TARGET_P95 = {**dict.fromkeys(RECORD_TABS, 20.0), **dict.fromkeys(LISTS, 30.0)}
TARGET_ONE_CONNECTION_P50_MS = 3.0
# Before issue 14 (kept for the hello column's context and older results).
TARGET_READ_RATIO = 0.35
TARGET_TOKEN_RATIO = 0.5
TARGET_P95_MS = 25.0
TARGET_RSS_MB = 150.0
TARGET_GROWTH = 1.5


def machine() -> dict:
    """Facts that make runs comparable: cores, CPU, memory, Python."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "mem_gb": mem_gb, "python": platform.python_version(),
            "kernel": platform.release()}


def scenario_row(name: str, result, hello, *, floor=None, allowed: tuple[int, ...] = ()) -> dict:
    """One row: throughput, latency, errors, the ratio to the floor run right after it (the target)
    and to the hello run just before it (context)."""
    ratio = result.rps / hello.rps if hello and hello.rps else None
    floor_ratio = result.rps / floor.rps if floor is not None and floor.rps else None
    target = TARGET_FLOOR_RATIO.get(name)
    p95_target = TARGET_P95.get(name)
    return {
        "scenario": name, "requests": result.requests, "duration_s": round(result.duration_s, 2),
        "rps": round(result.rps, 1),
        "p50_ms": round(result.latency_ms["p50"], 2), "p95_ms": round(result.latency_ms["p95"], 2),
        "p99_ms": round(result.latency_ms["p99"], 2), "max_ms": round(result.latency_ms["max"], 2),
        "non_2xx": result.non_2xx(allowed), "errors": result.errors,
        "statuses": {str(k): v for k, v in sorted(result.statuses.items())},
        "socket_errors": result.socket_errors,
        "hello_rps": round(hello.rps, 1) if hello else None,
        "ratio": round(ratio, 3) if ratio is not None else None,
        "floor_rps": round(floor.rps, 1) if floor is not None else None,
        "floor_ratio": round(floor_ratio, 3) if floor_ratio is not None else None,
        "target_ratio": target,
        "ratio_ok": target is None or (floor_ratio is not None and floor_ratio >= target),
        "target_p95_ms": p95_target,
        "p95_ok": p95_target is None or result.latency_ms["p95"] <= p95_target,
    }


def print_table(rows: list[dict], *, targets: bool = True) -> None:
    """The human-readable table (``targets=False``: without the perf.md target column, for smoke runs)."""
    header = f"{'scenario':<18}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'non2xx':>8}{'errors':>8}" \
             f"{'floor/s':>9}{'xfloor':>7}{'hello/s':>9}{'xhello':>7}{'  targets' if targets else ''}"
    print(header)
    print("-" * len(header))
    for r in rows:
        ratio = f"{r['ratio']:.2f}" if r["ratio"] is not None else "-"
        floor_ratio = f"{r['floor_ratio']:.2f}" if r.get("floor_ratio") is not None else "-"
        flags = []
        if targets and r.get("target_ratio") is not None:
            flags.append(f"x floor>={r['target_ratio']}:{'ok' if r['ratio_ok'] else 'MISS'}")
        if targets and r.get("target_p95_ms") is not None:
            flags.append(f"p95<={r['target_p95_ms']:g}ms:{'ok' if r['p95_ok'] else 'MISS'}")
        print(f"{r['scenario']:<18}{r['rps']:>9.1f}{r['p50_ms']:>9.2f}{r['p95_ms']:>9.2f}{r['p99_ms']:>9.2f}"
              f"{r['non_2xx']:>8}{r['errors']:>8}{(r.get('floor_rps') or 0):>9.1f}{floor_ratio:>7}"
              f"{(r['hello_rps'] or 0):>9.1f}{ratio:>7}"
              f"{'  ' + ' '.join(flags) if flags else ''}")


def write_json(path: Path, results: dict) -> None:
    """Write ``results.json`` (pretty, stable key order)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n")
