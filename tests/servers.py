"""The service under gunicorn on loopback, for tests that need a real server (browser, generated client)."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def dev_env(workdir: Path, port: int, signing_key_pem: str, *, database: str, secret: str) -> dict[str, str]:
    """Settings of a development server (dev sign-in) on its own SQLite file in ``workdir``."""
    return {"APP_ENV": "development", "AUTH_MODE": "dev", "DATABASE_URL": f"sqlite:///{workdir / database}",
            "SECRET_KEY": secret, "APP_TOKEN_SIGNING_KEY": signing_key_pem,
            "APP_TOKEN_ISSUER": f"http://127.0.0.1:{port}", "RATELIMIT_ENABLED": "false", "LOG_LEVEL": "WARNING"}


@contextmanager
def gunicorn(env: dict[str, str], port: int, workdir: Path) -> Iterator[str]:
    """Serve ``wsgi:app`` with ``env`` on 127.0.0.1:``port`` until the block ends; yields the base URL."""
    proc_env = {**{k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "HOME")}, **env,
                "PYTHONPATH": str(ROOT)}
    binary = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    proc = subprocess.Popen([binary, "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4",
                             "--timeout", "60", "wsgi:app"], cwd=workdir, env=proc_env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not start")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=15)
