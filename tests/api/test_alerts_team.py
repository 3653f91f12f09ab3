"""``GET /api/v1/alerts/team``: an SCSW's digest of the team's alerts, counts per CSW and kind only."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from mobile_service import clock
from mobile_service.alerts import ALL_KINDS
from mobile_service.alerts import refresh as alert_refresh
from mobile_service.extensions import db
from tests.api.caseload_helpers import audit_rows

URL = "/api/v1/alerts/team"


@pytest.fixture
def stored(app, world):
    with app.app_context():
        alert_refresh.daily()
        db.session.remove()
    return world


def _counts(**found) -> dict[str, int]:
    return {kind: found.get(kind, 0) for kind in ALL_KINDS}


def test_the_supervisor_sees_counts_per_csw_and_no_student(client, stored):
    response = client.get(URL, headers=stored.headers["scsw"])
    assert response.status_code == 200, response.json
    body = response.get_json()
    assert body["items"] == [{"user_id": stored.id["csw"], "display_name": "Carla Worker", "total": 2,
                              "counts": _counts(chronic_absence=1, failing_marks=1)}]
    assert body["team"] == _counts(chronic_absence=1, failing_marks=1)
    text = json.dumps(body)
    assert all(stored.key[k] not in text and stored.ssid[k] not in text for k in stored.key)
    assert audit_rows(app=client.application, action="alerts.view") == []  # counts name no child


def test_each_supervisor_sees_their_own_team_only(client, stored):
    other = client.get(URL, headers=stored.headers["scsw_other"]).get_json()
    assert [(i["user_id"], i["counts"]["no_current_enrollment"]) for i in other["items"]] == [(stored.id["peer"], 1)]
    ended = client.get(URL, headers=stored.headers["scsw_ended"]).get_json()  # the supervision ended in June
    assert ended["items"] == [] and ended["team"] == _counts()


@pytest.mark.parametrize("who,status", [(None, 401), ("csw", 403), ("coordinator", 403), ("admin", 403)])
def test_only_an_scsw_has_a_team_digest(client, stored, who, status):
    assert client.get(URL, headers=stored.headers[who] if who else {}).status_code == status


def test_since_counts_the_alerts_raised_after_it(client, stored):
    later = (clock.utcnow() + dt.timedelta(seconds=1)).isoformat()
    response = client.get(URL, query_string={"since": "2026-01-01T00:00:00Z"}, headers=stored.headers["scsw"])
    assert response.get_json()["items"][0]["total"] == 2
    response = client.get(URL, query_string={"since": later}, headers=stored.headers["scsw"])
    assert response.status_code == 422  # in the future


@pytest.mark.parametrize("query", ["since=nope", "limit=101", "limit=-1", "cursor=x"])
def test_bad_digest_arguments_are_a_422(client, stored, query):
    assert client.get(f"{URL}?{query}", headers=stored.headers["scsw"]).status_code == 422
