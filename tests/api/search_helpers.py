"""Helpers of the search tests (the ``people`` fixture: conftest.py)."""
from __future__ import annotations

from tests.api.caseload_helpers import bearer

URL = "/api/v1/students/search"
CARD_KEYS = {"student_key", "in_scope", "ssid", "legal_first_name", "legal_last_name", "birth_date", "school_name", "grade_level",
             "on_my_caseload"}


def search(client, token, **body):
    return client.post(URL, json=body, headers=bearer(token))


def ssids(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [card["ssid"] for card in response.get_json()["results"]]
