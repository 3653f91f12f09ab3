"""Client events arriving at the same moment (PostgreSQL): first reports of one new signature
merge into one row with every count; copies of one report store it once. Real concurrent requests."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from mobile_service.extensions import db
from mobile_service.models import ClientEvent, ClientEventSignature
from tests.concurrency import postgres_only, run_together
from tests.pilot.client_event_helpers import event
from tests.pilot.conftest import PILOT_NOW

pytestmark = postgres_only
URL = "/api/v1/client-events"
WHEN = PILOT_NOW - dt.timedelta(hours=1)


def test_simultaneous_first_reports_merge_into_one_signature(app, bearer, people):
    headers = [bearer(name) for name in ("csw", "csw2", "scsw")] * 2
    bodies = [event(WHEN + dt.timedelta(minutes=i), count=i + 1) for i in range(6)]
    responses = run_together([lambda h=h, b=b: app.test_client().post(URL, json=b, headers=h)
                              for h, b in zip(headers, bodies)])
    assert [r.status_code for r in responses] == [201] * 6, [r.get_json() for r in responses]
    assert sum(not r.get_json()["merged"] for r in responses) == 1
    with app.app_context():
        sig = db.session.execute(select(ClientEventSignature)).scalar_one()
        assert (sig.occurrences, sig.reports) == (21, 6)
        assert sig.first_seen == WHEN and sig.last_seen == WHEN + dt.timedelta(minutes=5)


def test_simultaneous_copies_of_one_report_are_stored_once(app, bearer, people):
    body, headers = event(WHEN), bearer("csw")
    responses = run_together([lambda: app.test_client().post(URL, json=body, headers=headers)
                              for _ in range(4)])
    assert sorted(r.status_code for r in responses) == [200, 200, 200, 201], [r.get_json() for r in responses]
    with app.app_context():
        assert len(db.session.execute(select(ClientEvent)).scalars().all()) == 1
        assert db.session.execute(select(ClientEventSignature.occurrences)).scalar_one() == 1
