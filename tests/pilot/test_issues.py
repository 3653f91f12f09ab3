"""POST /api/v1/issues and GET /api/v1/issues/mine: scoping of a named student, validation, paging."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from mobile_service.extensions import db
from mobile_service.models import AuditEvent, IssueReport, UsageEvent, User
from tests.factories import make_case, make_student


@pytest.fixture
def students(app, people):
    """One student assigned to the CSW in the DCFS feed, one assigned to nobody we know."""
    with app.app_context():
        csw = db.session.get(User, people["csw"])
        mine = make_student(ssid="4100000001")
        make_case(mine, csw)
        other = make_student(ssid="4100000002")
        db.session.commit()
        return {"mine": mine.id, "other": other.id}


def test_problem_report_without_student(client, app, bearer, people):
    response = client.post("/api/v1/issues", json={"kind": "problem", "description": "Attendance tab spins",
                                                  "request_id": "0123456789abcdef", "screen": "student/attendance",
                                                  "platform": "android", "app_version": "1.2.0"},
                           headers=bearer("csw"))
    assert response.status_code == 201, response.json
    body = response.json
    assert body["status"] == "new" and body["concerns_student_record"] is False
    assert "student_id" not in body and "ssid" not in body
    with app.app_context():
        assert db.session.execute(select(UsageEvent.detail).where(UsageEvent.event == "issue_report")).scalar() == "problem"


def test_a_screen_holding_a_student_key_is_refused(client, app, bearer, people):
    """Coordinators read an issue's screen: it is a route template, never a child's key."""
    with app.app_context():
        before = db.session.execute(select(IssueReport.id)).all()
    response = client.post("/api/v1/issues", json={"kind": "problem", "description": "Attendance tab spins",
                                                  "screen": "students/q3Vd9fK2LmX0aB7cR1sT4w/attendance"},
                           headers=bearer("csw"))
    assert response.status_code == 422 and "screen" in response.json["errors"]["json"]
    assert "q3Vd9fK2LmX0aB7cR1sT4w" not in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(IssueReport.id)).all() == before


def test_wrong_data_report_names_a_student_in_scope(client, app, bearer, people, students):
    response = client.post("/api/v1/issues", json={"kind": "wrong_data", "description": "Grade is wrong",
                                                  "ssid": "4100000001"}, headers=bearer("csw"))
    assert response.status_code == 201, response.json
    assert response.json["concerns_student_record"] is True
    assert "4100000001" not in response.get_data(as_text=True)
    with app.app_context():
        issue = db.session.execute(select(IssueReport)).scalar_one()
        assert issue.student_id == students["mine"]
        audit = db.session.execute(select(AuditEvent).where(AuditEvent.action == "student.issue_report")).scalar_one()
        assert (audit.ssid, audit.basis, audit.user_id) == ("4100000001", "dcfs_assignment", people["csw"])


@pytest.mark.parametrize("ssid", ["4100000002", "4199999999"])
def test_student_out_of_scope_or_missing_is_404(client, app, bearer, students, ssid):
    response = client.post("/api/v1/issues", json={"kind": "wrong_data", "description": "x", "ssid": ssid},
                           headers=bearer("csw"))
    assert response.status_code == 404
    with app.app_context():
        assert db.session.execute(select(IssueReport)).first() is None


@pytest.mark.parametrize("change, field", [
    ({"kind": "bug"}, "kind"), ({"description": ""}, "description"), ({"description": "x" * 4001}, "description"),
    ({"request_id": "short"}, "request_id"), ({"request_id": "bad id with spaces"}, "request_id"),
    ({"ssid": "12345"}, "ssid"), ({"ssid": "41000000x1"}, "ssid"), ({"extra": True}, "extra"),
    ({"description": "tab\x1bescape"}, "description"),
])
def test_invalid_issue_is_422(client, bearer, people, change, field):
    response = client.post("/api/v1/issues", json={"kind": "problem", "description": "ok", **change},
                           headers=bearer("csw"))
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]["json"]


def test_my_issues_lists_only_mine_newest_first_with_cursor(client, bearer, people):
    for n in range(3):
        assert client.post("/api/v1/issues", json={"kind": "problem", "description": f"mine {n}"},
                           headers=bearer("csw")).status_code == 201
    client.post("/api/v1/issues", json={"kind": "problem", "description": "not mine"}, headers=bearer("csw2"))
    first = client.get("/api/v1/issues/mine?limit=2", headers=bearer("csw"))
    assert first.status_code == 200
    assert [i["description"] for i in first.json["items"]] == ["mine 2", "mine 1"]
    second = client.get(f"/api/v1/issues/mine?limit=2&cursor={first.json['next_cursor']}", headers=bearer("csw"))
    assert [i["description"] for i in second.json["items"]] == ["mine 0"]
    assert second.json["next_cursor"] is None
    # Another user's cursor is refused.
    stolen = client.get(f"/api/v1/issues/mine?limit=2&cursor={first.json['next_cursor']}", headers=bearer("csw2"))
    assert stolen.status_code == 422


@pytest.mark.parametrize("query", ["limit=0", "limit=abc", "cursor=%00", "limit=-1", "cursor=not-a-cursor"])
def test_my_issues_bad_query_is_422(client, bearer, query):
    assert client.get(f"/api/v1/issues/mine?{query}", headers=bearer("csw")).status_code == 422


def test_issue_routes_deny(client, bearer):
    assert client.post("/api/v1/issues", json={"kind": "problem", "description": "x"}).status_code == 401
    assert client.get("/api/v1/issues/mine").status_code == 401
    assert client.post("/api/v1/issues", json={"kind": "problem", "description": "x"},
                       headers=bearer("coordinator")).status_code == 403
    assert client.get("/api/v1/issues/mine", headers=bearer("admin")).status_code == 403


def test_huge_limit_is_clamped_to_the_cap(client, bearer):
    response = client.get("/api/v1/issues/mine?limit=99999999999999999999999", headers=bearer("csw"))
    assert response.status_code == 200 and response.json["items"] == []
