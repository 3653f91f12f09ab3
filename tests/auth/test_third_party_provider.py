"""A third-party, standards-conformant OpenID provider (npm oauth2-mock-server) on loopback,
configured only through environment variables: the service exchanges its token with no code change.

Needs node and `npm ci --prefix tests/auth/oidc_mock`; skips cleanly otherwise, except when
REQUIRE_OIDC_MOCK=1 (set by .ci/run), where a missing provider is a failure.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
import requests

from mobile_service.extensions import db
from tests.auth.support import exchange, register

MOCK_DIR = Path(__file__).parent / "oidc_mock"
TENANT = "77777777-7777-7777-7777-777777777777"
AUDIENCE = "api://lacoe-mobile-thirdparty"
CLIENT = "88888888-8888-8888-8888-888888888888"


def _unavailable(reason: str):
    if os.environ.get("REQUIRE_OIDC_MOCK") == "1":
        pytest.fail(f"third-party OpenID provider required but unavailable: {reason}")
    pytest.skip(reason)


@pytest.fixture
def provider():
    node = shutil.which("node")
    if node is None:
        _unavailable("node is not installed")
    if not (MOCK_DIR / "node_modules" / "oauth2-mock-server").is_dir():
        _unavailable("run `npm ci --prefix tests/auth/oidc_mock` first")
    oid = str(uuid.uuid4())
    env = dict(os.environ, MOCK_AUD=AUDIENCE, MOCK_TID=TENANT, MOCK_OID=oid, MOCK_AZP=CLIENT,
               MOCK_EMAIL="third.party@dcfs.lacounty.gov")
    process = subprocess.Popen([node, "server.js"], cwd=MOCK_DIR, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        if not line.startswith("READY "):
            process.kill()
            _unavailable(f"provider did not start: {process.stderr.read()[:300]}")
        yield {"url": f"http://127.0.0.1:{int(line.split()[1])}", "oid": oid}
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
        process.stdout.close()
        process.stderr.close()


def test_third_party_provider_token_is_exchanged(make_app, app, base_env, provider):
    # Only environment variables point the service at the provider: no code path differs.
    env = dict(base_env, AUTH_MODE="entra", OIDC_METADATA_URL=f"{provider['url']}/.well-known/openid-configuration",
               ENTRA_TENANT_IDS=TENANT, ENTRA_API_AUDIENCES=AUDIENCE, ENTRA_ALLOWED_CLIENT_IDS=CLIENT)
    service = make_app(env)
    try:
        user = register(service, "csw", bound=False, email="third.party@dcfs.lacounty.gov")
        issued = requests.post(f"{provider['url']}/token", data={"grant_type": "client_credentials",
                                                                 "client_id": CLIENT, "scope": "access_as_user"},
                               timeout=5)
        assert issued.status_code == 200, issued.text
        subject = issued.json()["access_token"]
        client = service.test_client()
        response = exchange(client, subject)
        assert response.status_code == 200, response.get_json()
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {response.get_json()['access_token']}"})
        assert me.status_code == 200 and me.get_json()["id"] == user.id
        with service.app_context():
            from mobile_service.models import User

            bound = db.session.get(User, user.id)
            assert (bound.entra_tenant_id, bound.entra_object_id) == (TENANT, provider["oid"])
        # The same provider's token for another audience is still refused.
        wrong = make_app(dict(env, ENTRA_API_AUDIENCES="api://someone-else"))
        refused = exchange(wrong.test_client(), subject)
        assert refused.status_code == 400 and refused.get_json()["error"] == "invalid_request"
        with wrong.app_context():
            db.engine.dispose()
    finally:
        with service.app_context():
            db.engine.dispose()
