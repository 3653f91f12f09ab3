"""Raising and clearing stored alerts, idempotently, in the caller's transaction (no commit).

Statements run on the session's connection, not ``session.execute``: like the audit write, they
must not autoflush a caller's pending change.

Two transactions may refresh the same student at once (a review and the daily job, an import
and the daily job): the insert is ``ON CONFLICT DO NOTHING`` on the one-open-alert index, so the
loser of that race finds the alert already raised instead of failing its request or load.

The times the feed compares (``changed_at``, and ``raised_at``/``cleared_at``) are stamped at
commit (``_stamp_at_commit``), not when the refresh began: a ``since`` poll answered while a long
load was still running must still find that load's alerts once it commits (``feed.SETTLE``
covers only the last moments before the commit and clock skew).

On PostgreSQL the statements take their ids as one array parameter (``= ANY(:ids)``) and a chunk's
new alerts go in one ``INSERT ... SELECT FROM unnest(...)``: a county-wide load refreshes 50,000
students in a few dozen statements, with nothing rendered or parsed per id. SQLite keeps the
expanding IN lists within its parameter limit (:data:`CHUNK`).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import BigInteger, Text, and_, any_, bindparam, event, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.types import TypeDecorator

from mobile_service import clock
from mobile_service.extensions import db
from mobile_service.models import Alert
from mobile_service.models.base import UTCDateTime

CHUNK = 900  # students per statement (SQLite's bound-parameter limit stays far away)
# PostgreSQL: ids travel as one array parameter, so a chunk is bounded by memory, not by
# parameters; larger chunks mean fewer round trips and statements for a county-wide load.
PG_CHUNK = 5000
Key = tuple[int, str, str]  # (student_id, kind, audience)


class _IdArray(TypeDecorator):
    """``bigint[]`` bound as an array literal string (:func:`id_literal`), passed through untouched.

    Rendered ``%(name)s::BIGINT[]``: a constant array to the planner. (``CAST(:name AS BIGINT[])``
    from a VARCHAR bind is an I/O coercion the executor re-runs for every row it filters.)
    """

    impl = postgresql.ARRAY(BigInteger)
    cache_ok = True

    def bind_processor(self, dialect):
        """No processing: the value is already the literal."""
        return None


def id_array(name: str):
    """A PostgreSQL ``bigint[]`` parameter (``column = ANY(:name)``), given as :func:`id_literal`."""
    return bindparam(name, type_=_IdArray())


def id_literal(ids: Iterable[int]) -> str:
    """Ids as one array literal (``{1,2,3}``): the driver adapts a Python list of thousands of ints
    element by element, several times the CPU of this join (measured: 7 ms against 1.5 ms per 5,000)."""
    return "{" + ",".join(map(str, map(int, ids))) + "}"  # int(): nothing but digits reaches the SQL


def _postgres(session: Session | None = None) -> bool:
    # From the session's bind, not its connection: the connection is what a fault replaces.
    return (db.session if session is None else session).get_bind().dialect.name == "postgresql"


def chunk_size() -> int:
    """Students per refresh statement on this session's database."""
    return PG_CHUNK if _postgres() else CHUNK


def _insert_open(dialect_insert: Callable) -> Any:
    # The conflict target is the partial index uq_alerts_open (models.alerts), named by its
    # columns and predicate as both engines require.
    return (dialect_insert(Alert).on_conflict_do_nothing(index_elements=["student_id", "kind", "audience"],
                                                         index_where=Alert.cleared_at.is_(None))
            .returning(Alert.id))


_INSERTS = {"postgresql": _insert_open(postgresql.insert), "sqlite": _insert_open(sqlite.insert)}
_CLEAR = (update(Alert).where(Alert.id.in_(bindparam("ids", expanding=True)), Alert.cleared_at.is_(None))
          .values(cleared_at=bindparam("now"), changed_at=bindparam("now")).returning(Alert.id))
