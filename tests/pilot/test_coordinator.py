"""Coordinator API: deny matrix, issue triage, feedback list, announcements, CSV exports and the
guarantee that no student identifier ever reaches a coordinator."""
from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from mobile_service.extensions import db
from mobile_service.models import AuditEvent, IssueReport
from tests.pilot import fixture_data

EXPORTS = ("participants", "daily-metrics", "feature-use", "feedback", "issues", "announcements")
READ_ROUTES = ["/api/v1/pilot/cohorts", "/api/v1/pilot/summary", "/api/v1/pilot/issues", "/api/v1/pilot/feedback",
               "/api/v1/pilot/announcements", *[f"/api/v1/pilot/export/{t}.csv" for t in EXPORTS]]
WRITE_ROUTES = [("PATCH", "/api/v1/pilot/issues/1", {"status": "triaged"}),
                ("POST", "/api/v1/pilot/announcements", {"kind": "whats_new", "title": "t", "body": "b"})]


@pytest.fixture
def seeded(app, people):
    with app.app_context():
        return fixture_data.seed(people)


@pytest.mark.parametrize("path", READ_ROUTES)
@pytest.mark.parametrize("who", ["csw", "scsw"])
def test_field_roles_get_403_on_pilot_reads(client, bearer, seeded, path, who):
    response = client.get(path, headers=bearer(who))
    assert response.status_code == 403
    assert "insufficient_scope" in response.headers["WWW-Authenticate"]


@pytest.mark.parametrize("method, path, body", WRITE_ROUTES)
def test_field_roles_get_403_on_pilot_writes(client, bearer, seeded, method, path, body):
    assert client.open(path, method=method, json=body, headers=bearer("csw")).status_code == 403


@pytest.mark.parametrize("path", READ_ROUTES)
def test_pilot_routes_need_a_token(client, path):
    assert client.get(path).status_code == 401


@pytest.mark.parametrize("who", ["coordinator", "admin"])
def test_coordinators_and_admins_read_the_summary(client, bearer, seeded, who):
    response = client.get("/api/v1/pilot/summary", headers=bearer(who))
    assert response.status_code == 200 and response.json["cohort"]["name"] == "pomona-2026"


@pytest.mark.parametrize("query", ["cohort=nope", "cohort=%00bad", "cohort=" + "x" * 61])
def test_unknown_or_malformed_cohort(client, bearer, seeded, query):
    assert client.get(f"/api/v1/pilot/summary?{query}", headers=bearer("coordinator")).status_code in (404, 422)


def test_cohorts_list(client, bearer, seeded):
    items = client.get("/api/v1/pilot/cohorts", headers=bearer("coordinator")).json["items"]
    assert items == [{"name": "pomona-2026", "start_date": "2026-10-01", "end_date": "2026-10-30",
                      "length_days": 30, "target_participants": 50, "offices": ["Pomona", "LACOE FYS"],
                      "enrolled": 3, "status": "running"}]


def test_issue_list_filters_and_hides_students(client, bearer, seeded):
    response = client.get("/api/v1/pilot/issues", headers=bearer("coordinator"))
    assert response.status_code == 200
    items = response.json["items"]
    assert len(items) == 4 and [i["id"] for i in items] == sorted((i["id"] for i in items), reverse=True)
    wrong = [i for i in items if i["kind"] == "wrong_data"]
    assert len(wrong) == 1 and wrong[0]["concerns_student_record"] is True
    assert all("student_id" not in i and "ssid" not in i for i in items)
    assert wrong[0]["reporter"]["display_name"] == "Robin Field"
    only_new = client.get("/api/v1/pilot/issues?status=new&cohort=pomona-2026", headers=bearer("coordinator"))
    assert [i["status"] for i in only_new.json["items"]] == ["new"]  # the outsider's is not in the cohort
    assert client.get("/api/v1/pilot/issues?status=open", headers=bearer("coordinator")).status_code == 422
    assert client.get("/api/v1/pilot/issues?kind=bug", headers=bearer("coordinator")).status_code == 422


