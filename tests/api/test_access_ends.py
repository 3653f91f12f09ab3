"""Access ends when it should (issue 11, item 5): supervision ends at once; LA days for date rules.

Deactivation and role changes already end access at once (tests/api/test_caseload_access.py,
tests/auth); these cover the supervision link and the day boundary.
"""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from mobile_service.extensions import db
from tests.api.caseload_helpers import bearer, student_url
from tests.factories import app_token_for, make_case, make_student, make_supervision, make_user

UTC = dt.UTC


@pytest.fixture
def now(service_clock):
    """``clock.utcnow`` set by the test (``clock.today`` follows it, in Los Angeles)."""
    service_clock.freeze(dt.datetime(2026, 10, 15, 16, 0, tzinfo=UTC))
    return service_clock


@pytest.fixture
def office(app, now):
    with app.app_context():
        scsw = make_user("scsw", email="boss@dcfs.lacounty.gov")
        csw = make_user("csw", email="worker@dcfs.lacounty.gov")
        make_supervision(scsw, csw)
        child = make_student()
        make_case(child, csw, assignment_end=dt.date(2026, 10, 15))  # last day of the assignment
        db.session.commit()
        ns = SimpleNamespace(ssid=child.ssid, csw_id=csw.id,
                             users={"scsw": SimpleNamespace(id=scsw.id, role="scsw", token_version=1),
                                    "csw": SimpleNamespace(id=csw.id, role="csw", token_version=1)})
        db.session.remove()

    def headers(who: str) -> dict[str, str]:
        with app.app_context():
            return bearer(app_token_for(ns.users[who]))

    ns.h = headers
    return ns


@pytest.mark.parametrize("instant, status", [
    (dt.datetime(2026, 10, 16, 3, 0, tzinfo=UTC), 200),   # 8 pm on the 15th in LA: still the last day
    (dt.datetime(2026, 10, 16, 6, 59, tzinfo=UTC), 200),  # 11:59 pm in LA
    (dt.datetime(2026, 10, 16, 7, 0, tzinfo=UTC), 404),   # LA midnight: the assignment has ended
])
def test_assignment_end_date_is_a_los_angeles_day(client, office, now, instant, status):
    now.freeze(instant)
    assert client.get(student_url(client, office.ssid), headers=office.h("csw")).status_code == status
    assert client.get(student_url(client, office.ssid), headers=office.h("scsw")).status_code == status


@pytest.mark.parametrize("instant", [
    dt.datetime(2026, 10, 15, 16, 0, tzinfo=UTC),  # 9 am in LA
    dt.datetime(2026, 10, 16, 2, 0, tzinfo=UTC),   # 7 pm in LA, already the 16th in UTC
    dt.datetime(2026, 10, 16, 6, 30, tzinfo=UTC),  # 11:30 pm in LA
])
def test_reported_end_supervision_waited_for_midnight_now_it_ends_at_once(client, runner, office, now, instant):
    now.freeze(instant)
    caseload = f"/api/v1/supervisees/{office.csw_id}/caseload"
    assert client.get(caseload, headers=office.h("scsw")).status_code == 200
    assert client.get(student_url(client, office.ssid), headers=office.h("scsw")).status_code == 200

    result = runner.invoke(args=["users", "end-supervision", "worker@dcfs.lacounty.gov"])
    assert result.exit_code == 0, result.output

    scsw = office.h("scsw")
    assert client.get(caseload, headers=scsw).status_code == 404
    assert client.get(student_url(client, office.ssid), headers=scsw).status_code == 404
    assert client.get("/api/v1/supervisees", headers=scsw).json["items"] == []
    assert client.get(student_url(client, office.ssid), headers=office.h("csw")).status_code == 200  # the worker keeps it


def test_a_new_supervisor_replaces_the_old_one_at_once(app, client, runner, office, now):
    with app.app_context():
        make_user("scsw", email="boss2@dcfs.lacounty.gov")
        db.session.commit()
    result = runner.invoke(args=["users", "set-supervisor", "worker@dcfs.lacounty.gov", "boss2@dcfs.lacounty.gov"])
    assert result.exit_code == 0, result.output
    assert client.get(student_url(client, office.ssid), headers=office.h("scsw")).status_code == 404
