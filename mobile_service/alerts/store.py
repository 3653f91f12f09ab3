"""Raising and clearing stored alerts, idempotently, in the caller's transaction (no commit).

Statements run on the session's connection, not ``session.execute``: like the audit write, they
must not autoflush a caller's pending change (a lost race belongs to the caller's commit).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import and_, bindparam, insert, select, update

from mobile_service.extensions import db
from mobile_service.models import Alert

CHUNK = 900  # students per statement (SQLite's bound-parameter limit stays far away)
Key = tuple[int, str, str]  # (student_id, kind, audience)

_INSERT = insert(Alert)
_CLEAR = (update(Alert).where(Alert.id.in_(bindparam("ids", expanding=True)), Alert.cleared_at.is_(None))
          .values(cleared_at=bindparam("now"), changed_at=bindparam("now")))


def chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    """``ids`` (deduplicated, sorted) in slices of :data:`CHUNK`."""
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start:start + CHUNK]


def open_rows(student_ids: Sequence[int], kinds: Sequence[str]) -> list:
    """The open alerts of these students and kinds: ``(id, student_id, kind, audience, basis)``."""
    if not student_ids:
        return []
    stmt = select(Alert.id, Alert.student_id, Alert.kind, Alert.audience, Alert.basis).where(
        Alert.student_id.in_(list(student_ids)), Alert.kind.in_(list(kinds)), Alert.cleared_at.is_(None))
    return list(db.session.connection().execute(stmt))


def clear(ids: Sequence[int], now: dt.datetime) -> int:
    """Clear open alerts by id."""
    if not ids:
        return 0
    return db.session.connection().execute(_CLEAR, {"ids": list(ids), "now": now}).rowcount


def add(rows: Sequence[tuple[Key, str]], now: dt.datetime) -> int:
    """Insert open alerts ``((student_id, kind, audience), basis)`` (the caller cleared any open one)."""
    if not rows:
        return 0
    db.session.connection().execute(_INSERT, [
        {"student_id": sid, "kind": kind, "audience": audience, "basis": basis[:64], "raised_at": now,
         "changed_at": now, "cleared_at": None} for (sid, kind, audience), basis in rows])
    return len(rows)


def reconcile(student_ids: Sequence[int], kinds: Sequence[str], desired: Mapping[Key, str],
              now: dt.datetime, keep: Callable[[Any], bool] | None = None) -> tuple[int, int]:
    """Make the open alerts of ``kinds`` for these students exactly ``desired`` (key -> basis).

    An open alert whose fact still holds (same key and basis) is left alone: a re-import of the
    same data raises nothing. One whose fact is gone or replaced (a newer move, a newer report)
    is cleared, and the new fact raised. Open alerts ``keep(row)`` says are outside this refresh
    (another worker's, say) are left alone. Returns (raised, cleared).
    """
    current = {(r.student_id, r.kind, r.audience): (r.id, r.basis) for r in open_rows(student_ids, kinds)
               if keep is None or not keep(r)}
    stale = [alert_id for key, (alert_id, basis) in current.items() if desired.get(key) != basis]
    fresh = [(key, basis) for key, basis in desired.items()
             if key not in current or current[key][1] != basis]
    cleared = clear(stale, now)
    return add(fresh, now), cleared


def clear_matching(now: dt.datetime, *conditions) -> int:
    """Clear the open alerts matching ``conditions`` (column expressions on ``Alert``)."""
    stmt = (update(Alert).where(Alert.cleared_at.is_(None), and_(*conditions))
            .values(cleared_at=now, changed_at=now).execution_options(synchronize_session=False))
    return db.session.connection().execute(stmt).rowcount


def open_students(kind: str):
    """A select of the students with an open alert of ``kind``."""
    return select(Alert.student_id).where(Alert.kind == kind, Alert.cleared_at.is_(None))


def open_student_ids(kind: str, student_ids: Sequence[int]) -> list[int]:
    """Which of these students have an open alert of ``kind``."""
    # In chunks: a county-wide load names more students than a statement may carry parameters.
    connection = db.session.connection()
    return [student_id for chunk in chunks(student_ids)
            for student_id in connection.execute(open_students(kind).where(Alert.student_id.in_(chunk))).scalars()]
