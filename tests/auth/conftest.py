"""Fixtures for sign-in tests: a loopback OpenID provider (discovery + JWKS via pytest-httpserver)
whose RSA keys are generated here, an app configured to use it only through environment
variables, and a movable service clock."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer

from mobile_service.extensions import db
from tests.auth.support import API_AUDIENCE, MOBILE_CLIENT, TENANT, IdP


@pytest.fixture(scope="session")
def idp_server() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


@pytest.fixture(scope="session")
def entra_env(base_env, idp_server) -> dict[str, str]:
    return dict(base_env,
                OIDC_METADATA_URL=idp_server.url_for(f"/{TENANT}/v2.0/.well-known/openid-configuration"),
                ENTRA_TENANT_IDS=TENANT, ENTRA_API_AUDIENCES=f"api://lacoe-mobile-test,{API_AUDIENCE}",
                ENTRA_ALLOWED_CLIENT_IDS=MOBILE_CLIENT, JWKS_COOLDOWN_SECONDS="30", JWKS_CACHE_SECONDS="3600",
                JWKS_STALE_SECONDS="7200", JWKS_TIMEOUT_SECONDS="2")


@pytest.fixture(scope="session")
def entra_app(make_app, app, entra_env):
    """A second app on the same (migrated) database, pointed at the loopback provider."""
    application = make_app(entra_env)
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def idp(entra_app, idp_server) -> Iterator[IdP]:
    """A fresh provider (one published key) and a fresh, cold key client for each test."""
    from auth import build_key_client

    idp_server.clear()
    provider = IdP(idp_server)
    provider.new_key()
    provider.install()
    original = entra_app.extensions["entra_key_client"]
    # The client production builds (shared database cache included; each test's database is empty).
    entra_app.extensions["entra_key_client"] = build_key_client(entra_app.config)
    yield provider
    entra_app.extensions["entra_key_client"] = original
    idp_server.clear()


@pytest.fixture
def eclient(entra_app, idp):
    """A test client of the provider-backed app."""
    return entra_app.test_client()


@pytest.fixture
def ectx(entra_app) -> Iterator[None]:
    with entra_app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def movable_clock(service_clock):
    """The service clock, starting at real time, moved forward by tests (``advance(minutes=...)``)."""
    service_clock.freeze(dt.datetime.now(dt.UTC).replace(microsecond=0))
    return service_clock


