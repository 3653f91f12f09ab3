"""Temporary staging tables: validated rows go here in bulk, then set-based SQL does the rest.

PostgreSQL gets ``COPY`` into an ``ON COMMIT DROP`` temp table; SQLite gets ``executemany``
into a temp table that is dropped explicitly. Either way every statement of the load runs in
the caller's transaction, so a rejected file leaves the database exactly as it was.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, bindparam, text
from sqlalchemy.types import Date

from mobile_service.models.base import UTCDateTime

FLUSH_ROWS = 5000
_PG_TYPES = {"text": "text", "date": "date", "int": "bigint", "numeric": "numeric(5,2)",
             "bool": "boolean", "float": "double precision"}
_SQLITE_TYPES = {"text": "TEXT", "date": "TEXT", "int": "INTEGER", "numeric": "NUMERIC",
                 "bool": "INTEGER", "float": "REAL"}


class Sql:
    """The few dialect differences of the import statements, in one place."""

    def __init__(self, connection: Connection):
        self.connection = connection
        self.postgres = connection.dialect.name == "postgresql"

    def differs(self, left: str, right: str) -> str:
        """Null-safe "not equal"."""
        return f"({left} IS DISTINCT FROM {right})" if self.postgres else f"({left} IS NOT {right})"

    def any_differs(self, pairs: Iterable[tuple[str, str]]) -> str:
        """Null-safe "any of these pairs differ"."""
        return "(" + " OR ".join(self.differs(a, b) for a, b in pairs) + ")"

    def run(self, sql: str, **params: Any) -> int:
        """Execute one statement; dates and timestamps are typed so SQLite stores them as usual."""
        statement = text(sql)
        for name, value in params.items():
            if isinstance(value, dt.datetime):
                statement = statement.bindparams(bindparam(name, type_=UTCDateTime()))
            elif isinstance(value, dt.date):
                statement = statement.bindparams(bindparam(name, type_=Date()))
        return self.connection.execute(statement, params).rowcount

    def rows(self, sql: str, **params: Any) -> list[Sequence[Any]]:
        """Execute a query and return all rows."""
        statement = text(sql)
        for name, value in params.items():
            if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
                statement = statement.bindparams(bindparam(name, type_=Date()))
        return list(self.connection.execute(statement, params))

    def create_temp_as(self, name: str, query: str, **params: Any) -> None:
        """Create temp table ``name`` from a query (dropped at commit/rollback on PostgreSQL)."""
        if self.postgres:
            self.run(f"CREATE TEMP TABLE {name} ON COMMIT DROP AS {query}", **params)
        else:
            self.run(f"DROP TABLE IF EXISTS temp.{name}")
            self.run(f"CREATE TEMP TABLE {name} AS {query}", **params)

    def scalar(self, sql: str, **params: Any) -> Any:
        """Execute a query returning one value."""
        return self.connection.execute(text(sql), params).scalar()


class Stage:
    """A temp table ``name`` with a ``line`` column, the given columns and some work columns.

    ``columns`` are ``(name, type)`` pairs filled from the file; ``work`` columns start NULL and
    are set by the SQL steps (resolved ids, change flags).
    """

    def __init__(self, sql: Sql, name: str, columns: Sequence[tuple[str, str]],
                 work: Sequence[tuple[str, str]] = ()):
        self.sql = sql
        self.name = name
        self.columns = tuple(columns)
        self.column_names = ["line", *(c for c, _ in self.columns)]
        self._buffer: list[tuple[Any, ...]] = []
        self.count = 0
        types = _PG_TYPES if sql.postgres else _SQLITE_TYPES
        ddl = ", ".join(f"{c} {types[t]}" for c, t in (("line", "int"), *self.columns, *work))
        if sql.postgres:
            sql.run(f"CREATE TEMP TABLE {name} ({ddl}) ON COMMIT DROP")
        else:
            sql.run(f"DROP TABLE IF EXISTS temp.{name}")
            sql.run(f"CREATE TEMP TABLE {name} ({ddl})")
        self._converters = [None, *(_sqlite_converter(t) for _, t in self.columns)]

    def add(self, row: tuple[Any, ...]) -> None:
        """Buffer one row (``line`` first, then the columns in order)."""
        self._buffer.append(row)
        if len(self._buffer) >= FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        """Write buffered rows to the temp table."""
        if not self._buffer:
            return
        rows, self._buffer = self._buffer, []
        self.count += len(rows)
        if self.sql.postgres:
            cursor = self.sql.connection.connection.driver_connection.cursor()
            with cursor.copy(f"COPY {self.name} ({', '.join(self.column_names)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.close()
        else:
            converters = self._converters
            converted = [tuple(v if f is None or v is None else f(v) for f, v in zip(converters, row))
                         for row in rows]
            placeholders = ", ".join("?" for _ in self.column_names)
            self.sql.connection.exec_driver_sql(
                f"INSERT INTO {self.name} ({', '.join(self.column_names)}) VALUES ({placeholders})", converted)

    def finish(self) -> None:
        """Flush the last rows."""
        self.flush()

    def drop(self) -> None:
        """Drop the SQLite temp table (PostgreSQL drops it at commit or rollback)."""
        if not self.sql.postgres:
            self.sql.run(f"DROP TABLE IF EXISTS temp.{self.name}")


def _sqlite_converter(kind: str):
    if kind == "date":
        return dt.date.isoformat
    if kind == "bool":
        return int
    if kind == "numeric":
        return lambda v: str(v) if isinstance(v, Decimal) else v
    return None


def duplicates(sql: Sql, table: str, key: Sequence[str], cap: int,
               where: str = "TRUE") -> tuple[list[tuple[int, int]], int]:
    """Lines whose ``key`` repeats an earlier line of the file: ``[(line, first_line)]`` and a count."""
    partition = ", ".join(key)
    inner = (f"SELECT line, MIN(line) OVER (PARTITION BY {partition}) AS first_line "
             f"FROM {table} WHERE {where}")
    total = sql.scalar(f"SELECT COUNT(*) FROM ({inner}) d WHERE line <> first_line")
    if not total:
        return [], 0
    found = sql.rows(f"SELECT line, first_line FROM ({inner}) d WHERE line <> first_line ORDER BY line LIMIT :cap",
                     cap=cap)
    return [(int(a), int(b)) for a, b in found], int(total)


def missing(sql: Sql, table: str, condition: str, cap: int) -> tuple[list[int], int]:
    """Lines of ``table`` matching ``condition`` (e.g. an unresolved reference) and a count."""
    total = sql.scalar(f"SELECT COUNT(*) FROM {table} WHERE {condition}")
    if not total:
        return [], 0
    found = sql.rows(f"SELECT line FROM {table} WHERE {condition} ORDER BY line LIMIT :cap", cap=cap)
    return [int(r[0]) for r in found], int(total)
