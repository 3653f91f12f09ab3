"""Constants and helpers of the manual-add tests (fixtures ``moving_clock`` and ``team``: conftest.py)."""
from __future__ import annotations

import datetime as dt

from tests.api.caseload_helpers import CASELOAD_URL, add_student, entries, student_url
from tests.api.student_helpers import STUDENT_ROUTES

T0 = dt.datetime(2026, 10, 15, 16, 0, tzinfo=dt.UTC)  # 09:00 in Los Angeles
QUEUE = "/api/v1/supervisees/pending-adds"
REPORT = "/api/v1/admin/manual-adds"
CARD_KEYS = {"add_id", "worker", "student", "reason", "added_at", "expires_at", "days_left"}
REPORT_KEYS = {"add_id", "worker_id", "worker_email", "state", "flagged", "reason", "added_at", "age_days",
               "expires_at", "removed_at", "reviewed_by", "reviewer_email", "reviewed_at"}


def add_as(client, team, who: str, student: str) -> int:
    response = add_student(client, team.h(who), team.ssid[student])
    assert response.status_code == 201, response.json
    return response.json


def add_id_of(app, team, who: str, student: str) -> int:
    [entry] = [e for e in entries(app, team.id[who], team.student_id[student]) if e.origin == "added"][-1:]
    return entry.id


def tab_statuses(client, team, who: str, student: str) -> list[int]:
    headers = team.h(who)
    return [client.get(student_url(client, team.ssid[student], route), headers=headers).status_code
            for route in STUDENT_ROUTES]


def caseload_ssids(client, team, who: str) -> set[str]:
    return {card["ssid"] for card in client.get(CASELOAD_URL, headers=team.h(who)).json["items"]}