def _issue_id(app, status: str) -> int:
    with app.app_context():
        return db.session.execute(select(IssueReport.id).where(IssueReport.status == status)).scalars().first()


def test_triage_moves_an_issue_forward(client, app, bearer, seeded, pilot_clock):
    issue_id = _issue_id(app, "new")
    response = client.patch(f"/api/v1/pilot/issues/{issue_id}", json={"status": "triaged", "note": "Looking"},
                            headers=bearer("coordinator"))
    assert response.status_code == 200, response.json
    assert response.json["status"] == "triaged" and response.json["status_note"] == "Looking"
    assert response.json["status_changed_at"] == "2026-10-15T19:00:00Z"
    for status in ("in_progress", "resolved"):
        assert client.patch(f"/api/v1/pilot/issues/{issue_id}", json={"status": status},
                            headers=bearer("admin")).json["status"] == status
    note_only = client.patch(f"/api/v1/pilot/issues/{issue_id}", json={"note": "Fixed in 1.3.0"},
                             headers=bearer("coordinator"))
    assert note_only.json["status"] == "resolved" and note_only.json["status_note"] == "Fixed in 1.3.0"


@pytest.mark.parametrize("start, target", [("new", "new_status"), ("resolved", "in_progress"), ("resolved", "new")])
def test_triage_rejects_bad_statuses(client, app, bearer, seeded, start, target):
    issue_id = _issue_id(app, start)
    response = client.patch(f"/api/v1/pilot/issues/{issue_id}", json={"status": target}, headers=bearer("coordinator"))
    assert response.status_code == (422 if target == "new_status" else 409)


@pytest.mark.parametrize("body", [{}, {"note": "x" * 2001}, {"status": "triaged", "extra": 1}, {"note": "a\x00"}])
def test_triage_validation(client, app, bearer, seeded, body):
    issue_id = _issue_id(app, "new")
    response = client.patch(f"/api/v1/pilot/issues/{issue_id}", json=body, headers=bearer("coordinator"))
    assert response.status_code in (400, 422)


@pytest.mark.parametrize("issue_id", ["999999", "99999999999999999999", "-1", "abc"])
def test_triage_unknown_issue_is_404(client, bearer, seeded, issue_id):
    response = client.patch(f"/api/v1/pilot/issues/{issue_id}", json={"status": "triaged"},
                            headers=bearer("coordinator"))
    assert response.status_code == 404


def test_feedback_list(client, bearer, seeded):
    response = client.get("/api/v1/pilot/feedback?cohort=pomona-2026&limit=2", headers=bearer("coordinator"))
    assert response.status_code == 200
    assert len(response.json["items"]) == 2 and response.json["next_cursor"]
    following = client.get(f"/api/v1/pilot/feedback?cohort=pomona-2026&limit=2&cursor={response.json['next_cursor']}",
                           headers=bearer("coordinator"))
    assert len(following.json["items"]) == 2 and following.json["next_cursor"] is None  # 4 in the cohort
    search = client.get("/api/v1/pilot/feedback?category=search", headers=bearer("coordinator")).json["items"]
    assert {f["rating"] for f in search} == {5, 4}


def test_announcements_publish_and_show(client, bearer, seeded, pilot_clock):
    created = client.post("/api/v1/pilot/announcements", headers=bearer("coordinator"), json={
        "kind": "known_issue", "title": "Attendance lag", "body": "District data loads Mondays.",
        "expires_at": "2026-10-20T00:00:00Z"})
    assert created.status_code == 201, created.json
    client.post("/api/v1/pilot/announcements", headers=bearer("coordinator"), json={
        "kind": "whats_new", "title": "Future", "body": "Scheduled", "published_at": "2026-10-16T00:00:00Z"})
    client.post("/api/v1/pilot/announcements", headers=bearer("admin"), json={
        "kind": "whats_new", "title": "Search by DOB", "body": "Now live."})
    for who in ("csw", "scsw", "coordinator"):
        shown = client.get("/api/v1/announcements", headers=bearer(who))
        assert shown.status_code == 200
        assert [a["title"] for a in shown.json["items"]] == ["Search by DOB", "Attendance lag"]
    everything = client.get("/api/v1/pilot/announcements", headers=bearer("coordinator")).json["items"]
    assert [a["title"] for a in everything] == ["Future", "Search by DOB", "Attendance lag"]


