"""POST /api/v1/feedback: happy path, SUS scoring, strict validation, who may send it."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from mobile_service.extensions import db
from mobile_service.models import Feedback, UsageEvent
from mobile_service.pilot.domain import sus_score

GOOD = {"rating": 4, "category": "search", "comment": "Found the student fast.", "screen": "search/results",
        "app_version": "1.2.0", "platform": "ios"}


def test_csw_sends_feedback(client, app, bearer, people):
    response = client.post("/api/v1/feedback", json=GOOD, headers=bearer("csw"))
    assert response.status_code == 201, response.json
    body = response.json
    assert body["rating"] == 4 and body["category"] == "search" and body["sus_score"] is None
    assert body["created_at"].endswith("Z")
    with app.app_context():
        row = db.session.execute(select(Feedback)).scalar_one()
        assert (row.user_id, row.comment, row.platform) == (people["csw"], "Found the student fast.", "ios")
        event = db.session.execute(select(UsageEvent).where(UsageEvent.event == "feedback")).scalar_one()
        assert event.user_id == people["csw"] and event.detail == "search"


def test_scsw_sends_sus_answers(client, bearer):
    answers = [5, 1, 4, 2, 5, 1, 4, 2, 5, 1]
    response = client.post("/api/v1/feedback", json={"rating": 5, "category": "general", "sus_answers": answers},
                           headers=bearer("scsw"))
    assert response.status_code == 201, response.json
    # odd items: 4+3+4+3+4 = 18; even items: 4+3+4+3+4 = 18; (18+18) * 2.5 = 90
    assert response.json["sus_score"] == 90.0


@pytest.mark.parametrize("answers, expected", [
    ([3] * 10, 50.0), ([5, 1] * 5, 100.0), ([1, 5] * 5, 0.0), ([4, 2, 4, 2, 4, 2, 4, 2, 4, 2], 75.0),
])
def test_sus_score(answers, expected):
    assert sus_score(answers) == expected


@pytest.mark.parametrize("change, field", [
    ({"rating": 0}, "rating"), ({"rating": 6}, "rating"), ({"rating": "4"}, "rating"), ({"rating": True}, "rating"),
    ({"rating": 2 ** 70}, "rating"), ({"category": "nonsense"}, "category"), ({"comment": "x" * 2001}, "comment"),
    ({"comment": "bell\x07"}, "comment"), ({"platform": "windows"}, "platform"), ({"screen": "a b"}, "screen"),
    ({"screen": "students/q3Vd9fK2LmX0aB7cR1sT4w/attendance"}, "screen"),  # a student key: coordinators read it
    ({"app_version": "1" * 31}, "app_version"), ({"sus_answers": [3] * 9}, "sus_answers"),
    ({"sus_answers": [3] * 9 + [6]}, "sus_answers"), ({"sus_answers": [3] * 11}, "sus_answers"),
    ({"sus_answers": "3333333333"}, "sus_answers"), ({"unexpected": 1}, "unexpected"),
])
def test_invalid_feedback_is_422(client, bearer, change, field):
    response = client.post("/api/v1/feedback", json={**GOOD, **change}, headers=bearer("csw"))
    assert response.status_code == 422, response.json
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert field in response.json["errors"]["json"]


def test_missing_required_fields(client, bearer):
    response = client.post("/api/v1/feedback", json={}, headers=bearer("csw"))
    assert response.status_code == 422
    assert set(response.json["errors"]["json"]) == {"rating", "category"}


def test_nul_in_body_is_rejected(client, bearer):
    # The request guard refuses NUL characters in JSON bodies before any schema runs.
    response = client.post("/api/v1/feedback", data='{"rating": 4, "category": "general", "comment": "a\\u0000"}',
                           content_type="application/json", headers=bearer("csw"))
    assert response.status_code in (400, 422)
    assert response.headers["Content-Type"].startswith("application/problem+json")


def test_comment_of_exactly_2000_characters_is_accepted(client, bearer):
    response = client.post("/api/v1/feedback", json={**GOOD, "comment": "é" * 2000}, headers=bearer("csw"))
    assert response.status_code == 201


def test_feedback_requires_a_token(client, people):
    response = client.post("/api/v1/feedback", json=GOOD)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("who", ["coordinator", "admin"])
def test_coordinators_do_not_send_feedback(client, bearer, who):
    response = client.post("/api/v1/feedback", json=GOOD, headers=bearer(who))
    assert response.status_code == 403
