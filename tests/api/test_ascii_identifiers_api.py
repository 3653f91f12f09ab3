"""The API's identifiers are ASCII digits too (issue 12, item 3): SSIDs in paths, bodies and search,
and integer ids in URLs. Non-ASCII digits get the same 404 or 422 as any other malformed value."""
# ruff: noqa: F811  (pytest fixtures imported from tests.api.caseload_helpers)
from __future__ import annotations

import pytest

from tests.api.caseload_helpers import fixed_today, world  # noqa: F401  (fixtures)

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.mark.parametrize("table", [ARABIC_INDIC, FULLWIDTH], ids=["arabic-indic", "fullwidth"])
def test_record_paths_with_foreign_digits_are_the_same_404(client, world, table):
    ssid = world.ssid["assigned"]
    assert client.get(f"/api/v1/students/{ssid}", headers=world.headers["csw"]).status_code == 200
    missing = client.get("/api/v1/students/9999999999", headers=world.headers["csw"])
    foreign = client.get(f"/api/v1/students/{ssid.translate(table)}", headers=world.headers["csw"])
    assert foreign.status_code == missing.status_code == 404
    assert {k: v for k, v in foreign.json.items() if k != "request_id"} == \
           {k: v for k, v in missing.json.items() if k != "request_id"}


@pytest.mark.parametrize("table", [ARABIC_INDIC, FULLWIDTH], ids=["arabic-indic", "fullwidth"])
def test_search_refuses_foreign_digits(client, world, table):
    ssid = world.ssid["assigned"]
    for criteria in ({"ssid": ssid.translate(table)}, {"ssid": ssid[:6].translate(table)},
                     {"dob": "2012-01-02".translate(table), "first_name": "Ana", "last_name": "Alvarez"}):
        response = client.post("/api/v1/students/search", json=criteria, headers=world.headers["csw"])
        assert response.status_code == 422, criteria
        assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("shape", ["arabic-indic", "fullwidth", "trailing-newline"])
def test_caseload_add_refuses_a_malformed_ssid_in_the_body(client, world, shape):
    ssid = world.ssid["unrelated"]
    value = {"arabic-indic": ssid.translate(ARABIC_INDIC), "fullwidth": ssid.translate(FULLWIDTH),
             "trailing-newline": ssid + "\n"}[shape]
    response = client.post("/api/v1/caseload", json={"ssid": value, "reason": "covering for a colleague"},
                           headers=world.headers["csw"])
    assert response.status_code == 422
    assert "ssid" in response.json["errors"]["json"]


def test_integer_ids_in_urls_are_ascii(client, world):
    worker = world.id["csw"]
    url = "/api/v1/supervisees/{}/caseload"
    assert client.get(url.format(worker), headers=world.headers["scsw"]).status_code == 200
    for foreign in (str(worker).translate(ARABIC_INDIC), str(worker).translate(FULLWIDTH)):
        assert client.get(url.format(foreign), headers=world.headers["scsw"]).status_code == 404
