"""``python -m bench.cpu``: CPU per request, counted in-process, for every benchmarked endpoint.

    python -m bench.cpu --database-url postgresql://postgres@127.0.0.1:5432/lacoe_bench
    python -m bench.cpu --database-url ... --json bench/out/cpu-after.json

Requests/s on this shared 2-core machine swing by ±40 % from one minute to the next; what a
request *costs* does not. For each endpoint this drives the real app (``create_app`` with the
bench's settings: JSON access log at INFO to /dev/null, limiter on, freshness cache and usage
batching at their server defaults) through Flask's test client, over the same rotation of users
and students as the bench, and reports per request:

* ``calls``: Python function calls (cProfile, deterministic up to cache hits), mean of ``--requests``;
* ``cpu_ms``: process CPU time without the profiler (``time.process_time``), median of 5 rounds;
* ``statements``: SQL statements sent (on PostgreSQL counted at psycopg's cursor, else
  ``before_cursor_execute``), and ``commits``.

The in-process floor (``bench/floor.py`` through its own test client) is measured the same way.
The database must already be seeded (``python -m bench`` seeds and marks it).
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import statistics
import sys
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import event

from bench.server import ROOT

ENDPOINTS = ("healthz", "me", "token_exchange", "demographics", "enrollments", "attendance",
             "progress_reports", "caseload", "search_name", "search_ssid", "search_dob", "search_exact", "floor")
# A record tab revalidated with its current ETag (a 304): ``<tab>_304``, measured on request only.
REVALIDATIONS = tuple(f"{tab}_304" for tab in ("demographics", "enrollments", "attendance", "progress_reports"))


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.cpu", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a seeded PostgreSQL (or SQLite) bench database")
    parser.add_argument("--users", type=int, default=30, help="signed-in users to rotate over (default 30)")
    parser.add_argument("--requests", type=int, default=100, help="requests per measurement (default 100)")
    parser.add_argument("--warmup", type=int, default=30, help="warm-up requests per endpoint (default 30)")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds; the median is reported (default 5)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--endpoints", help="comma-separated subset of: " + ", ".join(ENDPOINTS + REVALIDATIONS))
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--top", type=int, default=0, help="print the N costliest functions per endpoint")
    return parser.parse_args(argv)


def _quiet_access_log() -> None:
    # The access log runs at INFO as on the servers, but into /dev/null: its formatting is
    # part of a request's cost, the terminal's write is not.
    import logging

    from mobile_service.requestlog import configure_logging

    configure_logging("INFO")
    for handler in logging.getLogger("mobile_service").handlers:
        if getattr(handler, "_mobile_json", False):
            handler.setStream(open(os.devnull, "w"))  # noqa: SIM115 - lives as long as the process


class Requests:
    """One endpoint's rotation: a callable per request, issued through a test client."""

    def __init__(self, name: str, client, items: list[tuple[str, str, dict]]) -> None:
        self.name, self.client, self.items, self.i = name, client, items, 0

    def __call__(self) -> int:
        method, path, kwargs = self.items[self.i % len(self.items)]
        self.i += 1
        response = self.client.open(path, method=method, **kwargs)
        status = response.status_code
        response.close()
        return status


def _revalidations(client, items: list[tuple[str, str, dict]]) -> list[tuple[str, str, dict]]:
    # Each request sends the tag its own earlier 200 carried: every one is answered 304.
    out = []
    for method, path, kwargs in items:
        response = client.open(path, method=method, **kwargs)
        tag = response.headers["ETag"]
        response.close()
        out.append((method, path, {"headers": {**kwargs["headers"], "If-None-Match": tag}}))
    return out