_RESTAMP_RAISED = (update(Alert).where(Alert.id.in_(bindparam("ids", expanding=True)))
                   .values(raised_at=bindparam("stamp"), changed_at=bindparam("stamp")))
_RESTAMP_CLEARED = (update(Alert).where(Alert.id.in_(bindparam("ids", expanding=True)), Alert.cleared_at.is_not(None))
                    .values(cleared_at=bindparam("stamp"), changed_at=bindparam("stamp")))
# PostgreSQL: the same statements with array parameters (one bind, one cached query text).
_PG_CLEAR = (update(Alert).where(Alert.id == any_(id_array("ids")), Alert.cleared_at.is_(None))
             .values(cleared_at=bindparam("now"), changed_at=bindparam("now")).returning(Alert.id))
_PG_RESTAMP_RAISED = (update(Alert).where(Alert.id == any_(id_array("ids")))
                      .values(raised_at=bindparam("stamp"), changed_at=bindparam("stamp")))
_PG_RESTAMP_CLEARED = (update(Alert).where(Alert.id == any_(id_array("ids")), Alert.cleared_at.is_not(None))
                       .values(cleared_at=bindparam("stamp"), changed_at=bindparam("stamp")))
_PG_OPEN = (select(Alert.id, Alert.student_id, Alert.kind, Alert.audience, Alert.basis)
            .where(Alert.student_id == any_(id_array("student_ids")),
                   Alert.kind == any_(bindparam("kinds", type_=postgresql.ARRAY(Text))), Alert.cleared_at.is_(None)))
# One INSERT ... SELECT over unnest()ed arrays for a whole chunk (the rows in key order: the
# ordinality keeps the order the arrays were built in); the conflict target as in _insert_open.
_PG_ADD = text(
    "INSERT INTO alerts (student_id, kind, audience, basis, raised_at, changed_at) "
    "SELECT u.student_id, u.kind, u.audience, u.basis, :now, :now "
    "FROM unnest(CAST(:student_ids AS bigint[]), CAST(:kinds AS text[]), CAST(:audiences AS text[]), "
    "CAST(:bases AS text[])) WITH ORDINALITY AS u(student_id, kind, audience, basis, n) ORDER BY u.n "
    "ON CONFLICT (student_id, kind, audience) WHERE cleared_at IS NULL DO NOTHING RETURNING id"
).bindparams(bindparam("now", type_=UTCDateTime()))
_WRITTEN = "alerts.written"  # Session.info key of the transaction's _Written


@dataclass
class _Written:
    """The alerts this transaction raised and cleared, restamped at its commit."""

    raised: set[int] = field(default_factory=set)
    cleared: set[int] = field(default_factory=set)
    latest: dt.datetime | None = None  # the latest stamp written: a commit stamp never goes back


def _note(now: dt.datetime, raised: Sequence[int] = (), cleared: Sequence[int] = ()) -> None:
    if not raised and not cleared:
        return
    written = db.session.info.setdefault(_WRITTEN, _Written())
    written.raised.update(raised)
    written.cleared.update(cleared)
    written.latest = now if written.latest is None else max(written.latest, now)


@event.listens_for(Session, "before_commit")
def _stamp_at_commit(session: Session) -> None:
    """Stamp the alerts this transaction wrote with the time of its commit (a fresh clock reading)."""
    written = session.info.get(_WRITTEN)
    if written is None or session.in_nested_transaction():
        return  # a savepoint's release is not the commit readers wait for
    stamp = max(clock.utcnow(), written.latest) if written.latest else clock.utcnow()
    connection = session.connection()
    if _postgres(session):  # one statement per list, however long
        for statement, ids in ((_PG_RESTAMP_RAISED, written.raised), (_PG_RESTAMP_CLEARED, written.cleared)):
            if ids:
                connection.execute(statement, {"ids": id_literal(sorted(ids)), "stamp": stamp})
        return
    for statement, ids in ((_RESTAMP_RAISED, written.raised), (_RESTAMP_CLEARED, written.cleared)):
        for chunk in chunks(ids):
            connection.execute(statement, {"ids": chunk, "stamp": stamp})


