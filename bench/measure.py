"""Measurements beside throughput: SQL statements per caseload request, import rate."""
from __future__ import annotations

import random
import shutil
import statistics
import time
from pathlib import Path

from sqlalchemy import event

from bench.database import derived_url, ensure_postgres_database
from bench.workload import BenchUser


def _statements_for(app, token: str, path: str) -> tuple[int, int, dict]:
    """(status, SQL statements executed, JSON body) for one in-process GET."""
    from mobile_service.extensions import db

    counter = {"n": 0}

    def count(*_args, **_kwargs):
        counter["n"] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = app.test_client().get(path, headers={"Authorization": f"Bearer {token}"})
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return response.status_code, counter["n"], (response.get_json(silent=True) or {})


def caseload_statements(app, users: list[BenchUser], rng: random.Random, grow_to: int) -> dict:
    """SQL statements per ``GET /api/v1/caseload`` for the smallest and a grown caseload.

    The largest caseload is grown first by adding students through ``POST /api/v1/caseload``
    (with a reason, as a worker covering for a colleague would), so "large" is really large.
    """
    from mobile_service.extensions import db
    from mobile_service.models import Student

    with_students = [u for u in users if u.caseload_total > 0]
    small = min(with_students, key=lambda u: u.caseload_total)
    large = max(users, key=lambda u: u.caseload_total)
    if large.caseload_total < grow_to:
        with app.app_context():
            keys = db.session.execute(
                db.select(Student.student_key).where(Student.foster_status == "active").order_by(Student.id)
                .limit(grow_to * 2)).scalars().all()
            db.session.remove()
        client = app.test_client()
        headers = {"Authorization": f"Bearer {large.app_token}"}
        for key in keys[: grow_to * 2]:
            if large.caseload_total >= grow_to:
                break
            response = client.post("/api/v1/caseload", headers=headers,
                                   json={"student_key": key, "reason": "benchmark: covering for a colleague"})
            if response.status_code == 201:
                large.caseload_total += 1
            elif response.status_code != 200:
                raise RuntimeError(f"adding to the caseload answered {response.status_code}")
    result: dict = {}
    for label, user in (("small", small), ("large", large)):
        # A token's first request in a process looks the session up; later ones check it inside
        # the list's own statement (PostgreSQL): one statement fewer. Counted once, then steady.
        status, first, _ = _statements_for(app, user.app_token, "/api/v1/caseload?limit=25")
        if status != 200:
            raise RuntimeError(f"in-process caseload request answered {status}")
        result[f"{label}_first_request"] = first
        for page in (25, 100):
            status, statements, body = _statements_for(app, user.app_token, f"/api/v1/caseload?limit={page}")
            if status != 200:
                raise RuntimeError(f"in-process caseload request answered {status}")
            result[f"{label}_limit{page}"] = {"caseload_size": int(body.get("total", 0)),
                                              "cards": len(body.get("items", [])), "statements": statements}
    counts = {v["statements"] for v in result.values() if isinstance(v, dict)}
    result["constant"] = len(counts) == 1 and result["small_first_request"] == result["large_first_request"]
    return result


def _find_csv(directory: Path, kind: str) -> Path:
    for candidate in (f"{kind}.csv", f"{kind.replace('-', '_')}.csv"):
        if (directory / candidate).exists():
            return directory / candidate
    matches = sorted(directory.glob(f"*{kind.split('-')[0]}*.csv"))
    if not matches:
        raise RuntimeError(f"`flask seed --csv` wrote no {kind} file in {directory}")
    return matches[0]


def _invoke(app, args: list[str]) -> str:
    """Run a ``flask`` command in-process (no interpreter start-up in the measurement)."""
    with app.app_context():  # `flask` pushes one for every command; the test runner does not
        result = app.test_cli_runner().invoke(args=args)
    if result.exit_code != 0:
        detail = (result.output or "")[-2000:]
        raise RuntimeError(f"`flask {' '.join(args)}` failed with {result.exit_code}: {detail}{result.exception or ''}")
    return result.output


def import_rate(env: dict[str, str], out_dir: Path, *, students: int, seed: int, base_url: str | None,
                trials: int = 3) -> dict:
    """Rows/s of ``flask import enrollments`` on a fresh scratch database, from seed-generated CSVs.

    The commands run in-process through Flask's CLI runner, so the figure is the importer's own
    rate (parse, validate, bulk write, commit, ANALYZE), not the interpreter's start-up. The load
    is repeated ``trials`` times, each on a freshly created database, and the median is the
    figure (one load takes a few seconds, so a checkpoint or a noisy neighbour can halve it).
    """
    from mobile_service import create_app

    csv_dir = out_dir / "import-csv"
    shutil.rmtree(csv_dir, ignore_errors=True)
    csv_dir.mkdir(parents=True)
    url = _scratch_database(out_dir, base_url)
    app = create_app({**env, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"})
    _invoke(app, ["seed", "--students", str(students), "--seed", str(seed), "--csv", str(csv_dir), "--no-progress"])
    with app.app_context():
        from mobile_service.extensions import db

        db.engine.dispose()
    enrollments = _find_csv(csv_dir, "enrollments")
    with enrollments.open(encoding="utf-8") as handle:
        rows = sum(1 for _ in handle) - 1
    runs = [_one_import(env, out_dir, base_url, csv_dir, enrollments) for _ in range(max(1, trials))]
    seconds = statistics.median(runs)
    return {"backend": "postgresql" if url.startswith("postgres") else "sqlite", "rows": rows,
            "students": students, "seconds": round(seconds, 3), "rows_per_s": round(rows / seconds, 1),
            "trial_seconds": [round(r, 3) for r in runs], "trial_rows_per_s": [round(rows / r, 1) for r in runs],
            "target_rows_per_s": 25000}


def _scratch_database(out_dir: Path, base_url: str | None) -> str:
    """A new, empty scratch database (PostgreSQL ``<db>_import`` or a SQLite file)."""
    if base_url:
        url = derived_url(base_url, "import")
        ensure_postgres_database(url, rebuild=True)
        return url
    path = (out_dir / "db" / "bench-import.db").resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def _one_import(env: dict[str, str], out_dir: Path, base_url: str | None, csv_dir: Path, enrollments: Path) -> float:
    """Seconds to import the enrollments file into a fresh database holding its schools and students."""
    from flask_migrate import upgrade

    from mobile_service import create_app

    url = _scratch_database(out_dir, base_url)
    app = create_app({**env, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"})
    with app.app_context():
        upgrade()
    for kind in ("schools", "students"):
        _invoke(app, ["import", kind, str(_find_csv(csv_dir, kind)), "--no-progress"])
    started = time.perf_counter()
    _invoke(app, ["import", "enrollments", str(enrollments), "--no-progress"])
    seconds = time.perf_counter() - started
    with app.app_context():
        from mobile_service.extensions import db

        db.engine.dispose()
    return seconds
