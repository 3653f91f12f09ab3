"""``python -m bench.cpu_layers``: Python calls per request, attributed to the layer that made them.

    python -m bench.cpu_layers --database-url postgresql://postgres@127.0.0.1:5432/lacoe_bench_x \
        --endpoints demographics,me

The same app, rotation and access log as ``bench.cpu``; instead of cProfile's flat per-function
counts, every call (Python and builtin, as cProfile counts them) is charged to the innermost
*layer* on the stack: a layer is entered when a call lands in a file it owns (below). Flask,
werkzeug, the standard library and builtins belong to no layer, so they are charged to whoever
called them (``json.dumps`` in the request log is the request log's cost); calls with no layer on
the stack are Flask/werkzeug's own dispatch (and the test client).
"""
from __future__ import annotations

import argparse
import os
import random
import sys
from collections.abc import Callable

from bench.server import ROOT

FLASK = "werkzeug/flask (dispatch)"
# (path fragment, layer); first match wins. Paths are relative to site-packages or the checkout.
_LAYERS: tuple[tuple[str, str], ...] = (
    ("mobile_service/requestlog.py", "requestlog"),
    ("mobile_service/metrics.py", "metrics"),
    ("prometheus_client/", "metrics"),
    ("mobile_service/ratelimit.py", "limiter"),
    ("api/quotas.py", "limiter"),
    ("flask_limiter/", "limiter"),
    ("limits/", "limiter"),
    ("mobile_service/pilot/request_events.py", "usage event"),
    ("auth/", "auth"),
    ("jwt/", "auth"),
    ("cryptography/", "auth"),
    ("webargs/", "smorest/webargs"),
    ("flask_smorest/", "smorest/webargs"),
    ("marshmallow/", "marshmallow"),
    ("sqlalchemy/", "sqlalchemy"),
    ("flask_sqlalchemy/", "sqlalchemy"),
    ("psycopg/", "psycopg"),
    ("mobile_service/app.py", FLASK),  # the app class's ensure_sync: Flask's dispatch
    ("mobile_service/errors.py", "view/service"),
    ("api/", "view/service"),
    ("mobile_service/", "view/service"),
)


def _layer_of(filename: str) -> str | None:
    if "site-packages/" in filename:
        rel = filename.split("site-packages/", 1)[1]
    elif filename.startswith(str(ROOT)):
        rel = filename[len(str(ROOT)) + 1:]
    else:
        return None
    for fragment, layer in _LAYERS:
        if rel.startswith(fragment):
            return layer
    return None


def count_layers(run: Callable[[], None], detail: dict[str, dict[str, int]] | None = None) -> dict[str, int]:
    """Run ``run()`` under a profile hook; return calls charged to each layer.

    ``detail``: also fill ``{layer: {function: calls}}``.
    """
    counts: dict[str, int] = {}
    stack: list[str] = []
    cache: dict[object, str | None] = {}

    def hook(frame, event, _arg):
        if event == "call":
            code = frame.f_code
            layer = cache.get(code, "?")
            if layer == "?":
                layer = cache[code] = _layer_of(code.co_filename)
            if layer is None:
                layer = stack[-1] if stack else FLASK
            stack.append(layer)
            counts[layer] = counts.get(layer, 0) + 1
            if detail is not None:
                name = f"{code.co_filename.rsplit('/', 2)[-2:][-1]}:{code.co_name}"
                per = detail.setdefault(layer, {})
                per[name] = per.get(name, 0) + 1
        elif event == "return":
            if stack:
                stack.pop()
        elif event == "c_call":
            layer = stack[-1] if stack else FLASK
            counts[layer] = counts.get(layer, 0) + 1
            if detail is not None:
                per = detail.setdefault(layer, {})
                name = f"<c>:{getattr(_arg, '__qualname__', _arg)}"
                per[name] = per.get(name, 0) + 1

    sys.setprofile(hook)
    try:
        run()
    finally:
        sys.setprofile(None)
    return counts


def main(argv: list[str] | None = None) -> int:
    """Print calls per request by layer for each endpoint."""
    parser = argparse.ArgumentParser(prog="python -m bench.cpu_layers", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--endpoints", default="me,demographics,enrollments,attendance,progress_reports,caseload")
    parser.add_argument("--detail", help="comma-separated layers whose costliest functions to print")
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    from bench import cpu, workload
    from bench.cli import bench_env
    from mobile_service import create_app

    rng = random.Random(args.seed)
    env = bench_env(args.database_url)
    app = create_app(env)
    cpu._quiet_access_log()
    users = workload.mint_dev_tokens(app, args.users, rng, lifetime=7200)
    cpu._exchange_in_process(app, users)
    cpu._caseloads_in_process(app, users)
    users = [u for u in users if u.caseload]
    criteria = workload.search_criteria(app, rng, 200)
    criteria["search_exact"] = cpu._exact_criteria(app, users, rng)  # as bench.cpu: every rotation is built
    wanted = [e.strip() for e in args.endpoints.split(",")]
    floor_app = None
    if "floor" in wanted and args.database_url.startswith("postgres"):
        from bench import floor

        floor_app = floor.create_floor_app(env)
    rotations = cpu._rotations(app, floor_app, users, criteria, rng)
    for name in wanted:
        req = rotations[name]

        def run(k: int, req=req, name=name) -> None:
            for _ in range(k):
                status = req()
                if not 200 <= status < 300:
                    raise RuntimeError(f"{name}: in-process request answered {status}")

        run(args.warmup)
        detail: dict[str, dict[str, int]] = {}
        counts = count_layers(lambda run=run: run(args.requests), detail if args.detail else None)
        total = sum(counts.values())
        parts = ", ".join(f"{k} {round(v / args.requests)}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))
        print(f"{name}: {round(total / args.requests)} calls/request: {parts}", flush=True)
        for layer in (args.detail or "").split(","):
            per = detail.get(layer.strip(), {})
            top = sorted(per.items(), key=lambda kv: -kv[1])[:40]
            print(f"  {layer}: " + ", ".join(f"{k} {v / args.requests:g}" for k, v in top))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
