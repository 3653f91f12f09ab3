"""Build the benchmark database at a scale, or reuse one a marker says is already seeded.

SQLite files live under ``bench/out/db/``; a PostgreSQL URL names a database that is created
when missing. A marker (``bench/out/db/<key>.json``) records scale, seed, schema head and the
student count; it is trusted only when the database still agrees with it.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bench.server import ROOT
from mobile_service.config import normalize_database_url


@dataclass
class BenchDatabase:
    """A seeded database and how it got there."""

    url: str
    scale: int
    seed: int
    students: int
    seed_seconds: float | None
    reused: bool

    @property
    def backend(self) -> str:
        return "postgresql" if self.url.startswith("postgres") else "sqlite"


def flask(args: list[str], env: dict[str, str], *, capture: bool = False) -> subprocess.CompletedProcess:
    """Run ``flask --app wsgi ARGS`` from the repository root; raise on failure."""
    cmd = [str(Path(sys.executable).parent / "flask"), "--app", "wsgi", *args]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, text=True, check=False,
                          capture_output=capture)
    if proc.returncode != 0:
        detail = (proc.stderr or "")[-2000:] if capture else ""
        raise RuntimeError(f"`flask --app wsgi {' '.join(args)}` failed with {proc.returncode}\n{detail}")
    return proc


def database_url_for(base_url: str | None, out_dir: Path, scale: int, seed: int) -> str:
    """The URL of the database for one scale: the given PostgreSQL one, or a SQLite file."""
    if base_url:
        return base_url
    path = (out_dir / "db" / f"bench-s{scale}-seed{seed}.db").resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def derived_url(base_url: str, suffix: str) -> str:
    """A sibling PostgreSQL database name (``<name>_<suffix>``) for growth runs."""
    url = make_url(base_url)
    return url.set(database=f"{url.database}_{suffix}").render_as_string(hide_password=False)


def _marker_path(out_dir: Path, url: str) -> Path:
    key = hashlib.sha256(make_url(normalize_database_url(url)).render_as_string(hide_password=True).encode())
    return out_dir / "db" / f"marker-{key.hexdigest()[:16]}.json"


def _engine(url: str):
    return create_engine(normalize_database_url(url))


def ensure_postgres_database(url: str, *, rebuild: bool) -> None:
    """Create the PostgreSQL database when missing (drop and recreate it with ``rebuild``)."""
    target = make_url(normalize_database_url(url))
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                  {"n": target.database}).scalar()
            if exists and rebuild:
                conn.execute(text(f'DROP DATABASE "{target.database}" WITH (FORCE)'))
                exists = False
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        admin.dispose()


def _state(url: str) -> tuple[str | None, int]:
    """(alembic revision, student count) of a database; (None, 0) when not migrated."""
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            try:
                revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            except SQLAlchemyError:
                return None, 0
            count = conn.execute(text("SELECT count(*) FROM students")).scalar() or 0
            return revision, int(count)
    finally:
        engine.dispose()


def vacuum(url: str) -> None:
    """``VACUUM (ANALYZE)`` a freshly seeded PostgreSQL database: the steady state autovacuum
    reaches on its own a while after a load (visibility map set, so index-only scans skip the
    heap), reached before measuring instead of during a run, then flushed to disk. Not part of the seed time."""
    engine = create_engine(normalize_database_url(url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("SET statement_timeout = 0"))
            conn.execute(text("VACUUM (ANALYZE)"))
            # A seed leaves GBs of dirty pages (1,000,000 students); without a checkpoint and a
            # sync their writeback lands in the first scenarios and every commit waits on it.
            # Not a superuser (nor pg_checkpoint): the OS sync below still flushes.
            with contextlib.suppress(SQLAlchemyError):
                conn.execute(text("CHECKPOINT"))
    finally:
        engine.dispose()
    os.sync()


def migrations_head() -> str | None:
    """The head revision of the service's migrations."""
    from mobile_service.database_setup import migrations_head

    return migrations_head()


def prepare(url: str, *, scale: int, seed: int, env: dict[str, str], out_dir: Path,
            rebuild: bool = False) -> BenchDatabase:
    """Return a database seeded at ``scale`` with ``seed``, building it only when needed."""
    postgres = url.startswith("postgres")
    if postgres:
        ensure_postgres_database(url, rebuild=rebuild)
    elif rebuild:
        Path(make_url(url).database).unlink(missing_ok=True)
    marker_path = _marker_path(out_dir, url)
    head = migrations_head()
    revision, count = _state(url)
    if marker_path.exists() and not rebuild:
        marker = json.loads(marker_path.read_text())
        if (marker.get("scale"), marker.get("seed"), marker.get("students")) == (scale, seed, count) \
                and count > 0 and revision != head and marker.get("head") == revision:
            # Seeded by this harness at an older schema: migrations keep the data, so upgrade.
            print(f"upgrading the bench database from {revision} to {head} ...", flush=True)
            flask(["db", "upgrade"], {**env, "DATABASE_URL": url})
            if postgres:
                vacuum(url)  # a backfill leaves dead rows and stale visibility, as a seed does
            revision, count = _state(url)
            marker["head"] = revision
            marker_path.write_text(json.dumps(marker, indent=2))
        if (marker.get("scale"), marker.get("seed"), marker.get("head"), marker.get("students")) == \
                (scale, seed, head, count) and revision == head and count > 0:
            print(f"reusing {marker['backend']} database seeded at {scale} students (seed {seed})", flush=True)
            return BenchDatabase(url, scale, seed, count, marker.get("seed_seconds"), reused=True)
    if count > 0:
        raise RuntimeError(
            f"the database already holds {count} students but no matching bench marker; "
            "pass --rebuild to drop and rebuild it (or another --database-url)")
    db_env = {**env, "DATABASE_URL": url}
    print(f"migrating and seeding {scale} students (seed {seed}) ...", flush=True)
    flask(["db", "upgrade"], db_env)
    started = time.perf_counter()
    flask(["seed", "--students", str(scale), "--seed", str(seed)], db_env)
    seed_seconds = time.perf_counter() - started
    if postgres:
        vacuum(url)
    revision, count = _state(url)
    marker = {"backend": "postgresql" if postgres else "sqlite", "scale": scale, "seed": seed, "head": head,
              "students": count, "seed_seconds": round(seed_seconds, 2),
              "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    marker_path.parent.mkdir(parents=True, exist_ok=True)
    marker_path.write_text(json.dumps(marker, indent=2))
    return BenchDatabase(url, scale, seed, count, round(seed_seconds, 2), reused=False)
