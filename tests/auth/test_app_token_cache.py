"""App tokens already verified by this process: times, signature and key ring still hold on reuse."""
from __future__ import annotations

import datetime as dt

import jwt
import pytest

from auth.app_tokens import TOKEN_TYPE
from auth.keys import ALGORITHM, KeyRing, _load_private, generate_pem, thumbprint
from mobile_service.extensions import db
from tests.factories import app_token_for, make_user


def _me(client, token: str):
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


def _error_description(response) -> str:
    return response.headers["WWW-Authenticate"].split('error_description="', 1)[1].rstrip('"')


@pytest.fixture
def signed_in(app, ctx, token_for, movable_clock):
    """A CSW with a real app token that has already been verified once (and so is cached)."""
    user = make_user("csw")
    db.session.commit()
    token = token_for(user)
    assert _me(app.test_client(), token).status_code == 200
    return token


def test_a_verified_token_still_expires_on_the_service_clock(app, client, signed_in, movable_clock):
    movable_clock.advance(seconds=app.config["APP_TOKEN_TTL"] - 1)
    assert _me(client, signed_in).status_code == 200  # within its lifetime (and the leeway)
    movable_clock.advance(seconds=31)
    response = _me(client, signed_in)
    assert response.status_code == 401
    assert _error_description(response) == "token expired"
    movable_clock.now -= dt.timedelta(seconds=60)  # once expired it was dropped, yet still verifies properly
    assert _me(client, signed_in).status_code == 200


def test_a_token_from_the_future_is_not_yet_valid(app, client, ctx, token_for, movable_clock):
    user = make_user("csw")
    db.session.commit()
    movable_clock.advance(minutes=5)
    token = token_for(user)
    movable_clock.now -= dt.timedelta(minutes=5)
    response = _me(client, token)
    assert response.status_code == 401
    assert _error_description(response) == "token not yet valid"


@pytest.mark.parametrize("segment", [0, 1, 2])
def test_an_altered_copy_of_a_verified_token_is_refused(client, signed_in, segment):
    parts = signed_in.split(".")
    middle = len(parts[segment]) // 2
    parts[segment] = parts[segment][:middle] + ("A" if parts[segment][middle] != "A" else "B") + parts[segment][middle + 1:]
    assert _me(client, ".".join(parts)).status_code == 401
    assert _me(client, signed_in).status_code == 200


def test_a_retired_signing_key_ends_tokens_verified_before(app, client, signed_in, monkeypatch):
    fresh = _load_private(generate_pem())
    ring = KeyRing(thumbprint(fresh.public_key()), fresh, {thumbprint(fresh.public_key()): fresh.public_key()})
    monkeypatch.setitem(app.extensions, "app_token_keyring", ring)
    response = _me(client, signed_in)
    assert response.status_code == 401
    assert _error_description(response) == "unknown signing key"


def test_times_must_be_integers_even_when_signed(app, client, ctx, movable_clock):
    user = make_user("csw")
    db.session.commit()
    ring = app.extensions["app_token_keyring"]
    # The claims of a real token (read back with its own key), re-signed with a string expiry.
    good = jwt.decode(app_token_for(user), ring.signing_key.public_key(), algorithms=[ALGORITHM],
                      audience=app.config["APP_TOKEN_AUDIENCE"], issuer=app.config["APP_TOKEN_ISSUER"])
    bad = jwt.encode({**good, "exp": str(good["exp"])}, ring.signing_key, algorithm=ALGORITHM,
                     headers={"kid": ring.signing_kid, "typ": TOKEN_TYPE})
    response = _me(client, bad)
    assert response.status_code == 401
    assert _error_description(response) == "invalid token"
