"""The application factory."""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from werkzeug.middleware.proxy_fix import ProxyFix

from mobile_service.config import load_config

MIGRATIONS_DIR = str(Path(__file__).parent / "migrations")


def create_app(env: Mapping[str, str] | None = None) -> Flask:
    """Build the Flask app: config, extensions, blueprints, error handlers and CLI.

    ``env`` replaces ``os.environ`` (tests pass their own), so every setting goes through
    the same parsing and validation in ``config.load_config``.
    """
    app = Flask(__name__, instance_path=str(Path.cwd() / "instance"), instance_relative_config=True)
    app.config.update(load_config(env, instance_path=app.instance_path))
    app.json.sort_keys = False
    from mobile_service.identifiers import AsciiIntegerConverter

    # Before any route exists: ``<int:...>`` ids in URLs are ASCII digits (see identifiers.py).
    app.url_map.converters["int"] = AsciiIntegerConverter

    from mobile_service import errors, requestlog

    requestlog.init_app(app)  # first: every later hook sees the request id
    _init_database(app)
    from mobile_service import metrics

    metrics.init_app(app)  # after the database: it watches the connection pool

    from mobile_service.extensions import api, db, limiter, migrate

    migrate.init_app(app, db, directory=MIGRATIONS_DIR, compare_type=True, render_as_batch=True)
    limiter.init_app(app)
    from mobile_service import ratelimit

    ratelimit.init_app(app)  # limiter storage faults: logged, counted, reported as degraded
    api.init_app(app)

    import api as api_package
    import auth

    auth.init_app(app)
    from api.health import add_readiness_check, database_check

    api_package.register(app)
    add_readiness_check(app, "database", database_check)
    app.extensions["migrations_head"] = _migrations_head()
    app.extensions["migrations_known"] = _migration_revisions()
    errors.register_error_handlers(app)

    from mobile_service import cli

    cli.init_app(app)
    if app.config["TRUSTED_PROXY_COUNT"]:
        n = app.config["TRUSTED_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    return app


def _init_database(app: Flask) -> None:
    from mobile_service.extensions import db

    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"connect_args": {"timeout": 15}})
    else:
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {
            "pool_pre_ping": True,
            "pool_size": app.config["DB_POOL_SIZE"],
            "max_overflow": 2,
            "pool_timeout": app.config["DB_POOL_TIMEOUT"],
            "connect_args": {
                "connect_timeout": 3,
                "options": f"-c statement_timeout={app.config['DB_STATEMENT_TIMEOUT_MS']}",
            },
        })
    db.init_app(app)
    if uri.startswith("sqlite"):
        with app.app_context():
            event.listen(db.engine, "connect", _sqlite_pragmas)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the dev server read while an import writes; foreign keys are off by default.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _migrations_head() -> str | None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", MIGRATIONS_DIR)
    try:
        return ScriptDirectory.from_config(cfg).get_current_head()
    except Exception:  # noqa: BLE001 - no migrations yet means nothing to compare
        return None


def _migration_revisions() -> frozenset[str]:
    """Every revision this code's migrations define (readiness tells "behind" from "ahead" with it)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", MIGRATIONS_DIR)
    try:
        return frozenset(script.revision for script in ScriptDirectory.from_config(cfg).walk_revisions())
    except Exception:  # noqa: BLE001 - no migrations yet means nothing to compare
        return frozenset()
