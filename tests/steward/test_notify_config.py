"""The stewards' notice settings: production refuses a missing relay or sender, clear text, half credentials."""
from __future__ import annotations

import pytest

from mobile_service.config import ConfigError, load_config
from tests.auth.test_session_lifetime import _production_env


def test_production_accepts_a_tls_relay_and_defaults_to_starttls_on_587(signing_key_pem):
    cfg = load_config(_production_env(signing_key_pem))
    assert (cfg["SMTP_HOST"], cfg["SMTP_PORT"], cfg["SMTP_SECURITY"]) == ("smtp.lacoe.edu", 587, "starttls")
    assert (cfg["OUTBOX_RETRY_BASE_SECONDS"], cfg["OUTBOX_RETRY_MAX_SECONDS"], cfg["DQ_LOOKUP_HOURS"]) == (60, 3600, 12)


@pytest.mark.parametrize("overrides, message", [
    ({"SMTP_HOST": None}, "SMTP_HOST is required"),
    ({"SMTP_FROM": None}, "SMTP_FROM must be"),
    ({"SMTP_FROM": "not an address"}, "SMTP_FROM must be"),
    ({"SMTP_SECURITY": "none"}, "SMTP_SECURITY=none"),
    ({"SMTP_USERNAME": "relay-user"}, "SMTP_USERNAME and SMTP_PASSWORD"),
    ({"SMTP_PASSWORD": "s3cret"}, "SMTP_USERNAME and SMTP_PASSWORD"),
    ({"STEWARD_QUEUE_URL": None}, "STEWARD_QUEUE_URL"),
    ({"STEWARD_QUEUE_URL": "http://mobile.eps.lacoe.edu/pilot/steward"}, "STEWARD_QUEUE_URL"),
])
def test_production_refuses_unsafe_notice_settings(signing_key_pem, overrides, message):
    with pytest.raises(ConfigError, match=message):
        load_config(_production_env(signing_key_pem, **overrides))


def test_credentials_may_come_from_a_file(signing_key_pem, tmp_path):
    secret = tmp_path / "smtp-password"
    secret.write_text("s3cret\n", encoding="ascii")
    cfg = load_config(_production_env(signing_key_pem, SMTP_USERNAME="relay-user", SMTP_PASSWORD_FILE=str(secret)))
    assert cfg["SMTP_PASSWORD"] == "s3cret"


@pytest.mark.parametrize("name, value", [("SMTP_SECURITY", "tls1.0"), ("SMTP_PORT", "0"), ("SMTP_PORT", "70000"),
                                         ("DQ_LOOKUP_HOURS", "0"), ("OUTBOX_RETRY_BASE_SECONDS", "0")])
def test_invalid_notice_settings_are_refused_everywhere(name, value):
    with pytest.raises(ConfigError):
        load_config({"APP_ENV": "development", name: value})


def test_the_backoff_cap_must_not_be_below_its_base():
    with pytest.raises(ConfigError, match="OUTBOX_RETRY_MAX_SECONDS"):
        load_config({"APP_ENV": "development", "OUTBOX_RETRY_BASE_SECONDS": "600", "OUTBOX_RETRY_MAX_SECONDS": "60"})


def test_check_config_hides_the_smtp_password(make_app, base_env):
    app = make_app({**base_env, "SMTP_USERNAME": "relay-user", "SMTP_PASSWORD": "hunter2secret"})
    output = app.test_cli_runner().invoke(args=["check-config"]).output
    assert "SMTP_PASSWORD=<set>" in output and "hunter2secret" not in output and "SMTP_USERNAME=relay-user" in output
