"""J12 and R15 against the real server: gunicorn refuses oversized headers and request lines
before the app sees them (in-process tests bypass gunicorn, so this one starts it)."""
from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def gunicorn_port(tmp_path_factory, signing_key_pem):
    port = _free_port()
    instance = tmp_path_factory.mktemp("gunicorn")
    env = dict(os.environ, APP_ENV="testing", DATABASE_URL=f"sqlite:///{instance / 'g.db'}",
               APP_TOKEN_SIGNING_KEY=signing_key_pem, SECRET_KEY="x" * 40, BIND=f"127.0.0.1:{port}",
               WEB_CONCURRENCY="1", GUNICORN_THREADS="2",
               ENTRA_TENANT_IDS="11111111-1111-1111-1111-111111111111", ENTRA_API_AUDIENCES="api://x",
               OIDC_METADATA_URL="http://127.0.0.1:1/.well-known/openid-configuration")
    env.pop("TEST_DATABASE_URL", None)
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # the config creates and cleans its own
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "infra/gunicorn.conf.py", "wsgi:app"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not start")
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _status(port: int, path: str, headers: dict[str, str]) -> int:
    return _response(port, path, headers)[0]


def _response(port: int, path: str, headers: dict[str, str]) -> tuple[int, str, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        conn.close()


def _raw(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def _problem(status: int, content_type: str, body: bytes, slug: str) -> dict:
    assert content_type == "application/problem+json"
    document = json.loads(body)
    assert document["status"] == status and document["type"].endswith("/" + slug)
    return document


def test_j12_ten_kilobyte_bearer_header_is_431(gunicorn_port):
    assert _status(gunicorn_port, "/api/v1/me", {"Authorization": "Bearer " + "a" * 10_000}) == 431


def test_r15_five_kilobyte_url_is_414(gunicorn_port):
    assert _status(gunicorn_port, "/healthz?" + "q" * 5_000, {}) == 414


def test_normal_request_still_served(gunicorn_port):
    assert _status(gunicorn_port, "/healthz", {}) == 200


def test_gunicorn_refusals_are_problem_json_without_echoing_the_request(gunicorn_port):
    """gunicorn's own 414/431/400 pages are problem+json (mobile_service/server_errors.py)."""
    status, kind, body = _response(gunicorn_port, "/api/v1/students?name=" + "garcia" * 900, {})
    assert status == 414
    assert "garcia" not in json.dumps(_problem(414, kind, body, "uri-too-long"))
    status, kind, body = _response(gunicorn_port, "/api/v1/me", {"Authorization": "Bearer " + "secret" * 2000})
    assert status == 431
    assert "secret" not in json.dumps(_problem(431, kind, body, "request-header-fields-too-large"))
    raw = _raw(gunicorn_port, b"GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n")
    head, _, payload = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ") and b"Content-Type: application/problem+json" in head
    assert json.loads(payload)["status"] == 400