def _rotations(app, floor_app, users, criteria, rng: random.Random,
               wanted: list[str] | None = None) -> dict[str, Requests]:
    from bench import workload

    client = app.test_client()
    auth = [{"headers": {"Authorization": f"Bearer {u.app_token}"}} for u in users]
    pairs = [(a, card["student_key"]) for u, a in zip(users, auth, strict=True) for card in u.caseload]
    rng.shuffle(pairs)
    out: dict[str, Requests] = {
        "healthz": Requests("healthz", client, [("GET", "/healthz", {})]),
        "me": Requests("me", client, [("GET", "/api/v1/me", a) for a in auth]),
        "caseload": Requests("caseload", client, [("GET", "/api/v1/caseload", a) for a in auth]),
        "token_exchange": Requests("token_exchange", client, [
            ("POST", "/auth/token", {"data": urllib.parse.urlencode({**workload.EXCHANGE_FORM,
                                                                     "subject_token": u.dev_token}),
                                     "content_type": workload.FORM}) for u in users]),
    }
    for tab, template in workload.RECORD_TABS.items():
        out[tab] = Requests(tab, client, [("GET", template.format(key=key), a) for a, key in pairs])
        if f"{tab}_304" in (wanted or ()):
            out[f"{tab}_304"] = Requests(f"{tab}_304", client, _revalidations(client, out[tab].items[:200]))
    for kind in ("search_name", "search_ssid", "search_dob", "search_exact"):
        items = criteria[kind]
        out[kind] = Requests(kind, client, [("POST", "/api/v1/students/search",
                                             {**auth[k % len(auth)], "json": items[k % len(items)]})
                                            for k in range(max(len(items), len(auth)))])
    if floor_app is not None:
        from bench import floor

        floor_client = floor_app.test_client()
        floor_items = floor.request_list(floor_app, users)
        out["floor"] = Requests("floor", floor_client, [("GET", path, {"headers": h}) for path, h in floor_items])
    return out


def _exact_criteria(app, users, rng: random.Random) -> list[dict]:
    """The EPS exact lookup (first + last name + birth date, in full): half of a caller's own
    students, half of random students (mostly outside every caller's scope: reduced cards)."""
    from mobile_service.extensions import db
    from mobile_service.models import Student

    keys = [card["student_key"] for u in users for card in u.caseload][:50]
    with app.app_context():
        columns = (Student.legal_first_name, Student.legal_last_name, Student.birth_date)
        own = db.session.execute(db.select(*columns).where(Student.student_key.in_(keys))).all()
        start = rng.randint(0, 1000)
        others = db.session.execute(db.select(*columns).order_by(Student.id).offset(start).limit(len(own) or 50)).all()
        db.session.remove()
    rows = [row for pair in zip(own, others, strict=False) for row in pair] or others
    return [{"first_name": first, "last_name": last, "dob": dob.isoformat()} for first, last, dob in rows]


def _count_statements(app) -> tuple[dict, Callable[[], None]]:
    from mobile_service.extensions import db

    counts = {"statements": 0, "commits": 0}

    def on_execute(*_a, **_k):
        counts["statements"] += 1

    def on_commit(*_a, **_k):
        counts["commits"] += 1

    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "postgresql":
        # At the driver: the record tabs run on psycopg directly (mobile_service.raw_statement),
        # which SQLAlchemy's before_cursor_execute never sees; every other statement goes
        # through the same psycopg.Cursor methods.
        import psycopg

        real = {name: getattr(psycopg.Cursor, name) for name in ("execute", "executemany")}

        def counted(name):
            def call(cursor, *args, **kwargs):
                counts["statements"] += 1
                return real[name](cursor, *args, **kwargs)
            return call
        for name in real:
            setattr(psycopg.Cursor, name, counted(name))
    else:
        real = {}
        event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(engine, "commit", on_commit)

    def remove() -> None:
        if real:
            import psycopg

            for name, method in real.items():
                setattr(psycopg.Cursor, name, method)
        else:
            event.remove(engine, "before_cursor_execute", on_execute)
        event.remove(engine, "commit", on_commit)

    return counts, remove


def measure(req: Requests, *, n: int, warmup: int, rounds: int, top: int, app) -> dict:
    """Calls, CPU and statements per request of one endpoint (every response must be 2xx; a 304 for ``<tab>_304``)."""
    def run(k: int) -> None:
        for _ in range(k):
            status = req()
            if not (200 <= status < 300 or (status == 304 and req.name.endswith("_304"))):
                raise RuntimeError(f"{req.name}: in-process request answered {status}")

    run(warmup)
    cpu = []
    for _ in range(rounds):
        started = time.process_time()
        run(n)
        cpu.append((time.process_time() - started) * 1000 / n)
    profiler = cProfile.Profile()
    profiler.enable()
    run(n)
    profiler.disable()
    stats = pstats.Stats(profiler)
    result = {"calls": round(stats.total_calls / n), "cpu_ms": round(statistics.median(cpu), 3),
              "cpu_ms_rounds": [round(c, 3) for c in cpu]}
    if req.name != "floor":
        counts, remove = _count_statements(app)
        try:
            run(n)
        finally:
            remove()
        result["statements"] = round(counts["statements"] / n, 2)
        result["commits"] = round(counts["commits"] / n, 2)
    result["calls_by_package"] = _by_package(stats, n)
    if top:
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).sort_stats("tottime").print_stats(top)
        result["top"] = buffer.getvalue()
    return result


