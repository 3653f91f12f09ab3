"""The EPS support steward's queue: role x route matrix, cards audited per child, resolve, 404 outside."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from mobile_service.extensions import db
from mobile_service.models import AuditEvent, AuditEventStudent, IssueReport
from tests.steward.conftest import exact_lookup, report

ROUTES = [
    ("get", "/api/v1/steward/reports", None),
    ("get", "/api/v1/steward/reports/{id}", None),
    ("post", "/api/v1/steward/reports/{id}/resolve", {"outcome": "merged", "note": "Merged in CALPADS."}),
]
OTHER_ROLES = ["csw", "peer", "scsw", "coordinator", "admin"]


@pytest.fixture
def queued(client, dq):
    """A multiple_ssids report (in scope + exact lookup), a duplicate_ssid one, and a plain problem report."""
    exact_lookup(client, dq.headers["csw"])
    two = report(client, dq.headers["csw"], [dq.key["mine"], dq.key["stranger"]]).json["id"]
    one = report(client, dq.headers["csw"], [dq.key["mine"]], kind="duplicate_ssid",
                 description="Another child's attendance on this record.").json["id"]
    problem = client.post("/api/v1/issues", json={"kind": "problem", "description": "Spinner"},
                          headers=dq.headers["csw"]).json["id"]
    return {"two": two, "one": one, "problem": problem}


def _call(client, method, path, body, headers):
    return getattr(client, method)(path, json=body, headers=headers) if body else getattr(client, method)(
        path, headers=headers)


@pytest.mark.parametrize("method, path, body", ROUTES)
@pytest.mark.parametrize("who", [*OTHER_ROLES, None])
def test_only_stewards_reach_the_queue(client, app, dq, queued, method, path, body, who):
    response = _call(client, method, path.format(id=queued["two"]), body, dq.headers[who] if who else {})
    assert response.status_code == (401 if who is None else 403)
    assert "Alvarez" not in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(IssueReport, queued["two"]).status == "new"
        assert db.session.execute(select(AuditEvent).where(AuditEvent.action.like("dq_report.%"))).first() is None


def test_an_inactive_steward_is_refused(client, app, dq, queued):
    from mobile_service.models import User

    with app.app_context():
        db.session.get(User, dq.id["steward2"]).active = False
        db.session.commit()
    assert client.get("/api/v1/steward/reports", headers=dq.headers["steward2"]).status_code == 401


@pytest.mark.parametrize("method, path, body", ROUTES[1:])
@pytest.mark.parametrize("target", ["problem", "missing"])
def test_a_report_outside_the_queue_is_404(client, app, dq, queued, method, path, body, target):
    issue_id = queued.get(target, 999_999)
    response = _call(client, method, path.format(id=issue_id), body, dq.headers["steward"])
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(IssueReport, queued["problem"]).status == "new"
        assert db.session.execute(select(AuditEvent).where(AuditEvent.action.like("dq_report.%"))).first() is None


def test_the_queue_lists_open_reports_oldest_first_without_student_data(client, dq, queued):
    response = client.get("/api/v1/steward/reports", headers=dq.headers["steward"])
    assert response.status_code == 200, response.json
    items = response.json["items"]
    assert [(i["id"], i["kind"], i["students_named"]) for i in items] == [
        (queued["two"], "multiple_ssids", 2), (queued["one"], "duplicate_ssid", 1)]
    assert items[0]["reporter"] == {"display_name": "Carla Worker", "office": "Pomona", "role": "csw"}
    text = response.get_data(as_text=True)
    assert "Alvarez" not in text and "4100000001" not in text and dq.key["mine"] not in text
    page = client.get("/api/v1/steward/reports?limit=1", headers=dq.headers["steward"]).json
    rest = client.get(f"/api/v1/steward/reports?limit=1&cursor={page['next_cursor']}", headers=dq.headers["steward"])
    assert [i["id"] for i in rest.json["items"]] == [queued["one"]]


def test_a_report_shows_the_named_cards_and_audits_each_child(client, app, dq, queued):
    response = client.get(f"/api/v1/steward/reports/{queued['two']}", headers=dq.headers["steward"])
    assert response.status_code == 200, response.json
    body = response.json
    assert body["description"] == "These two records are the same child."
    cards = body["students"]
    assert [c["student_key"] for c in cards] == [dq.key["mine"], dq.key["stranger"]]
    assert (cards[0]["ssid"], cards[0]["school_name"], cards[0]["grade_level"]) == ("4100000001", "Garey High", "09")
    assert cards[1]["legal_first_name"] == "Beto" and cards[1]["birth_date"] == "2011-06-07"
    with app.app_context():
        (event,) = db.session.execute(select(AuditEvent).where(AuditEvent.action == "dq_report.view")).scalars()
        assert (event.user_id, event.role, event.basis) == (dq.id["steward"], "eps_support", "data_steward")
        assert event.details == {"issue_id": queued["two"], "kind": "multiple_ssids", "cards": 2}
        assert event.endpoint == "GET /api/v1/steward/reports/<int(max=2147483647):issue_id>"
        children = db.session.execute(select(AuditEventStudent.student_id, AuditEventStudent.basis)
                                      .where(AuditEventStudent.audit_event_id == event.id)
                                      .order_by(AuditEventStudent.student_id)).all()
    assert children == sorted([(dq.student_id["mine"], "data_steward"), (dq.student_id["stranger"], "data_steward")])


def test_retired_ssids_are_on_the_card(client, dq):
    exact_lookup(client, dq.headers["csw"], first="Ana", last="Alvarez", dob="2012-03-04")
    issue_id = report(client, dq.headers["csw"], [dq.key["mine"], dq.key["twin"]]).json["id"]
    cards = client.get(f"/api/v1/steward/reports/{issue_id}", headers=dq.headers["steward"]).json["students"]
    assert [(c["ssid"], c["other_ssids"]) for c in cards] == [("4100000001", []), ("4100000002", ["4100000099"])]


def test_the_steward_sees_the_childs_record_nowhere_else(client, dq, queued):
    """The queue is the steward's only way to a child: the record, search and caseload routes refuse."""
    headers = dq.headers["steward"]
    assert client.get(f"/api/v1/students/{dq.key['mine']}", headers=headers).status_code == 403
    assert client.post("/api/v1/students/search", json={"name": "Ana"}, headers=headers).status_code == 403
    assert client.get("/api/v1/caseload", headers=headers).status_code == 403


