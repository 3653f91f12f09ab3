"""The database binding: engine options per backend, SQLite pragmas and the migrations' head."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from flask import Flask
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError

from mobile_service.extensions import db, migrate

T = TypeVar("T")
MIGRATIONS_DIR = str(Path(__file__).parent / "migrations")


def init_database(app: Flask) -> None:
    """Bind SQLAlchemy and Flask-Migrate to ``app`` with the options its database needs."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"connect_args": {"timeout": 15}})
    else:
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {
            # No pre-ping round trip on every checkout: connections are recycled before a server
            # or proxy idle timeout could close them, and a connection that died anyway (database
            # restart) is detected on the request's first statement, which is retried once on a
            # fresh connection (``retry_dead_connection``).
            "pool_recycle": app.config["DB_POOL_RECYCLE"],
            "pool_size": app.config["DB_POOL_SIZE"],
            "max_overflow": 2,
            "pool_timeout": app.config["DB_POOL_TIMEOUT"],
            # Compiled forms of the hot statements stay cached (expanding IN lists add variants).
            "query_cache_size": 1200,
            "connect_args": {
                "connect_timeout": 3,
                # Server-side prepared statements from the first repeat (psycopg's default is 5):
                # every hot statement is built once with bind parameters, so its text repeats.
                "prepare_threshold": 1,
                "options": f"-c statement_timeout={app.config['DB_STATEMENT_TIMEOUT_MS']}",
            },
        })
    if not uri.startswith("sqlite"):
        _cache_long_statements()
    db.init_app(app)
    if uri.startswith("sqlite"):
        with app.app_context():
            event.listen(db.engine, "connect", _sqlite_pragmas)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, compare_type=True, render_as_batch=True)
    app.extensions["migrations_head"] = migrations_head()
    app.extensions["migrations_known"] = migration_revisions()


def _cache_long_statements() -> None:
    # psycopg converts a statement's placeholders once and caches the result, but only for
    # statements up to 4 KB; the one-statement record views (CTEs) are 6-9 KB and were converted
    # again on every request. The limit is a module constant psycopg reads at each call.
    from psycopg import _queries

    _queries.MAX_CACHED_STATEMENT_LENGTH = max(_queries.MAX_CACHED_STATEMENT_LENGTH, 16384)


def retry_dead_connection(run: Callable[[], T]) -> T:
    """Run a request's FIRST statement; on a connection found dead, retry once on a fresh one.

    Only for the first statement of a transaction: nothing has been read or written yet, so
    running it again is safe. SQLAlchemy marks the dead connection (and every pooled connection
    older than it) invalid, so after a database restart each worker loses at most the requests
    already in flight, never the next one. Any other error, or a second failure, propagates
    (a 503 through the error handlers).
    """
    try:
        return run()
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        db.session.rollback()
        return run()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the dev server read while an import writes; foreign keys are off by default.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def migrations_head() -> str | None:
    """The newest revision among this code's migrations (None when there are none)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", MIGRATIONS_DIR)
    try:
        return ScriptDirectory.from_config(cfg).get_current_head()
    except Exception:  # noqa: BLE001 - no migrations yet means nothing to compare
        return None


def migration_revisions() -> frozenset[str]:
    """Every revision this code's migrations define (readiness tells "behind" from "ahead" with it)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", MIGRATIONS_DIR)
    try:
        return frozenset(script.revision for script in ScriptDirectory.from_config(cfg).walk_revisions())
    except Exception:  # noqa: BLE001 - no migrations yet means nothing to compare
        return frozenset()
