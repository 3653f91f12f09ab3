"""Shared fixtures: an app on SQLite (or PostgreSQL with TEST_DATABASE_URL), a clean database
per test, real signed tokens and a frozen clock."""
from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Callable, Iterator, Mapping

import pytest
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from auth.keys import generate_pem
from mobile_service import clock, create_app
from mobile_service.extensions import db
from mobile_service.models import Base

PG_URL = os.environ.get("TEST_DATABASE_URL")

# Apps a test builds with ``make_app`` (other settings). Their pooled PostgreSQL connections
# would be closed only by garbage collection, which warns (and warnings are errors); a strong
# reference to each lets ``_clean_database`` dispose their engines right after the test.
_extra_apps: list[Flask] = []


def pytest_addoption(parser):
    parser.addoption("--require-postgres", action="store_true",
                     help="fail unless TEST_DATABASE_URL names a reachable PostgreSQL server")


def pytest_configure(config):
    if config.getoption("--require-postgres") and not (PG_URL or "").startswith("postgres"):
        raise pytest.UsageError("--require-postgres given but TEST_DATABASE_URL is not a PostgreSQL URL")


def pytest_terminal_summary(terminalreporter):
    # .ci/run greps this line to prove the PostgreSQL run was not silently skipped.
    backend = "postgresql" if (PG_URL or "").startswith("postgres") else "sqlite"
    terminalreporter.write_line(f"database: {backend}")


def _private_pg_database(base_url: str) -> tuple[str, callable]:
    """Create a throw-away database beside TEST_DATABASE_URL so parallel runs never collide."""
    url = make_url(base_url).set(drivername="postgresql+psycopg")
    name = f"lacoe_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    """The database the suite runs against: a private PostgreSQL database or a SQLite file."""
    if PG_URL and not PG_URL.startswith("postgres"):
        yield PG_URL
    elif PG_URL:
        url, drop = _private_pg_database(PG_URL)
        yield url
        drop()
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def signing_key_pem() -> str:
    """An ES256 app-token signing key generated for this test run (never committed)."""
    return generate_pem()


@pytest.fixture(scope="session")
def base_env(database_url, signing_key_pem, tmp_path_factory) -> dict[str, str]:
    """Environment variables of the test app; tests may build variants of it."""
    return {
        "APP_ENV": "testing",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "APP_TOKEN_SIGNING_KEY": signing_key_pem,
        "APP_TOKEN_ISSUER": "http://testserver",
        "ENTRA_TENANT_IDS": "11111111-1111-1111-1111-111111111111",
        "ENTRA_API_AUDIENCES": "api://lacoe-mobile-test,22222222-2222-2222-2222-222222222222",
        "OIDC_METADATA_URL": "http://127.0.0.1:1/unused/.well-known/openid-configuration",
        "RATELIMIT_ENABLED": "false",
        "LOG_LEVEL": "INFO",
    }


@pytest.fixture(scope="session")
def make_app() -> Callable[..., Flask]:
    """The one app factory of the tests: ``make_app(env)`` builds an app with other settings.

    The database is the suite's (when ``env`` names it); the app's engines are disposed after
    the test that built it.
    """
    def make(env: Mapping[str, str] | None = None) -> Flask:
        application = create_app(env)
        _extra_apps.append(application)
        return application

    return make


@pytest.fixture(scope="session")
def app(base_env) -> Iterator[Flask]:
    """The app under test, with its schema built by the real migrations."""
    application = create_app(base_env)
    with application.app_context():
        from flask_migrate import upgrade

        upgrade()
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def blank_app(make_app, base_env, tmp_path):
    """An app on its own empty database (a private one on PostgreSQL runs)."""
    drop = None
    if (PG_URL or "").startswith("postgres"):
        url, drop = _private_pg_database(PG_URL)
    else:
        url = f"sqlite:///{tmp_path / 'migrate.db'}"
    application = make_app({**base_env, "DATABASE_URL": url})
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
    if drop:
        drop()


def _truncate_all() -> None:
    # DELETE, not TRUNCATE: PostgreSQL fsyncs new files on every TRUNCATE (~0.5 s a test).
    for table in reversed(Base.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


def _dispose_extra_apps() -> None:
    while _extra_apps:
        extra = _extra_apps.pop()
        with extra.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_database(request) -> Iterator[None]:
    """Give every test that uses the app an empty database; dispose apps a test built.

    Pilot ``request`` events a test left buffered (an app built with batching on) are dropped:
    the per-process timer would write them later, into another test's database.
    """
    from mobile_service.pilot import request_events

    request.addfinalizer(request_events._buffer.take)
    if "app" not in request.fixturenames:
        yield
        _dispose_extra_apps()
        return
    application = request.getfixturevalue("app")
    yield
    _dispose_extra_apps()
    with application.app_context():
        db.session.rollback()
        _truncate_all()


@pytest.fixture
def ctx(app) -> Iterator[None]:
    """An application context for tests that use the session directly."""
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app):
    """A test client of the app."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner of the app."""
    return app.test_cli_runner()


FROZEN_NOW = dt.datetime(2026, 10, 15, 16, 0, tzinfo=dt.UTC)
FIXED_TODAY = FROZEN_NOW.date()


class ServiceClock:
    """The service clock (``mobile_service.clock``) under a test's control; undone after the test."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self._patch = monkeypatch
        self.now: dt.datetime | None = None

    def freeze(self, instant: dt.datetime) -> dt.datetime:
        """Stop ``clock.utcnow`` at ``instant`` (move it on with :meth:`advance`)."""
        self.now = instant
        self._patch.setattr(clock, "utcnow", lambda: self.now)
        return instant

    def advance(self, delta: dt.timedelta | None = None, **parts: float) -> dt.datetime:
        """Move a frozen ``clock.utcnow`` on by ``delta`` (or ``timedelta(**parts)``)."""
        assert self.now is not None, "freeze the clock first"
        self.now += delta if delta is not None else dt.timedelta(**parts)
        return self.now

    def fix_today(self, day: dt.date) -> dt.date:
        """Fix ``clock.today`` only (token times and audit timestamps stay real)."""
        self._patch.setattr(clock, "today", lambda: day)
        return day


@pytest.fixture
def service_clock(monkeypatch) -> ServiceClock:
    """The one clock fixture: freeze, advance or fix today's date of the service clock."""
    return ServiceClock(monkeypatch)


@pytest.fixture
def frozen_clock(service_clock) -> dt.datetime:
    """Freeze the service clock (``mobile_service.clock.utcnow``) at :data:`FROZEN_NOW`."""
    return service_clock.freeze(FROZEN_NOW)


@pytest.fixture
def fixed_today(service_clock) -> dt.date:
    """Fix ``clock.today`` at :data:`FIXED_TODAY`; ``utcnow`` stays real."""
    return service_clock.fix_today(FIXED_TODAY)


@pytest.fixture
def token_for(app):
    """Return a function that signs a real app token for a user (opening a session for it)."""
    from tests.factories import app_token_for

    def make(user) -> str:
        with app.app_context():
            return app_token_for(user)

    return make
