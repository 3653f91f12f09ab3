"""``flask check-config`` prints no secret: secret settings as set/unset, URL passwords masked."""
from __future__ import annotations

from mobile_service.cli import shown_value


def test_urls_with_credentials_are_printed_without_the_password():
    assert shown_value("REDIS_URL", "redis://:hunter2secret@cache:6379/0") == "redis://:***@cache:6379/0"
    shown = shown_value("SQLALCHEMY_DATABASE_URI", "postgresql+psycopg://app:s3cr3t@db:5432/lacoe")
    assert "s3cr3t" not in shown and shown.startswith("postgresql+psycopg://app:***@db")


def test_secret_settings_show_only_whether_they_are_set():
    assert shown_value("SECRET_KEY", "x" * 48) == "<set>"
    assert shown_value("METRICS_TOKEN", "") == "<unset>"
    assert shown_value("APP_TOKEN_TTL", 900) == 900


def test_the_command_prints_no_password(make_app, base_env):
    app = make_app({**base_env, "REDIS_URL": "redis://:hunter2secret@127.0.0.1:1/0"})
    result = app.test_cli_runner().invoke(args=["check-config"])
    assert result.exit_code == 0, result.output
    assert "hunter2secret" not in result.output
    assert "REDIS_URL=redis://:***@127.0.0.1:1/0" in result.output
