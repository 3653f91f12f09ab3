"""Real concurrent requests for the race tests (issue 18): threads, each with its own test client,
app context and database session, released together by a barrier."""
from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import PG_URL

# SQLite serialises every writer on one file lock, so the races these tests hunt cannot happen
# there; the PostgreSQL run (``--require-postgres``, CI) must run them.
postgres_only = pytest.mark.skipif(not (PG_URL or "").startswith("postgres"),
                                   reason="write races need PostgreSQL (SQLite serialises writers)")


def run_together(calls: list[Callable[[], Any]], *, timeout: float = 30.0) -> list[Any]:
    """Start every call in its own thread at the same moment; return their results in order."""
    start = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            start.wait(timeout=timeout)
            results[index] = call()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, c), daemon=True) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(t.is_alive() for t in threads), "a concurrent request hung (deadlock?)"
    if errors:
        raise errors[0]
    return results


def rendezvous(parties: int, *, timeout: float = 10.0) -> Callable[[], None]:
    """A wait point every racing request reaches before it goes on (forces the interleaving)."""
    barrier = threading.Barrier(parties)

    def wait() -> None:
        # A request that took another path breaks the barrier: the rest go on without it.
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=timeout)

    return wait
