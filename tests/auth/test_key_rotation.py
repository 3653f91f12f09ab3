"""App-token key rotation in two phases across pods (issue 18): learn the new key, then sign with it.

Each "pod" is an app built from its own settings, sharing the database, as pods share one
PostgreSQL. Tokens are real ES256 tokens signed by the pod that issued them; a request with a
token another pod signed must be answered 200 at every step of the runbook's order.
"""
from __future__ import annotations

import json

import jwt
import pytest

from auth.keys import generate_pem, kid_of, public_pem
from mobile_service.extensions import db
from tests.factories import app_token_for, make_user


@pytest.fixture
def keys(signing_key_pem):
    """The pods' current key (the suite's) and the one being rolled in."""
    return {"old": signing_key_pem, "new": generate_pem()}


@pytest.fixture
def pod(make_app, base_env, keys):
    """Build a pod for a rotation phase: 0 (old key only), 1 (learned), 2 (signing), 3 (retired)."""
    def build(phase: int):
        signing = keys["new"] if phase >= 2 else keys["old"]
        verification = {0: "", 1: public_pem(keys["old"]) + public_pem(keys["new"]),
                        2: public_pem(keys["old"]) + public_pem(keys["new"]), 3: ""}[phase]
        return make_app({**base_env, "APP_TOKEN_SIGNING_KEY": signing, "APP_TOKEN_VERIFICATION_KEYS": verification})

    return build


@pytest.fixture
def worker(app, ctx):
    user = make_user("csw")
    db.session.commit()
    return user.id


def _token(pod_app, user_id: int) -> str:
    from mobile_service.models import User

    with pod_app.app_context():
        token = app_token_for(db.session.get(User, user_id))
        db.session.commit()
        db.session.remove()
    return token


def _me(pod_app, token: str):
    return pod_app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


def test_a_token_signed_with_the_new_key_verifies_on_a_pod_that_learned_it(pod, keys, worker):
    phase1, phase2 = pod(1), pod(2)
    token = _token(phase2, worker)
    assert jwt.get_unverified_header(token)["kid"] == kid_of(keys["new"])
    assert _me(phase1, token).status_code == 200     # an older pod of the rollout, still signing old
    assert _me(phase2, token).status_code == 200


def test_during_phase_two_old_and_new_pods_accept_each_others_tokens(pod, keys, worker):
    phase1, phase2 = pod(1), pod(2)
    from_old = _token(phase1, worker)
    assert jwt.get_unverified_header(from_old)["kid"] == kid_of(keys["old"])
    assert _me(phase2, from_old).status_code == 200
    assert _me(phase1, _token(phase2, worker)).status_code == 200


def test_tokens_from_before_the_rotation_verify_after_the_switch_until_retirement(pod, worker):
    before, switched, retired = pod(0), pod(2), pod(3)
    token = _token(before, worker)
    assert _me(switched, token).status_code == 200
    response = _me(retired, token)
    assert response.status_code == 401
    assert 'error_description="unknown signing key"' in response.headers["WWW-Authenticate"]
    assert _me(retired, _token(switched, worker)).status_code == 200   # the new key's tokens live on


def test_signing_before_every_pod_learned_the_key_gives_401s(pod, worker):
    """The runbook's old order: a pod signs with the new key while another never heard of it."""
    not_yet, signing = pod(0), pod(2)
    response = _me(not_yet, _token(signing, worker))
    assert response.status_code == 401
    assert 'error_description="unknown signing key"' in response.headers["WWW-Authenticate"]


def test_the_jwks_lists_the_new_key_from_phase_one_and_drops_the_old_at_retirement(pod, keys):
    old, new = kid_of(keys["old"]), kid_of(keys["new"])

    def kids(pod_app) -> set[str]:
        return {k["kid"] for k in pod_app.test_client().get("/.well-known/jwks.json").get_json()["keys"]}

    assert kids(pod(0)) == {old}
    assert kids(pod(1)) == {old, new} == kids(pod(2))
    assert kids(pod(3)) == {new}


