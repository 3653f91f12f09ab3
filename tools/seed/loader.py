"""Load generated CSV files through the importer, kind by kind, then add the pilot demo data."""
from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from mobile_service import clock
from mobile_service.importing import ImportResult, run_import
from tools.seed.dq_demo import seed_data_quality
from tools.seed.pilot_demo import seed_pilot
from tools.seed.travel_plans import seed_travel_plans
from tools.seed.writer import KIND_ORDER, write_csvs


def seed_database(*, students: int, seed: int, echo: Callable[[str], None] = print,
                  progress: bool = False) -> dict[str, ImportResult]:
    """Generate into a temporary directory and import every kind in order; print counts and times."""
    results: dict[str, ImportResult] = {}
    with tempfile.TemporaryDirectory(prefix="lacoe-seed-") as tmp:
        started = time.perf_counter()
        counts = write_csvs(Path(tmp), students=students, seed=seed, today=clock.today(),
                            progress=(lambda n: echo(f"  generated {n} students")) if progress else None)
        echo(f"generated {sum(counts.values())} rows in {time.perf_counter() - started:.1f}s")
        for kind in KIND_ORDER:
            began = time.perf_counter()
            result = run_import(kind, Path(tmp) / f"{kind}.csv", progress=progress)
            results[kind] = result
            echo(f"{kind}: {result.total} rows: {result.inserted} inserted, {result.updated} updated, "
                 f"{result.unchanged} unchanged in {time.perf_counter() - began:.1f}s")
    plans = seed_travel_plans()
    echo("travel plans: demo plans already present, left as they are" if plans is None
         else f"travel plans: {plans} demo plans")
    began = time.perf_counter()
    pilot = seed_pilot(seed)
    if pilot is None:
        echo("pilot: cohort already present, pilot demo data left as it is")
    else:
        echo("pilot: " + ", ".join(f"{value} {name.replace('_', ' ')}" for name, value in pilot.items())
             + f" in {time.perf_counter() - began:.1f}s")
    reports = seed_data_quality()
    if reports is not None:
        echo(f"data quality: {reports} duplicate/multiple SSID reports for EPS support")
    return results
