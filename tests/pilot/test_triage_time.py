"""``issue_reports.triaged_at``: set when an issue first leaves ``new``, kept through later moves
(the "triaged within 2 working days" criterion reads it), and the working-day deadline."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from mobile_service.extensions import db
from mobile_service.models import IssueReport
from mobile_service.pilot import evaluation
from mobile_service.pilot.window import resolve_cohort, window_for
from tests.pilot.fixture_data import at


def test_triaged_at_is_the_first_move_out_of_new(client, app, bearer, people, service_clock, token_for):
    from mobile_service.models import User

    def coordinator() -> dict[str, str]:  # a fresh token on the moved clock (tokens are short-lived)
        with app.app_context():
            return {"Authorization": f"Bearer {token_for(db.session.get(User, people['coordinator']))}"}

    created = client.post("/api/v1/issues", json={"kind": "problem", "description": "spins"}, headers=bearer("csw"))
    issue_id = created.json["id"]
    url = f"/api/v1/pilot/issues/{issue_id}"
    assert client.patch(url, json={"note": "looking"}, headers=coordinator()).json["triaged_at"] is None
    service_clock.advance(hours=3)
    first = client.patch(url, json={"status": "in_progress"}, headers=coordinator()).json
    assert first["triaged_at"] == "2026-10-15T22:00:00Z"
    service_clock.advance(days=2)
    for status in ("resolved", "triaged", "resolved"):
        moved = client.patch(url, json={"status": status}, headers=coordinator()).json
        assert moved["triaged_at"] == "2026-10-15T22:00:00Z" and moved["status_changed_at"] == "2026-10-17T22:00:00Z"
    with app.app_context():
        assert db.session.get(IssueReport, issue_id).triaged_at == at("2026-10-15 22:00")
        assert db.session.execute(select(IssueReport.triaged_at)).scalar_one() is not None


def test_deadline_is_the_end_of_the_second_working_day(app, people):
    with app.app_context():
        window = window_for(resolve_cohort("pomona-2026"))
        cases = {  # reported (UTC) -> deadline (UTC, midnight Pacific daylight time = 07:00Z)
            "2026-10-05 16:00": "2026-10-08 07:00",  # Monday -> end of Wednesday
            "2026-10-08 23:30": "2026-10-13 07:00",  # Thursday 16:30 local -> end of Monday
            "2026-10-09 06:30": "2026-10-13 07:00",  # Thursday 23:30 local (Friday in UTC) -> end of Monday
            "2026-10-10 18:00": "2026-10-14 07:00",  # Saturday -> end of Tuesday
            "2026-10-11 18:00": "2026-10-14 07:00",  # Sunday -> end of Tuesday
        }
        for reported, deadline in cases.items():
            assert evaluation.triage_deadline(window, at(reported)) == at(deadline), reported
        assert evaluation.triage_deadline(window, at("2026-10-30 18:00")) == dt.datetime(
            2026, 11, 4, 8, 0, tzinfo=dt.UTC)  # Friday before the switch to PST -> end of Tuesday (UTC-8)
