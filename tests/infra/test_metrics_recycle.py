"""Prometheus multiprocess files stay bounded when gunicorn recycles workers, and no count is
lost (issue 13): ``child_exit`` merges a dead worker's files into per-type totals."""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from mobile_service import metrics, prometheus_files

ROOT = Path(__file__).resolve().parents[2]
PID_FILE = re.compile(r"_(\d+)\.db$")
HEALTHZ = 'mobile_http_requests_total{method="GET",route="/healthz",status="200"}'


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def _pids(directory: Path) -> set[str]:
    return {m.group(1) for m in map(PID_FILE.search, os.listdir(directory)) if m}


def _value(body: str, prefix: str) -> float:
    return sum(float(line.rsplit(" ", 1)[1]) for line in body.splitlines() if line.startswith(prefix + " "))


def test_recycled_workers_leave_bounded_files_and_their_counts(tmp_path):
    """Real gunicorn, 2 workers recycled every 5 requests: ~12 recycles, counts exact, few files."""
    prom_dir = tmp_path / "prom"
    prom_dir.mkdir()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PROMETHEUS_", "MOBILE_METRICS"))}
    env.update(APP_ENV="development", AUTH_MODE="dev", DATABASE_URL=f"sqlite:///{tmp_path / 'm.db'}",
               PROMETHEUS_MULTIPROC_DIR=str(prom_dir), BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="2",
               GUNICORN_THREADS="1", GUNICORN_MAX_REQUESTS="5", GUNICORN_MAX_REQUESTS_JITTER="0",
               GUNICORN_KEEPALIVE="0", LOG_LEVEL="WARNING")
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "infra/gunicorn.conf.py", "wsgi:app"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                _get(base + "/healthz")
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not start")
        sent, most_pids, seen = 1, 0, set()
        while sent < 60:
            try:
                _get(base + "/healthz")
                sent += 1
            except OSError:  # a worker restarting between accept and answer: try again
                time.sleep(0.05)
            now = _pids(prom_dir)
            most_pids, seen = max(most_pids, len(now)), seen | now
        assert len(seen) >= 8, f"workers were not recycled: {seen}"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            body = _get(base + "/metrics")
            if _value(body, HEALTHZ) == sent:
                break
            time.sleep(0.3)
        assert _value(body, HEALTHZ) == sent, "requests answered by dead workers were lost"
        names = os.listdir(prom_dir)
        assert "counter_merged.db" in names and "histogram_merged.db" in names
        # The master and at most two workers (plus one being replaced) have files; never 20+.
        assert most_pids <= 4, most_pids
        assert len(_pids(prom_dir)) <= 4
        assert len([n for n in names if n.endswith(".db")]) <= 4 * 7 + 2
        assert 'mobile_http_request_duration_seconds_count{method="GET",route="/healthz",status="200"}' in body
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def test_merge_keeps_counter_and_histogram_totals_exact(tmp_path, monkeypatch):
    """Unit level: two dead processes' files folded in, in two steps, give the same scrape."""
    script = (
        "import sys\n"
        "from prometheus_client import Counter, Histogram\n"
        "c = Counter('t_requests_total', 'r', ['route'])\n"
        "h = Histogram('t_latency_seconds', 'l', buckets=(0.1, 1.0))\n"
        "n = int(sys.argv[1])\n"
        "c.labels(route='/a').inc(n)\n"
        "[h.observe(v) for v in (0.05, 0.5, 5.0)[:n]]\n"
    )
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    pids = []
    for n in (2, 3):
        child = subprocess.run([sys.executable, "-c", script + "import os; print(os.getpid())", str(n)],
                               env=env, capture_output=True, text=True, check=True)
        pids.append(int(child.stdout))

    def scrape() -> str:
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(tmp_path))
        return generate_latest(registry).decode()

    before = scrape()
    prometheus_files.merge_dead_process(pids[0], str(tmp_path))
    assert prometheus_files.sweep({os.getpid()}, str(tmp_path)) == [pids[1]]
    after = scrape()
    assert sorted(after.splitlines()) == sorted(before.splitlines())  # file order may differ
    assert 't_requests_total{route="/a"} 5.0' in after
    assert 't_latency_seconds_bucket{le="0.1"} 2.0' in after and 't_latency_seconds_count 5.0' in after
    assert sorted(n for n in os.listdir(tmp_path) if n.endswith(".db")) == ["counter_merged.db",
                                                                            "histogram_merged.db"]


def test_every_service_gauge_is_live_so_dead_workers_drop_out():
    """Only ``live*`` gauges are removed at death; a non-live gauge file would never be merged."""
    gauges = [value for value in vars(metrics).values() if type(value).__name__ == "Gauge"]
    assert gauges
    assert all(g._multiprocess_mode.startswith("live") for g in gauges)
