"""wrk, the load generator: install it when missing, run a request list, read the JSON summary."""
from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

LUA_SCRIPT = Path(__file__).parent / "lua" / "rotate.lua"


class LoadGenError(RuntimeError):
    """wrk is missing and cannot be installed, or a run failed."""


def ensure_wrk() -> str:
    """Return the wrk binary, installing Debian's ``wrk`` package with apt-get when missing."""
    found = shutil.which("wrk")
    if found:
        return found
    apt = shutil.which("apt-get")
    if apt:
        print("wrk not found; installing Debian package 'wrk' with apt-get", flush=True)
        subprocess.run([apt, "update", "-qq"], check=False)
        subprocess.run([apt, "install", "-y", "-qq", "wrk"], check=False)
        found = shutil.which("wrk")
    if not found:
        raise LoadGenError("wrk is not installed and could not be installed: run `apt-get install wrk` "
                           "(Debian package) as root, then re-run the benchmark")
    return found


def wrk_version(binary: str) -> str:
    """First line of ``wrk -v`` (e.g. ``wrk 4.1.0 [epoll] ...``)."""
    proc = subprocess.run([binary, "-v"], capture_output=True, text=True, check=False)
    return (proc.stdout or proc.stderr).strip().splitlines()[0] if (proc.stdout or proc.stderr) else "wrk"


@dataclass
class Request:
    """One line of a request list."""

    method: str
    path: str
    token: int = 0            # 1-based index into the token file; 0 = no Authorization
    content_type: str = "-"
    body: str = "-"

    def line(self) -> str:
        for part in (self.method, self.path, self.content_type, self.body):
            if "\t" in part or "\n" in part:
                raise ValueError("request fields must not contain tabs or newlines")
        return f"{self.method}\t{self.path}\t{self.token}\t{self.content_type}\t{self.body}"


@dataclass
class RunResult:
    """What one wrk run measured."""

    requests: int
    duration_s: float
    latency_ms: dict[str, float]
    statuses: dict[int, int]
    socket_errors: dict[str, int]
    raw: dict = field(repr=False, default_factory=dict)

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    def non_2xx(self, allowed: tuple[int, ...] = ()) -> int:
        """Responses outside 2xx (``allowed`` statuses, e.g. an intended 304, excepted)."""
        return sum(n for code, n in self.statuses.items() if not (200 <= code < 300 or code in allowed))

    @property
    def errors(self) -> int:
        """Socket-level errors: connect, read, write, timeout."""
        return sum(self.socket_errors.values())


def write_requests(path: Path, requests: list[Request]) -> None:
    """Write a request list for ``rotate.lua``."""
    if not requests:
        raise ValueError(f"no requests for {path.name}")
    path.write_text("\n".join(r.line() for r in requests) + "\n", encoding="utf-8")


def run(binary: str, url: str, requests_file: Path, tokens_file: Path | None, *, duration: float,
        connections: int, threads: int = 2, timeout_s: int = 5) -> RunResult:
    """Run wrk against ``url`` with a request list; return its parsed summary."""
    threads = max(1, min(threads, connections))
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        result_path = Path(tmp) / "result.json"
        env = {
            "BENCH_REQUESTS": str(requests_file),
            "BENCH_TOKENS": str(tokens_file or ""),
            "BENCH_RESULT": str(result_path),
            "BENCH_THREADS": str(threads),
            "PATH": "/usr/bin:/bin",
        }
        cmd = [binary, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(duration))}s",
               f"--timeout={timeout_s}s", "-s", str(LUA_SCRIPT), url]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False,
                              timeout=duration + 60)
        if proc.returncode != 0 or not result_path.exists():
            raise LoadGenError(f"wrk failed ({proc.returncode}): {proc.stderr.strip() or proc.stdout.strip()}")
        raw = json.loads(result_path.read_text())
    lat = raw["latency_us"]
    errors = raw["errors"]
    return RunResult(
        requests=int(raw["requests"]),
        duration_s=raw["duration_us"] / 1e6,
        latency_ms={k: lat[k] / 1000.0 for k in ("p50", "p90", "p95", "p99", "max", "mean")},
        statuses={int(k): int(v) for k, v in raw["statuses"].items()},
        socket_errors={k: int(errors[k]) for k in ("connect", "read", "write", "timeout")},
        raw=raw,
    )
