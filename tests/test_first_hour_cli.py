"""The first hour on the command line (issue 13): a refused configuration is one line, never a
traceback; ``make help`` lists the targets; ``make token`` prints a ready Authorization header."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mobile_service.config import ConfigError, startup_error_line

ROOT = Path(__file__).resolve().parents[1]
FLASK = Path(sys.executable).parent / "flask"
SETTINGS = ("APP_ENV", "AUTH_MODE", "DATABASE_URL", "SECRET_KEY", "APP_TOKEN_SIGNING_KEY", "ENTRA_TENANT_IDS",
            "ENTRA_API_AUDIENCES", "ENTRA_ALLOWED_CLIENT_IDS", "PROMETHEUS_MULTIPROC_DIR")


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS}
    env.update(extra)
    return env


@pytest.mark.parametrize("command", [["users", "list"], ["dev-token", "csw.demo@dcfs.lacounty.gov"]])
def test_cli_without_app_env_in_a_checkout_says_in_one_line_what_to_set(command):
    result = subprocess.run([str(FLASK), "--app", "wsgi", *command], cwd=ROOT, env=_clean_env(),
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("configuration error: DATABASE_URL is required in production")
    assert "export APP_ENV=development AUTH_MODE=dev" in lines[0]


def test_production_refusal_is_one_line_without_the_development_hint():
    result = subprocess.run([str(FLASK), "--app", "wsgi", "users", "list"], cwd=ROOT,
                            env=_clean_env(APP_ENV="production", DATABASE_URL="postgresql://db.invalid/x"),
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("configuration error: refusing to start: ")
    assert "SECRET_KEY" in line and "APP_ENV=development" not in line


def test_the_hint_is_only_given_in_a_checkout_without_app_env(tmp_path):
    error = ConfigError("DATABASE_URL is required in production")
    assert startup_error_line(error, {}, cwd=tmp_path) == "configuration error: DATABASE_URL is required in production"
    (tmp_path / ".git").mkdir()
    assert "export APP_ENV=development" in startup_error_line(error, {}, cwd=tmp_path)
    assert "export" not in startup_error_line(error, {"APP_ENV": "production"}, cwd=tmp_path)


needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


@needs_make
def test_make_help_lists_every_target_with_a_description():
    result = subprocess.run(["make", "--no-print-directory", "help"], cwd=ROOT, capture_output=True, text=True,
                            timeout=60, check=True)
    listed = dict(re.findall(r"^  (\S+)\s+(\S.*)$", result.stdout, re.MULTILINE))
    phony = re.search(r"^\.PHONY:(.*)$", (ROOT / "Makefile").read_text(), re.MULTILINE).group(1).split()
    assert set(phony) <= set(listed), set(phony) - set(listed)
    assert all(description.strip() for description in listed.values())


@needs_make
def test_make_token_prints_a_ready_authorization_header(make_app, tmp_path):
    """In a fresh instance/ (a throw-away SQLite file): migrate, seed the demo accounts, exchange."""
    db_url = f"sqlite:///{tmp_path / 'token.db'}"
    env = _clean_env(DATABASE_URL=db_url, DEMO_STUDENTS="60")
    result = subprocess.run(["make", "--no-print-directory", "-s", "token", "EMAIL=scsw.demo@dcfs.lacounty.gov",
                             "STAMP="], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    header = result.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"Authorization: Bearer [\w-]+\.[\w-]+\.[\w-]+", header), result.stdout

    app = make_app({"APP_ENV": "development", "AUTH_MODE": "dev", "DATABASE_URL": db_url,
                      "RATELIMIT_ENABLED": "false", "USAGE_EVENT_BATCH": "1"})  # nothing left buffered at exit
    me = app.test_client().get("/api/v1/me", headers={"Authorization": header.split(": ", 1)[1]})
    assert me.status_code == 200, me.get_json()
    assert me.get_json()["role"] == "scsw"


@needs_make
def test_make_token_refuses_an_unknown_account(tmp_path):
    env = _clean_env(DATABASE_URL=f"sqlite:///{tmp_path / 'token.db'}", DEMO_STUDENTS="60")
    result = subprocess.run(["make", "--no-print-directory", "-s", "token", "EMAIL=nobody@example.org", "STAMP="],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode != 0
    assert "Authorization" not in result.stdout
    assert "nobody@example.org" in result.stderr


@needs_make
def test_make_run_on_a_busy_port_names_the_port_override():
    """Checked before anything starts: no migration, no seed, no gunicorn traceback."""
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(["make", "--no-print-directory", "-s", "run", f"PORT={port}", "STAMP="], cwd=ROOT,
                                env=_clean_env(), capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode != 0
    assert f"port {port} on 127.0.0.1 is busy" in result.stderr
    assert f"make run PORT={port + 1}" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
