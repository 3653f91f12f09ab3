"""App health: crash-free sessions per version, top signatures, failed calls joined to the server's
errors by request id; a signature turned into a tracked issue (API and dashboard)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from mobile_service.extensions import db
from mobile_service.models import ClientEventSignature, IssueReport, User
from tests.pilot import app_health_data
from tests.pilot.conftest import csrf_from, dev_sign_in


@pytest.fixture
def health(app, people):
    with app.app_context():
        return app_health_data.seed(people)


def test_crash_free_sessions_per_version(client, bearer, health):
    response = client.get("/api/v1/pilot/app-health?cohort=pomona-2026", headers=bearer("coordinator"))
    assert response.status_code == 200, response.json
    crash_free = response.json["crash_free"]
    assert crash_free["versions"] == [
        {"app_version": "1.0.0", "sessions": 4, "crashed_sessions": 3, "crash_free_rate": 0.25},
        {"app_version": "1.0.1", "sessions": 2, "crashed_sessions": 1, "crash_free_rate": 0.5},
    ]
    assert (crash_free["sessions"], crash_free["crashed_sessions"], crash_free["crash_free_rate"]) == (6, 4, 0.3333)


def test_top_signatures_with_first_and_last_seen(client, bearer, health):
    signatures = client.get("/api/v1/pilot/app-health", headers=bearer("admin")).json["top_signatures"]
    assert [(s["kind"], s["occurrences"], s["participants"]) for s in signatures] == [
        ("crash", 4, 2), ("failed_call", 2, 2)]  # the outsider's 9 crashes are not the cohort's
    crash = signatures[0]
    assert (crash["first_seen"], crash["last_seen"]) == ("2026-10-02T09:00:00Z", "2026-10-12T10:45:00Z")
    assert crash["app_versions"] == "1.0.0 – 1.0.1" and crash["issue_id"] is None


def test_failed_calls_are_joined_to_server_errors_by_request_id(client, bearer, health):
    calls = client.get("/api/v1/pilot/app-health", headers=bearer("coordinator")).json["failed_calls"]
    assert (calls["total"], calls["matched"], calls["unmatched"]) == (2, 1, 1)
    by_id = {c["request_id"]: c for c in calls["recent"]}
    matched = by_id[app_health_data.MATCHED_ID]
    assert (matched["server_status"], matched["server_route"], matched["server_latency_ms"]) == (
        503, "/api/v1/students/<student_key>", 250.0)
    assert by_id[app_health_data.UNMATCHED_ID]["server_status"] is None


def test_the_server_keeps_the_request_id_of_failed_calls_only(client, app, bearer, people):
    """The request hook stores X-Request-ID on a failed call's usage event (the join's other side)."""
    from mobile_service.models import UsageEvent
    from mobile_service.pilot import request_events

    ok = client.get("/api/v1/announcements", headers=bearer("csw"))
    missing = client.get("/api/v1/students/AAAAAAAAAAAAAAAAAAAAAA", headers=bearer("csw"))
    assert ok.status_code == 200 and missing.status_code == 404
    request_events.flush(app)
    with app.app_context():
        rows = dict(db.session.execute(select(UsageEvent.status, UsageEvent.request_id)
                                       .where(UsageEvent.event == "request")).all())
    assert rows[200] is None and rows[404] == missing.headers["X-Request-ID"] == missing.json["request_id"]


def test_a_signature_becomes_a_tracked_issue_in_one_step(client, app, bearer, health, people):
    url = f"/api/v1/pilot/client-signatures/{health['crash']}/issue?cohort=pomona-2026"
    response = client.post(url, headers=bearer("coordinator"))
    assert response.status_code == 201, response.json
    issue = response.json
    assert issue["status"] == "triaged" and issue["kind"] == "problem" and issue["triaged_at"] == "2026-10-15T19:00:00Z"
    assert "c0ffee0000000001" in issue["description"] and "EXC_BAD_ACCESS" in issue["description"]
    assert issue["reporter"]["display_name"] == "Pat Coordinator"
    with app.app_context():
        assert db.session.get(ClientEventSignature, health["crash"]).issue_id == issue["id"]
        assert db.session.get(IssueReport, issue["id"]).cohort == "pomona-2026"
    # The cohort's issue list and figures include it, although a coordinator opened it.
    listed = client.get("/api/v1/pilot/issues?cohort=pomona-2026", headers=bearer("coordinator")).json["items"]
    assert [i["id"] for i in listed] == [issue["id"]]
    summary = client.get("/api/v1/pilot/summary?cohort=pomona-2026", headers=bearer("coordinator")).json
    assert summary["issues"]["by_status"]["triaged"] == 1
    again = client.post(url, headers=bearer("coordinator"))
    assert again.status_code == 409 and f"#{issue['id']}" in again.json["detail"]
    top = client.get("/api/v1/pilot/app-health", headers=bearer("coordinator")).json["top_signatures"]
    assert top[0]["issue_id"] == issue["id"]


def test_tracking_deny_paths(client, app, bearer, health):
    url = f"/api/v1/pilot/client-signatures/{health['failed']}/issue"
    assert client.post(url).status_code == 401
    assert client.post(url, headers=bearer("csw")).status_code == 403
    assert client.post(url, headers=bearer("scsw")).status_code == 403
    assert client.post("/api/v1/pilot/client-signatures/999999/issue", headers=bearer("coordinator")).status_code == 404
    assert client.post(url + "?cohort=nope", headers=bearer("coordinator")).status_code == 404
    assert client.get("/api/v1/pilot/app-health", headers=bearer("csw")).status_code == 403
    assert client.get("/api/v1/pilot/app-health").status_code == 401
    with app.app_context():
        assert db.session.execute(select(IssueReport)).first() is None


def test_dashboard_panels_and_track_button(dev_app, app, people, health):
    with app.app_context():
        email = db.session.get(User, people["coordinator"]).email
    web = dev_app.test_client()
    assert dev_sign_in(web, email).status_code == 302
    html = web.get("/pilot?cohort=pomona-2026").get_data(as_text=True)
    assert 'id="app-health"' in html and 'data-version="1.0.0"' in html and "25.0%" in html
    assert 'data-signature="c0ffee0000000001"' in html and "Track as issue" in html
    assert app_health_data.MATCHED_ID in html and "not seen" in html
    token = csrf_from(html)
    action = f"/pilot/client-signatures/{health['crash']}/issue"
    assert web.post(action, data={"cohort": "pomona-2026", "csrf_token": "forged" * 8}).status_code == 400
    done = web.post(action, data={"cohort": "pomona-2026", "csrf_token": token})
    assert done.status_code == 303 and done.headers["Location"].endswith("#app-health")
    with app.app_context():
        issue_id = db.session.get(ClientEventSignature, health["crash"]).issue_id
    assert issue_id is not None
    page = web.get("/pilot?cohort=pomona-2026").get_data(as_text=True)
    assert f"Tracked as issue #{issue_id}." in page and f'<a href="#issues">#{issue_id}</a>' in page
    twice = web.post(action, data={"cohort": "pomona-2026", "csrf_token": token}, follow_redirects=True)
    assert "already tracked" in twice.get_data(as_text=True)
