"""Writing the caseload change log (``sync_changes``) in the transaction of each change.

Two kinds of writer: services that change one caseload entry (:func:`record`), and bulk imports,
which collect ``(student, kind)`` pairs set-based into a temp table while they load
(:func:`stage_import`) and append them, one row per student and kind, at the end of the load
(:func:`finish_import`). Every writer first takes the change-log lock (:func:`_lock`), held to
its commit: ids are then handed out in commit order, so the ids a reader sees always form a
prefix and a sync token's position never skips a row that commits late.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from flask import current_app
from sqlalchemy import Connection, delete, func, insert, select, text

from mobile_service import clock
from mobile_service.extensions import db
from mobile_service.models import SyncChange
from mobile_service.models.sync import CHANGE_KINDS

# pg_advisory_xact_lock key of the change log ("sync" in ASCII); SQLite serializes writers itself.
_LOCK_KEY = 0x73796E63
IMPORT_STAGE = "import_sync_changes"
_INSERT = insert(SyncChange.__table__)


def _lock(connection: Connection, postgres: bool) -> None:
    if postgres:
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})


def record(rows: Iterable[tuple[int | None, str, int | None]]) -> None:
    """Append ``(student_id, kind, user_id)`` rows in the session's transaction (the caller commits)."""
    now = clock.utcnow()
    values = []
    for student_id, kind, user_id in rows:
        if kind not in CHANGE_KINDS:
            raise ValueError(f"unknown change kind {kind!r}")
        values.append({"occurred_at": now, "student_id": student_id, "user_id": user_id, "kind": kind})
    if not values:
        return
    connection = db.session.connection()
    _lock(connection, db.session.get_bind().dialect.name == "postgresql")
    # A failure here is the caller's database error (503 by the error handlers), never half a change.
    connection.execute(_INSERT, values)


def begin_import(sql) -> None:
    """Create the load's staging table of changes (``importing.staging.Sql``)."""
    types = ("bigint", "bigint", "text") if sql.postgres else ("INTEGER", "INTEGER", "TEXT")
    ddl = f"student_id {types[0]}, user_id {types[1]}, kind {types[2]}"
    if sql.postgres:
        sql.run(f"CREATE TEMP TABLE {IMPORT_STAGE} ({ddl}) ON COMMIT DROP")
    else:
        sql.run(f"DROP TABLE IF EXISTS temp.{IMPORT_STAGE}")
        sql.run(f"CREATE TEMP TABLE {IMPORT_STAGE} ({ddl})")


def stage_import(sql, kinds: Iterable[str], students_sql: str, **params) -> None:
    """Note that the students ``students_sql`` selects (one ``student_id`` column) changed in ``kinds``.

    One INSERT ... SELECT for all the kinds (the query runs once, crossed with the kinds);
    duplicates across calls are folded at :func:`finish_import`.
    """
    kinds = tuple(kinds)
    for kind in kinds:
        if kind not in CHANGE_KINDS:
            raise ValueError(f"unknown change kind {kind!r}")
    if not kinds:
        return
    # Kind names are checked against CHANGE_KINDS above: fixed identifiers, never input.
    names = " UNION ALL ".join(f"SELECT '{kind}' AS kind" for kind in kinds)
    sql.run(f"INSERT INTO {IMPORT_STAGE} (student_id, user_id, kind) "
            f"SELECT x.student_id, CAST(NULL AS INTEGER), k.kind FROM "
            f"(SELECT DISTINCT y.student_id FROM ({students_sql}) y WHERE y.student_id IS NOT NULL) x "
            f"CROSS JOIN ({names}) k", **params)


def stage_import_users(sql, kind: str, pairs_sql: str, **params) -> None:
    """Note membership changes: ``pairs_sql`` selects ``student_id, user_id`` pairs."""
    if kind not in CHANGE_KINDS:
        raise ValueError(f"unknown change kind {kind!r}")
    sql.run(f"INSERT INTO {IMPORT_STAGE} (student_id, user_id, kind) "
            f"SELECT DISTINCT x.student_id, x.user_id, '{kind}' FROM ({pairs_sql}) x "
            "WHERE x.student_id IS NOT NULL AND x.user_id IS NOT NULL", **params)


def finish_import(sql) -> int:
    """Append the staged changes to the log, one row per (student, worker, kind); returns the count."""
    if not int(sql.scalar(f"SELECT COUNT(*) FROM (SELECT 1 FROM {IMPORT_STAGE} LIMIT 1) x") or 0):
        return 0
    _lock(sql.connection, sql.postgres)
    # Student order keeps the (student_id, id) index inserts local.
    return sql.run(f"INSERT INTO sync_changes (occurred_at, student_id, user_id, kind) "
                   f"SELECT :now, student_id, user_id, kind FROM "
                   f"(SELECT DISTINCT student_id, user_id, kind FROM {IMPORT_STAGE}) d "
                   "ORDER BY student_id, kind", now=clock.utcnow())


def prune() -> int:
    """Delete log rows older than ``SYNC_LOG_RETENTION_DAYS`` (no usable token reaches back that far); commit."""
    before = clock.utcnow() - dt.timedelta(days=current_app.config["SYNC_LOG_RETENTION_DAYS"])
    # The newest row always stays: the sync's head is max(id), and a head below the position a
    # token holds would send every app into a full resync after a quiet week.
    newest = select(func.max(SyncChange.id)).scalar_subquery()
    try:
        removed = db.session.execute(delete(SyncChange).where(SyncChange.occurred_at < before,
                                                              SyncChange.id < newest)).rowcount
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return removed
