"""A bounded, threaded HTTP client that records every outcome with its timing."""
from __future__ import annotations

import http.client
import threading
import time
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Outcome:
    """One request: when it started and ended, the status (0 = no response) and details."""

    started: float
    ended: float
    path: str
    status: int
    retry_after: bool = False
    error: str = ""


def _spec(item: tuple) -> tuple[str, str, dict[str, str], bytes | None]:
    if len(item) == 2:
        path, token = item
        return "GET", path, {"Authorization": f"Bearer {token}"}, None
    return item


@dataclass
class LoadRun:
    """Threads sending ``requests`` round-robin for at most ``seconds`` / ``max_requests``."""

    port: int
    # (path, bearer token) for a GET, or (method, path, headers, body) for anything else.
    requests: list[tuple]
    threads: int = 4
    seconds: float = 30.0
    max_requests: int = 100_000
    outcomes: list[Outcome] = field(default_factory=list)

    def __post_init__(self):
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sent = 0
        self._workers: list[threading.Thread] = []

    def _next(self, position: int) -> tuple | None:
        with self._lock:
            if self._stop.is_set() or self._sent >= self.max_requests:
                return None
            self._sent += 1
        return self.requests[position % len(self.requests)]

    def _worker(self, index: int) -> None:
        conn: http.client.HTTPConnection | None = None
        position = index * max(1, len(self.requests) // self.threads)
        while (item := self._next(position)) is not None:
            position += 1
            method, path, headers, body = _spec(item)
            started = time.monotonic()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                outcome = Outcome(started, time.monotonic(), path, response.status,
                                  retry_after=response.getheader("Retry-After") is not None)
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as exc:
                outcome = Outcome(started, time.monotonic(), path, 0, error=type(exc).__name__)
                if conn is not None:
                    conn.close()
                conn = None
                time.sleep(0.05)   # a refused connection must not become a busy loop
            with self._lock:
                self.outcomes.append(outcome)
        if conn is not None:
            conn.close()

    def start(self) -> None:
        self.t0 = time.monotonic()
        self._workers = [threading.Thread(target=self._worker, args=(i,), daemon=True) for i in range(self.threads)]
        for worker in self._workers:
            worker.start()
        self._timer = threading.Timer(self.seconds, self._stop.set)
        self._timer.daemon = True
        self._timer.start()

    def wait(self) -> None:
        for worker in self._workers:
            worker.join(self.seconds + 30)
        self._timer.cancel()

    def stop(self) -> None:
        self._stop.set()

    def statuses(self, since: float | None = None, until: float | None = None) -> Counter:
        """Status counts of requests that started within [since, until) (monotonic times)."""
        return Counter(o.status for o in self.outcomes
                       if (since is None or o.started >= since) and (until is None or o.started < until))