@pytest.mark.parametrize("body", [
    {"kind": "news", "title": "t", "body": "b"}, {"kind": "whats_new", "title": "", "body": "b"},
    {"kind": "whats_new", "title": "x" * 121, "body": "b"}, {"kind": "whats_new", "title": "t", "body": "b", "x": 1},
    {"kind": "whats_new", "title": "t", "body": "b", "expires_at": "2026-10-01T00:00:00Z"},
    {"kind": "whats_new", "title": "t", "body": "b", "expires_at": "2026-11-01T00:00:00"},
    {"kind": "whats_new", "title": "t", "body": "b", "published_at": "2026-11-02T00:00:00Z",
     "expires_at": "2026-11-01T00:00:00Z"},
])
def test_announcement_validation(client, bearer, seeded, pilot_clock, body):
    response = client.post("/api/v1/pilot/announcements", json=body, headers=bearer("coordinator"))
    assert response.status_code == 422, response.json


def test_announcements_need_a_token(client):
    assert client.get("/api/v1/announcements").status_code == 401


def _csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.data[:300]
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="pilot-pomona-2026-')
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_csv_exports(client, app, bearer, seeded):
    def get(table):
        return client.get(f"/api/v1/pilot/export/{table}.csv?cohort=pomona-2026", headers=bearer("coordinator"))

    participants = _csv(get("participants"))
    assert {p["display_name"] for p in participants} >= {"Casey Worker", "Robin Field", "Sam Supervisor"}
    assert "email" not in participants[0]
    casey = next(p for p in participants if p["display_name"] == "Casey Worker")
    assert casey["active_days"] == "2" and casey["enrolled_active"] == "yes"
    daily = _csv(get("daily-metrics"))
    assert len(daily) == 15 and daily[4]["date"] == "2026-10-05" and daily[4]["p95_ms"] == "100.0"
    assert daily[4]["active_users"] == "2"
    features = _csv(get("feature-use"))
    assert sum(int(r["searches"]) for r in features) == 4
    feedback = _csv(get("feedback"))
    assert len(feedback) == 3
    assert "'=SUM(A1) slow on LTE" in [f["comment"] for f in feedback]  # formula neutralized
    issues = _csv(get("issues"))
    assert sorted(i["concerns_student_record"] for i in issues) == ["no", "no", "yes"]
    assert _csv(get("announcements")) == []
    with app.app_context():
        exported = db.session.execute(select(AuditEvent).where(AuditEvent.action == "export")).scalars().all()
        assert {e.details["table"] for e in exported} == {f"pilot.{t}" for t in EXPORTS}
        assert all(e.student_id is None and e.ssid is None for e in exported)


def test_unknown_export_table_is_404(client, bearer, seeded):
    assert client.get("/api/v1/pilot/export/students.csv", headers=bearer("coordinator")).status_code == 404


def test_coordinators_never_receive_student_identifiers(client, app, bearer, seeded):
    """Scan every coordinator response for the seeded student's SSID and id."""
    client.post("/api/v1/pilot/announcements", headers=bearer("coordinator"),
                json={"kind": "whats_new", "title": "t", "body": "b"})
    bodies = []
    for path in READ_ROUTES:
        response = client.get(path + "?cohort=pomona-2026" if "cohorts" not in path and "announcements" not in path
                              else path, headers=bearer("coordinator"))
        assert response.status_code == 200, (path, response.data[:200])
        bodies.append(response.get_data(as_text=True))
    issue_id = _issue_id(app, "triaged")
    bodies.append(client.patch(f"/api/v1/pilot/issues/{issue_id}", json={"note": "checking"},
                               headers=bearer("coordinator")).get_data(as_text=True))
    for body in bodies:
        assert fixture_data.STUDENT_SSID not in body
        assert str(fixture_data.STUDENT_ID) not in body
        assert "student_id" not in body and '"ssid"' not in body
