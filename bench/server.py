"""Start and stop gunicorn (infra/gunicorn.conf.py) on loopback; read worker memory."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONF = ROOT / "infra" / "gunicorn.conf.py"


def free_port() -> int:
    """A currently free loopback TCP port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A gunicorn master we started; stop() sends TERM and waits."""

    name: str
    process: subprocess.Popen
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        """The gunicorn worker processes (children of the master)."""
        return child_pids(self.process.pid)

    def worker_rss_mb(self) -> dict[int, float]:
        """VmRSS of each worker, in MB (from /proc/<pid>/status)."""
        return {pid: rss for pid in self.worker_pids() if (rss := rss_mb(pid)) is not None}

    def signal(self, signum: int) -> None:
        self.process.send_signal(signum)

    def stop(self, timeout: float = 30) -> int | None:
        """Graceful stop (TERM), then KILL if it does not exit in time; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        return self.process.returncode


def child_pids(parent: int) -> list[int]:
    """PIDs whose parent is ``parent`` (scanning /proc; no psutil needed)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            pids.append(int(entry))
    return sorted(pids)


def rss_mb(pid: int) -> float | None:
    """Resident set size of a process in MB, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        return None
    return None


def start(name: str, app_spec: str, env: dict[str, str], log_dir: Path, *, port: int | None = None,
          ready_path: str = "/healthz", timeout: float = 60) -> Server:
    """Start ``gunicorn -c infra/gunicorn.conf.py APP`` on loopback and wait until it answers."""
    port = port or free_port()
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"server-{name}.log"
    full_env = {**env, "BIND": f"127.0.0.1:{port}"}
    full_env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # each server gets its own (gunicorn.conf.py)
    full_env.pop("MOBILE_METRICS_DIR_OWNED", None)
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    handle = open(log_path, "ab")  # noqa: SIM115 - stays open for the server's lifetime
    process = subprocess.Popen([gunicorn, "-c", str(GUNICORN_CONF), app_spec], cwd=ROOT, env=full_env,
                               stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(name, process, port, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn ({name}) exited with {process.returncode}; see {log_path}")
        try:
            with urllib.request.urlopen(server.url + ready_path, timeout=2) as response:
                if response.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"gunicorn ({name}) did not become ready in {timeout:.0f} s; see {log_path}")
