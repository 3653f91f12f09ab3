"""``/pilot/steward``: the stewards' queue in the browser (the notice's link), real dev sign-in and CSRF."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from mobile_service.extensions import db
from mobile_service.models import AuditEvent, AuditEventStudent, IssueReport
from tests.pilot.conftest import csrf_from, dev_sign_in
from tests.steward.conftest import exact_lookup, report


@pytest.fixture
def queued(client, dq):
    exact_lookup(client, dq.headers["csw"])
    return report(client, dq.headers["csw"], [dq.key["mine"], dq.key["stranger"]]).json["id"]


@pytest.fixture
def steward_web(dev_app, dq):
    browser = dev_app.test_client()
    signed_in = dev_sign_in(browser, "elena.steward@lacoe.edu")
    assert signed_in.status_code == 302 and signed_in.headers["Location"].endswith("/pilot/steward")
    return browser


def test_a_steward_signs_in_to_the_queue_and_sees_no_student_data_there(steward_web, queued):
    page = steward_web.get("/pilot/steward")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f"#{queued}" in html and "One student, two SSIDs" in html and "Carla Worker" in html
    assert "Alvarez" not in html and "4100000001" not in html
    assert page.headers["Content-Security-Policy"] and page.headers["X-Frame-Options"] == "DENY"
    # The coordinators' dashboard is not theirs.
    assert steward_web.get("/pilot").status_code == 403


def test_the_report_page_shows_the_cards_audited_per_child_and_resolves(steward_web, app, dq, queued):
    page = steward_web.get(f"/pilot/steward/{queued}")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert "Ana" in html and "Alvarez" in html and "4100000001" in html and "Beto" in html and "2011-06-07" in html
    with app.app_context():
        (event,) = db.session.execute(select(AuditEvent).where(AuditEvent.action == "dq_report.view")).scalars()
        assert (event.user_id, event.basis) == (dq.id["steward"], "data_steward")
        assert len(db.session.execute(select(AuditEventStudent).where(
            AuditEventStudent.audit_event_id == event.id)).all()) == 2
    token = csrf_from(html)
    assert steward_web.post(f"/pilot/steward/{queued}/resolve",
                            data={"outcome": "merged", "note": "Merged."}).status_code == 400  # no CSRF
    refused = steward_web.post(f"/pilot/steward/{queued}/resolve",
                               data={"outcome": "merged", "note": "SSID 4100000001 kept", "csrf_token": token})
    assert refused.status_code == 303
    with app.app_context():
        assert db.session.get(IssueReport, queued).status == "new"
    done = steward_web.post(f"/pilot/steward/{queued}/resolve",
                            data={"outcome": "merged", "note": "Merged in CALPADS.", "csrf_token": token})
    assert done.status_code == 303 and done.headers["Location"].endswith(f"/pilot/steward/{queued}")
    after = steward_web.get(f"/pilot/steward/{queued}").get_data(as_text=True)
    assert "resolved; the reporter sees your note" in after and "Merged in CALPADS." in after
    assert "4100000001" not in after  # resolved: no cards any more
    with app.app_context():
        issue = db.session.get(IssueReport, queued)
        assert (issue.status, issue.outcome, issue.resolved_by) == ("resolved", "merged", dq.id["steward"])
    queue = steward_web.get("/pilot/steward").get_data(as_text=True)
    open_part, resolved_part = queue.split('id="resolved"')
    assert f"#{queued}" not in open_part and f"#{queued}" in resolved_part and "Merged" in resolved_part


def test_a_report_outside_the_queue_is_the_404_page(steward_web, client, dq):
    problem = client.post("/api/v1/issues", json={"kind": "problem", "description": "Spinner"},
                          headers=dq.headers["csw"]).json["id"]
    assert steward_web.get(f"/pilot/steward/{problem}").status_code == 404
    assert steward_web.get("/pilot/steward/424242").status_code == 404
    token = csrf_from(steward_web.get("/pilot/steward").get_data(as_text=True))
    assert steward_web.post(f"/pilot/steward/{problem}/resolve",
                            data={"outcome": "merged", "note": "x", "csrf_token": token}).status_code == 404


def test_coordinators_and_admins_cannot_open_the_queue(dev_app, dq, queued, app):
    from mobile_service.models import User

    with app.app_context():
        addresses = [db.session.get(User, dq.id[who]).email for who in ("coordinator", "admin")]
    for address in addresses:
        browser = dev_app.test_client()
        assert dev_sign_in(browser, address).status_code == 302
        assert browser.get("/pilot/steward").status_code == 403
        assert browser.get(f"/pilot/steward/{queued}").status_code == 403


def test_field_roles_cannot_sign_in_to_the_web(dev_app, dq, app):
    from mobile_service.models import User

    with app.app_context():
        email = db.session.get(User, dq.id["csw"]).email
    assert dev_sign_in(dev_app.test_client(), email).status_code == 403


def test_without_a_session_the_queue_redirects_to_sign_in(dev_app):
    response = dev_app.test_client().get("/pilot/steward")
    assert response.status_code == 302 and "/pilot/login" in response.headers["Location"]
