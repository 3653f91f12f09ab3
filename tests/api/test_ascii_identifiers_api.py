"""The API's identifiers are ASCII digits too (issue 12, item 3): student keys in paths and bodies, SSIDs
in search, and integer ids in URLs. Non-ASCII digits get the same 404 or 422 as any other malformed value."""

from __future__ import annotations

import pytest

from tests.api.caseload_helpers import UNKNOWN_KEY, without_request_id

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.mark.parametrize("table", [ARABIC_INDIC, FULLWIDTH], ids=["arabic-indic", "fullwidth"])
def test_record_paths_with_foreign_digits_are_the_same_404(client, world, table):
    key, ssid = world.key["assigned"], world.ssid["assigned"]
    headers = world.headers["csw"]
    assert client.get(f"/api/v1/students/{key}", headers=headers).status_code == 200
    missing = client.get(f"/api/v1/students/{UNKNOWN_KEY}", headers=headers)
    # The last character is always a foreign digit, whether or not the key has ASCII digits.
    foreign_key = (key[:-1] + "7").translate(table)
    others = [client.get(f"/api/v1/students/{path}", headers=headers)
              for path in (foreign_key, ssid, ssid.translate(table))]
    assert missing.status_code == 404
    for other in others:
        assert other.status_code == 404
        assert without_request_id(other.json) == without_request_id(missing.json)


@pytest.mark.parametrize("table", [ARABIC_INDIC, FULLWIDTH], ids=["arabic-indic", "fullwidth"])
def test_search_refuses_foreign_digits(client, world, table):
    ssid = world.ssid["assigned"]
    for criteria in ({"ssid": ssid.translate(table)}, {"ssid": ssid[:6].translate(table)},
                     {"dob": "2012-01-02".translate(table), "first_name": "Ana", "last_name": "Alvarez"}):
        response = client.post("/api/v1/students/search", json=criteria, headers=world.headers["csw"])
        assert response.status_code == 422, criteria
        assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("shape", ["arabic-indic", "fullwidth", "trailing-newline"])
def test_caseload_add_refuses_a_malformed_student_key_in_the_body(client, world, shape):
    key = world.key["unrelated"][:-1] + "7"  # ends in a digit, so every shape changes it
    value = {"arabic-indic": key.translate(ARABIC_INDIC), "fullwidth": key.translate(FULLWIDTH),
             "trailing-newline": key + "\n"}[shape]
    response = client.post("/api/v1/caseload", json={"student_key": value, "reason": "covering for a colleague"},
                           headers=world.headers["csw"])
    assert response.status_code == 422
    assert "student_key" in response.json["errors"]["json"]


def test_integer_ids_in_urls_are_ascii(client, world):
    worker = world.id["csw"]
    url = "/api/v1/supervisees/{}/caseload"
    assert client.get(url.format(worker), headers=world.headers["scsw"]).status_code == 200
    for foreign in (str(worker).translate(ARABIC_INDIC), str(worker).translate(FULLWIDTH)):
        assert client.get(url.format(foreign), headers=world.headers["scsw"]).status_code == 404


def test_a_token_subject_in_foreign_digits_is_not_a_user_id(app, client, world):
    """A correctly signed app token whose ``sub`` is "١" (Arabic-Indic one) must not act as user 1."""
    import jwt

    from auth.app_tokens import ALGORITHM, TOKEN_TYPE

    ring = app.extensions["app_token_keyring"]
    good = world.headers["csw"]["Authorization"].split()[1]
    claims = jwt.decode(good, ring.signing_key.public_key(), algorithms=[ALGORITHM],
                        audience=app.config["APP_TOKEN_AUDIENCE"])
    assert client.get("/api/v1/me", headers=world.headers["csw"]).status_code == 200
    for table in (ARABIC_INDIC, FULLWIDTH):
        forged = jwt.encode({**claims, "sub": claims["sub"].translate(table)}, ring.signing_key,
                            algorithm=ALGORITHM, headers={"kid": ring.signing_kid, "typ": TOKEN_TYPE})
        response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"})
        assert response.status_code == 401
        assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_the_registry_refuses_an_employee_id_in_foreign_digits(app, runner):
    result = runner.invoke(args=["users", "add", "--email", "new.worker@dcfs.lacounty.gov", "--name", "New Worker",
                                 "--role", "csw", "--employee-id", "E00000".translate(ARABIC_INDIC) + "٧"])
    assert result.exit_code != 0
    assert "ASCII" in result.output
    with app.app_context():
        from mobile_service.extensions import db
        from mobile_service.models import User

        assert db.session.execute(db.select(User).where(User.email == "new.worker@dcfs.lacounty.gov")).first() is None