def test_resolve_records_the_outcome_audits_each_child_and_ends_the_cards(client, app, dq, queued, service_clock):
    response = client.post(f"/api/v1/steward/reports/{queued['two']}/resolve",
                           json={"outcome": "merged", "note": "Merged the two records in CALPADS."},
                           headers=dq.headers["steward"])
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["status"], body["outcome"], body["status_note"], body["students"]) == (
        "resolved", "merged", "Merged the two records in CALPADS.", [])
    with app.app_context():
        issue = db.session.get(IssueReport, queued["two"])
        assert (issue.resolved_by, issue.status_changed_at) == (dq.id["steward"], service_clock.now)
        (event,) = db.session.execute(select(AuditEvent).where(AuditEvent.action == "dq_report.resolve")).scalars()
        assert event.details == {"issue_id": queued["two"], "kind": "multiple_ssids", "outcome": "merged"}
        assert db.session.execute(select(AuditEventStudent.student_id)
                                  .where(AuditEventStudent.audit_event_id == event.id)).scalars().all() \
            .__len__() == 2
    # Resolved: out of the open queue, no cards any more (nothing disclosed, nothing audited), no second resolve.
    again = client.post(f"/api/v1/steward/reports/{queued['two']}/resolve",
                        json={"outcome": "not_a_duplicate", "note": "x"}, headers=dq.headers["steward"])
    assert again.status_code == 409
    detail = client.get(f"/api/v1/steward/reports/{queued['two']}", headers=dq.headers["steward"]).json
    assert detail["students"] == [] and detail["students_named"] == 2
    with app.app_context():
        assert db.session.execute(select(AuditEvent).where(AuditEvent.action == "dq_report.view")).first() is None
    open_ids = [i["id"] for i in client.get("/api/v1/steward/reports", headers=dq.headers["steward"]).json["items"]]
    resolved = client.get("/api/v1/steward/reports?status=resolved", headers=dq.headers["steward"]).json["items"]
    assert open_ids == [queued["one"]] and [i["id"] for i in resolved] == [queued["two"]]


@pytest.mark.parametrize("body, field", [
    ({"outcome": "deleted", "note": "x"}, "outcome"), ({"note": "x"}, "outcome"),
    ({"outcome": "merged"}, "note"), ({"outcome": "merged", "note": ""}, "note"),
    ({"outcome": "merged", "note": "x" * 2001}, "note"),
    ({"outcome": "merged", "note": "Kept SSID 4100000001"}, "note"),
    ({"outcome": "merged", "note": "DOB 2012-03-04 matches"}, "note"),
    ({"outcome": "merged", "note": "ok", "extra": 1}, "extra"),
])
def test_a_bad_resolution_is_422_and_changes_nothing(client, app, dq, queued, body, field):
    response = client.post(f"/api/v1/steward/reports/{queued['one']}/resolve", json=body, headers=dq.headers["steward"])
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]["json"]
    with app.app_context():
        assert db.session.get(IssueReport, queued["one"]).status == "new"


def test_the_card_view_fails_closed_without_its_audit_row(client, app, dq, queued, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from mobile_service import audit

    def broken(*args, **kwargs):
        raise OperationalError("INSERT", {}, Exception("database gone"))

    monkeypatch.setattr(audit.db.session, "commit", broken)
    response = client.get(f"/api/v1/steward/reports/{queued['two']}", headers=dq.headers["steward"])
    assert response.status_code == 503
    assert "Alvarez" not in response.get_data(as_text=True) and "4100000001" not in response.get_data(as_text=True)


@pytest.mark.parametrize("query", ["status=closed", "limit=0", "cursor=%00", "limit=x"])
def test_bad_queue_queries_are_422(client, dq, query):
    assert client.get(f"/api/v1/steward/reports?{query}", headers=dq.headers["steward"]).status_code == 422


def test_the_childs_access_history_names_the_steward_and_the_reporter(client, dq, queued):
    client.get(f"/api/v1/steward/reports/{queued['two']}", headers=dq.headers["steward"])
    response = client.post("/api/v1/admin/access-history", json={"student_key": dq.key["stranger"]},
                           headers=dq.headers["admin"])
    assert response.status_code == 200, response.json
    rows = [(e["action"], e["basis"], e["user_display_name"]) for e in response.json["items"]]
    assert ("dq_report.view", "data_steward", "Elena Steward") in rows
    assert ("student.dq_report", "exact_lookup", "Carla Worker") in rows
    assert ("student.search", "exact_lookup", "Carla Worker") in rows