def test_the_ring_reports_its_phase(pod, keys):
    old, new = kid_of(keys["old"]), kid_of(keys["new"])
    phases = []
    for phase in range(4):
        pod_app = pod(phase)
        phases.append(pod_app.extensions["app_token_keyring"].phase(new, old))
    assert phases == ["unaware", "learned", "signing", "retired"]
    assert pod(2).extensions["app_token_keyring"].phase(new) == "signing"   # without --old: any other key
    assert pod(3).extensions["app_token_keyring"].phase(new) == "retired"


# ---- flask keys ---------------------------------------------------------------------------------

def test_keys_public_prints_the_public_half_and_kid_of_a_key_file(pod, keys, tmp_path):
    path = tmp_path / "new.pem"
    path.write_text(keys["new"])
    result = pod(0).test_cli_runner().invoke(args=["keys", "public", "--key", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout == public_pem(keys["new"])
    assert f"kid: {kid_of(keys['new'])}" in result.stderr
    result = pod(0).test_cli_runner().invoke(args=["keys", "public", "--key", str(path), "--jwk"])
    jwk = json.loads(result.stdout)
    assert jwk["kid"] == kid_of(keys["new"]) and "d" not in jwk   # never the private part


def test_keys_generate_prints_a_new_key_and_its_kid(pod):
    result = pod(0).test_cli_runner().invoke(args=["keys", "generate"])
    assert result.exit_code == 0
    # The key this test run just generated, as PKCS#8 PEM (load_pem_private_key accepts it).
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    assert load_pem_private_key(result.stdout.encode(), password=None).curve.name == "secp256r1"
    assert result.stderr.strip() == f"kid: {kid_of(result.stdout)}"


def test_keys_show_lists_the_ring_and_the_retirement_wait(pod, keys):
    result = pod(2).test_cli_runner().invoke(args=["keys", "show"])
    shown = json.loads(result.stdout)
    assert shown["signing_kid"] == kid_of(keys["new"])
    assert set(shown["verification_kids"]) == {kid_of(keys["old"]), kid_of(keys["new"])}
    assert shown["retire_old_key_after_seconds"] == shown["app_token_ttl_seconds"] + 30


@pytest.mark.parametrize(("phase", "claimed", "ok"), [
    (0, "learned", False), (1, "learned", True), (1, "signing", False),
    (2, "signing", True), (2, "retired", False), (3, "retired", True),
])
def test_keys_check_exits_non_zero_unless_the_pod_is_at_the_phase(pod, keys, phase, claimed, ok):
    args = ["keys", "check", "--new", kid_of(keys["new"]), "--old", kid_of(keys["old"]), "--phase", claimed]
    result = pod(phase).test_cli_runner().invoke(args=args)
    assert (result.exit_code == 0) is ok, result.output
    if not ok:
        assert "not '" + claimed + "'" in result.output


def test_keys_check_reads_running_pods_jwks(pod, keys, monkeypatch):
    """--jwks-url fails while a pod does not publish the new kid (its rollout is not done)."""
    import auth.jwks

    published = {"http://pod-a/.well-known/jwks.json": pod(1), "http://pod-b/.well-known/jwks.json": pod(0)}
    monkeypatch.setattr(auth.jwks, "fetch_json",
                        lambda url, timeout: published[url].test_client().get("/.well-known/jwks.json").get_json())
    base = ["keys", "check", "--new", kid_of(keys["new"]), "--old", kid_of(keys["old"]), "--phase", "learned"]
    result = pod(1).test_cli_runner().invoke(args=[*base, "--jwks-url", "http://pod-a/.well-known/jwks.json"])
    assert result.exit_code == 0 and "1 JWKS checked" in result.output
    result = pod(1).test_cli_runner().invoke(args=[*base, "--jwks-url", "http://pod-a/.well-known/jwks.json",
                                                   "--jwks-url", "http://pod-b/.well-known/jwks.json"])
    assert result.exit_code == 1 and "pod-b/.well-known/jwks.json does not publish the new kid" in result.output
