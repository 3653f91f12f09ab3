"""Factory wiring, configuration rules, health probes, error shape and request logging."""
from __future__ import annotations

import json
import logging
import sys

import pytest

from mobile_service.config import ConfigError, load_config


def test_healthz_is_alive(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_ready_when_database_migrated(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "ready"


def test_readyz_503_when_database_unreachable(make_app, base_env, tmp_path):
    env = dict(base_env, DATABASE_URL=f"sqlite:///{tmp_path / 'missing' / 'nowhere' / 'x.db'}")
    app = make_app(env)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable" and "database" in body["checks"]
    assert response.headers["Retry-After"]


def test_readyz_503_when_not_migrated(make_app, base_env, tmp_path):
    app = make_app(dict(base_env, DATABASE_URL=f"sqlite:///{tmp_path / 'empty.db'}"))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert "database" in response.get_json()["checks"]


@pytest.mark.parametrize("path", ["/nope", "/api/v1/does-not-exist"])
def test_unknown_route_is_problem_json(client, path):
    response = client.get(path, headers={"X-Request-ID": "abc12345-req"})
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 404 and body["title"] and body["type"].endswith("/not-found")
    # The id is the server's own (issue 11: a client-chosen id could be shared by two views).
    assert body["request_id"] == response.headers["X-Request-ID"] != "abc12345-req"
    assert len(body["request_id"]) == 32


def test_method_not_allowed_is_problem_json(client):
    response = client.delete("/healthz")
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"
    assert "GET" in response.headers["Allow"]


def test_request_id_generated_when_missing_or_unsafe(client):
    response = client.get("/healthz", headers={"X-Request-ID": "bad id;<script>"})
    rid = response.headers["X-Request-ID"]
    assert rid and "\n" not in rid and " " not in rid and len(rid) == 32


def test_oversized_body_is_413(client):
    response = client.post("/api/v1/anything", data=b"{" + b" " * (70 * 1024) + b"}",
                           content_type="application/json")
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"


def test_deeply_nested_json_is_400(client):
    response = client.post("/api/v1/anything", data=b"[" * 5000 + b"]" * 5000, content_type="application/json")
    assert response.status_code == 400
    assert "nested" in response.get_json()["detail"]


@pytest.mark.parametrize("payload", [b'{"name": "a\\u0000b"}', b'{"name": "a\x00b"}'])
def test_nul_in_json_is_400(client, payload):
    response = client.post("/api/v1/anything", data=payload, content_type="application/json")
    assert response.status_code == 400
    assert "NUL" in response.get_json()["detail"]


def test_unexpected_exception_is_generic_500(make_app, base_env):
    app = make_app(base_env)

    @app.get("/__boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/__boom")
    assert response.status_code == 500
    body = response.get_json()
    assert "secret internals" not in json.dumps(body)
    assert body["request_id"] == response.headers["X-Request-ID"]


def test_openapi_document_and_docs_page(client):
    spec = client.get("/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    assert "bearerAuth" in spec["components"]["securitySchemes"]
    with client.get("/docs") as page:
        assert page.status_code == 200 and b"swagger-ui-bundle.js" in page.data
        assert b"//" not in page.data.split(b"<body>")[0]  # no CDN links
    with client.get("/docs/assets/swagger-ui-bundle.js") as asset:
        assert asset.status_code == 200 and len(asset.data) > 100_000
    with client.get("/docs/assets/init.js") as init:
        assert init.status_code == 200


def test_access_log_is_json_without_query_strings(client, caplog):
    caplog.set_level(logging.INFO, logger="mobile_service.access")
    logger = logging.getLogger("mobile_service")
    logger.addHandler(caplog.handler)
    try:
        client.get("/healthz?name=Maria&dob=2012-01-01")
    finally:
        logger.removeHandler(caplog.handler)
    records = [r for r in caplog.records if r.name == "mobile_service.access"]
    assert records and records[-1].route == "/healthz" and records[-1].status == 200
    text = caplog.text + " ".join(str(vars(r)) for r in records)
    assert "Maria" not in text and "2012-01-01" not in text


def test_production_refuses_missing_secrets():
    with pytest.raises(ConfigError) as excinfo:
        load_config({"APP_ENV": "production", "DATABASE_URL": "postgresql://db/x"})
    message = str(excinfo.value)
    assert "SECRET_KEY" in message and "APP_TOKEN_SIGNING_KEY" in message and "ENTRA_TENANT_IDS" in message


def test_production_refuses_dev_auth_mode(signing_key_pem):
    env = {"APP_ENV": "production", "DATABASE_URL": "postgresql://db/x", "SECRET_KEY": "x" * 40,
           "APP_TOKEN_SIGNING_KEY": signing_key_pem, "ENTRA_TENANT_IDS": "t", "ENTRA_API_AUDIENCES": "a",
           "ENTRA_ALLOWED_CLIENT_IDS": "c", "APP_TOKEN_ISSUER": "https://mobile.example", "AUTH_MODE": "dev",
           "REDIS_URL": "redis://redis:6379/0", "SMTP_HOST": "smtp.example", "SMTP_FROM": "eps@mobile.example",
           "STEWARD_QUEUE_URL": "https://mobile.example/pilot/steward"}
    with pytest.raises(ConfigError, match="AUTH_MODE=dev"):
        load_config(env)
    env["AUTH_MODE"] = "entra"
    assert load_config(env)["AUTH_MODE"] == "entra"


def test_production_is_the_default_environment():
    with pytest.raises(ConfigError):
        load_config({})


@pytest.mark.parametrize("name,value", [("APP_ENV", "staging"), ("AUTH_MODE", "none"), ("APP_TOKEN_TTL", "abc"),
                                        ("SEARCH_RATE_LIMIT", "lots"), ("CASELOAD_CHANGE_RATE_LIMIT", "30 per fortnight"),
                                        ("REPORT_RATE_LIMIT", "10 per")])
def test_invalid_settings_are_refused(name, value):
    with pytest.raises(ConfigError):
        load_config({"APP_ENV": "development", name: value})


def test_the_seed_command_exists_only_where_the_development_tools_import(app, make_app, base_env, monkeypatch):
    """The production image ships neither tools/ nor Faker: the app starts there without ``seed``."""
    assert "seed" in app.cli.commands
    monkeypatch.setitem(sys.modules, "tools.seed", None)  # as if tools/ were not there
    assert "seed" not in make_app(base_env).cli.commands