def _package(filename: str) -> str:
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if filename.startswith(str(ROOT)):
        return "project:" + filename[len(str(ROOT)) + 1:].split("/", 1)[0]
    return "stdlib/builtins"


def _by_package(stats: pstats.Stats, n: int) -> dict[str, int]:
    """Function calls per request, by the package the called function lives in."""
    totals: dict[str, int] = {}
    for (filename, _line, _name), (_cc, ncalls, *_rest) in stats.stats.items():  # type: ignore[attr-defined]
        key = _package(filename)
        totals[key] = totals.get(key, 0) + ncalls
    return {k: round(v / n) for k, v in sorted(totals.items(), key=lambda kv: -kv[1]) if v / n >= 1}


def main(argv: list[str] | None = None) -> int:
    """Measure every endpoint; print a table (and write JSON with ``--json``)."""
    args = _parse(argv)
    os.chdir(ROOT)
    from bench import workload
    from bench.cli import bench_env
    from mobile_service import create_app

    rng = random.Random(args.seed)
    env = bench_env(args.database_url)
    app = create_app(env)
    _quiet_access_log()
    users = workload.mint_dev_tokens(app, args.users, rng, lifetime=7200)
    _exchange_in_process(app, users)
    _caseloads_in_process(app, users)
    users = [u for u in users if u.caseload]
    criteria = workload.search_criteria(app, rng, 200)
    criteria["search_exact"] = _exact_criteria(app, users, rng)
    wanted = [e.strip() for e in args.endpoints.split(",")] if args.endpoints else list(ENDPOINTS)
    floor_app = None
    if "floor" in wanted and args.database_url.startswith("postgres"):
        from bench import floor

        floor_app = floor.create_floor_app(env)
    rotations = _rotations(app, floor_app, users, criteria, rng, wanted)
    results = {}
    print(f"{'endpoint':<18}{'calls':>9}{'cpu ms':>9}{'stmts':>7}{'commits':>8}", flush=True)
    for name in wanted:
        if name not in rotations:
            print(f"{name:<18}  (skipped)")
            continue
        r = measure(rotations[name], n=args.requests, warmup=args.warmup, rounds=args.rounds, top=args.top, app=app)
        results[name] = r
        print(f"{name:<18}{r['calls']:>9}{r['cpu_ms']:>9.3f}{r.get('statements', '-'):>7}{r.get('commits', '-'):>8}",
              flush=True)
        if args.top:
            print(r["top"])
            print("calls per request by package:", r["calls_by_package"])
    if args.json:
        meta = {"started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "database": _safe(args.database_url),
                "users": len(users), "requests": args.requests, "rounds": args.rounds, "python": sys.version.split()[0]}
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({"meta": meta, "endpoints": {k: {kk: vv for kk, vv in v.items() if kk != "top"}
                                                                          for k, v in results.items()}}, indent=2) + "\n")
    return 0


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _exchange_in_process(app, users) -> None:
    from bench import workload

    client = app.test_client()
    for user in users:
        response = client.post("/auth/token", data=urllib.parse.urlencode(
            {**workload.EXCHANGE_FORM, "subject_token": user.dev_token}), content_type=workload.FORM)
        if response.status_code != 200:
            raise RuntimeError(f"token exchange for user {user.user_id} answered {response.status_code}")
        user.app_token = response.get_json()["access_token"]


def _caseloads_in_process(app, users) -> None:
    client = app.test_client()
    for user in users:
        response = client.get("/api/v1/caseload?limit=100", headers={"Authorization": f"Bearer {user.app_token}"})
        if response.status_code != 200:
            raise RuntimeError(f"caseload of user {user.user_id} answered {response.status_code}")
        body = response.get_json()
        user.caseload, user.caseload_total = body.get("items", []), int(body.get("total", 0))


if __name__ == "__main__":
    raise SystemExit(main())
