"""Two identical caseload adds at the same moment (issue 18): the loser answers like an idempotent
repeat (200, the winner's entry) AND leaves its audit row; one entry. Real concurrent requests on
PostgreSQL (the one-open-entry unique index decides)."""
# ruff: noqa: F811  (pytest fixtures imported from tests.api.caseload_helpers)
from __future__ import annotations

from api.caseload import service as caseload_service
from tests.api.caseload_helpers import audit_rows, entries
from tests.concurrency import postgres_only, rendezvous, run_together

pytestmark = postgres_only
URL = "/api/v1/caseload"


def _add(app, headers, key):
    return app.test_client().post(URL, json={"student_key": key, "reason": "new case"}, headers=headers)


def test_racing_duplicate_adds_answer_alike_and_both_are_audited(app, world, monkeypatch):
    wait = rendezvous(2)
    real = caseload_service.caseload_list.feed_assigned

    def assigned_then_wait(principal, student_id):
        found = real(principal, student_id)
        wait()  # both requests saw the student off the list; both insert
        return found

    monkeypatch.setattr(caseload_service.caseload_list, "feed_assigned", assigned_then_wait)
    key = world.key["unrelated"]
    responses = run_together([lambda: _add(app, world.headers["csw"], key) for _ in range(2)])
    assert sorted(r.status_code for r in responses) == [200, 201], [r.get_json() for r in responses]
    winner = next(r for r in responses if r.status_code == 201).get_json()
    loser = next(r for r in responses if r.status_code == 200).get_json()
    assert loser == winner  # the same entry, as a repeat add would show it
    assert len(entries(app, world.id["csw"], world.student_id["unrelated"])) == 1
    rows = audit_rows(app, "caseload.add")
    assert sorted(r.details["result"] for r in rows) == ["added", "already_on_caseload"]
    assert {(r.user_id, r.student_id) for r in rows} == {(world.id["csw"], world.student_id["unrelated"])}


def test_many_simultaneous_duplicate_adds_one_entry_every_attempt_audited(app, world):
    key = world.key["unrelated"]
    responses = run_together([lambda: _add(app, world.headers["csw"], key) for _ in range(6)])
    assert sorted(r.status_code for r in responses) == [200] * 5 + [201], [r.get_json() for r in responses]
    assert len(entries(app, world.id["csw"], world.student_id["unrelated"])) == 1
    rows = audit_rows(app, "caseload.add")
    assert len(rows) == 6 and sum(r.details["result"] == "added" for r in rows) == 1