@event.listens_for(Session, "after_transaction_end")
def _forget_written(session: Session, transaction: SessionTransaction) -> None:
    """Committed or rolled back, the transaction's list of written alerts ends with it."""
    if transaction.parent is None:
        session.info.pop(_WRITTEN, None)


def chunks(ids: Iterable[int], size: int = CHUNK) -> Iterator[list[int]]:
    """``ids`` (deduplicated, sorted) in slices of ``size`` (default :data:`CHUNK`)."""
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), size):
        yield ordered[start:start + size]


def open_rows(student_ids: Sequence[int], kinds: Sequence[str]) -> list:
    """The open alerts of these students and kinds: ``(id, student_id, kind, audience, basis)``."""
    if not student_ids:
        return []
    connection = db.session.connection()
    if _postgres():
        return list(connection.execute(_PG_OPEN, {"student_ids": id_literal(student_ids), "kinds": list(kinds)}))
    stmt = select(Alert.id, Alert.student_id, Alert.kind, Alert.audience, Alert.basis).where(
        Alert.student_id.in_(list(student_ids)), Alert.kind.in_(list(kinds)), Alert.cleared_at.is_(None))
    return list(connection.execute(stmt))


def clear(ids: Sequence[int], now: dt.datetime) -> int:
    """Clear open alerts by id."""
    if not ids:
        return 0
    connection = db.session.connection()
    postgres = _postgres()
    done = list(connection.execute(_PG_CLEAR if postgres else _CLEAR,
                                   {"ids": id_literal(ids) if postgres else list(ids), "now": now}).scalars())
    _note(now, cleared=done)
    return len(done)


def add(rows: Sequence[tuple[Key, str]], now: dt.datetime) -> int:
    """Insert open alerts ``((student_id, kind, audience), basis)``; returns how many were new.

    The caller cleared any open one; a key a concurrent transaction raised meanwhile is already
    open, and is skipped (not an error). Key order keeps two racing refreshes from deadlocking.
    """
    if not rows:
        return 0
    connection = db.session.connection()
    if _postgres():
        ordered = sorted(rows)
        raised = list(connection.execute(_PG_ADD, {
            "student_ids": id_literal(key[0] for key, _ in ordered), "kinds": [key[1] for key, _ in ordered],
            "audiences": [key[2] for key, _ in ordered], "bases": [basis[:64] for _, basis in ordered],
            "now": now}).scalars())
        _note(now, raised=raised)
        return len(raised)
    raised = list(connection.execute(_INSERTS[connection.dialect.name], [
        {"student_id": sid, "kind": kind, "audience": audience, "basis": basis[:64], "raised_at": now,
         "changed_at": now, "cleared_at": None} for (sid, kind, audience), basis in sorted(rows)]).scalars())
    _note(now, raised=raised)
    return len(raised)


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
            .values(cleared_at=now, changed_at=now).returning(Alert.id).execution_options(synchronize_session=False))
    done = list(db.session.connection().execute(stmt).scalars())
    _note(now, cleared=done)
    return len(done)


def open_students(kind: str):
    """A select of the students with an open alert of ``kind``."""
    return select(Alert.student_id).where(Alert.kind == kind, Alert.cleared_at.is_(None))


def open_student_ids(kind: str, student_ids: Sequence[int]) -> list[int]:
    """Which of these students have an open alert of ``kind``."""
    # In chunks: a county-wide load names more students than a statement may carry parameters.
    connection = db.session.connection()
    return [student_id for chunk in chunks(student_ids)
            for student_id in connection.execute(open_students(kind).where(Alert.student_id.in_(chunk))).scalars()]
