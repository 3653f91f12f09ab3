"""PostgreSQL: a hot, cached statement run on the driver directly, in the session's transaction (issue 14).

SQLAlchemy's execution layer (execution context, parameter processing, cursor result, ``Row``
objects) costs some 380 Python calls per record tab. ``RawStatement`` compiles a built statement
ONCE with the engine's dialect, then runs the SQL string on the session's own psycopg connection
(the SAME transaction: the session's commit commits it, its rollback rolls it back) as a
server-side prepared statement, with plain tuples for rows. What SQLAlchemy would do to the
values is kept: the statement's constant binds, its bind processors (``UTCDateTime``, literal
booleans) and each result column's processor (from the first cursor description; the types of
one statement's columns do not change). ``tests/api/test_raw_statement.py`` checks the SQL and
parameters are byte-for-byte what SQLAlchemy sends and the rows equal its rows.

A driver error goes through SQLAlchemy's own handling (``Connection._handle_dbapi_exception``):
it becomes the same ``DBAPIError`` (so ``audit.failing_closed`` answers 503 and
``retry_dead_connection`` retries a dead connection), and a disconnect invalidates the
connection and the pool's older ones, so the pool never hands out a broken connection.
Statements with expanding (``IN``) or literal-execute parameters are refused at compile time:
their SQL depends on the values.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql import Executable


class RawStatement:
    """One statement compiled once for a dialect, run on the driver of a SQLAlchemy connection."""

    def __init__(self, statement: Executable, dialect: Dialect) -> None:
        self.statement = statement
        compiled = statement.compile(dialect=dialect)
        binds = list(compiled.binds.values())
        if compiled.escaped_bind_names or compiled.positiontup is not None or any(
                b.expanding or b.literal_execute for b in binds):
            raise ValueError("RawStatement needs named, non-expanding, non-escaped bind parameters")
        self.sql: str = compiled.string
        self.dialect = dialect
        names = compiled.bind_names
        self._required = frozenset(names[b] for b in binds if b.required)
        self._constants = {names[b]: b.effective_value for b in binds if not b.required}
        self._bind_processors = tuple(compiled._bind_processors.items())
        self._result_types = [column[3] for column in compiled._result_columns]
        self.columns: tuple[str, ...] = tuple(column[0] for column in compiled._result_columns)
        self._result_processors: list[tuple[int, Callable[[Any], Any]]] | None = None

    def parameters(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """The parameters the driver gets: constants, then ``params``, through the bind processors."""
        missing = self._required - params.keys()
        if missing:
            raise KeyError(f"missing bind parameters: {sorted(missing)}")
        values = {**self._constants, **params}
        for name, process in self._bind_processors:
            values[name] = process(values[name])
        return values

    def rows(self, connection: Connection, params: Mapping[str, Any]) -> list[tuple]:
        """Run on ``connection``'s driver connection (its transaction); the rows as processed tuples."""
        values = self.parameters(params)
        driver = connection.connection.driver_connection
        cursor = None
        try:
            cursor = driver.cursor()  # psycopg's default row factory: plain tuples
            cursor.execute(self.sql, values, prepare=True)
            rows = cursor.fetchall()
            processors = self._result_processors
            if processors is None:  # the cursor's description goes with it once closed
                processors = self._result_processors = self._processors(cursor.description)
            cursor.close()
        except Exception as exc:  # noqa: BLE001 - SQLAlchemy's own handling decides (wraps, invalidates)
            if not isinstance(exc, self.dialect.loaded_dbapi.Error):
                raise
            connection._handle_dbapi_exception(exc, self.sql, values, cursor, None)
        if not processors:
            return rows
        out = []
        for row in rows:
            row = list(row)
            for index, process in processors:
                row[index] = process(row[index])
            out.append(tuple(row))
        return out

    def _processors(self, description) -> list[tuple[int, Callable[[Any], Any]]]:
        # What SQLAlchemy's cursor result applies per column, keyed by the driver's type code.
        found = []
        for index, (type_, column) in enumerate(zip(self._result_types, description, strict=True)):
            process = type_._cached_result_processor(self.dialect, column.type_code)
            if process is not None:
                found.append((index, process))
        return found
