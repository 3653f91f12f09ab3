"""POST /api/v1/issues with duplicate_ssid / multiple_ssids: students named by key, never by identifier.

A key counts if the student is in the reporter's scope, or if an audited exact-lookup search
showed that student to this reporter within DQ_LOOKUP_HOURS; anything else is the one 404.
"""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from mobile_service.extensions import db
from mobile_service.models import AuditEvent, AuditEventStudent, IssueReport, IssueReportStudent, OutboxMessage
from tests.steward.conftest import exact_lookup, report


def _children(app, action):
    with app.app_context():
        return db.session.execute(
            select(AuditEvent.user_id, AuditEvent.details, AuditEventStudent.student_id, AuditEventStudent.basis)
            .join(AuditEventStudent, AuditEventStudent.audit_event_id == AuditEvent.id)
            .where(AuditEvent.action == action).order_by(AuditEventStudent.student_id)).all()


def test_in_scope_students_are_named_stored_queued_and_audited(client, app, dq):
    response = report(client, dq.headers["csw"], [dq.key["mine"]], kind="duplicate_ssid",
                      description="The attendance of another girl shows on this record.")
    assert response.status_code == 201, response.json
    body = response.json
    assert body["kind"] == "duplicate_ssid" and body["status"] == "new" and body["outcome"] is None
    assert body["concerns_student_record"] is True
    assert "student_keys" not in body and dq.key["mine"] not in response.get_data(as_text=True)
    with app.app_context():
        issue = db.session.get(IssueReport, body["id"])
        assert issue.student_id is None  # the named students live in issue_report_students
        named = db.session.execute(select(IssueReportStudent)).scalars().all()
        assert [(n.student_id, n.basis) for n in named] == [(dq.student_id["mine"], "dcfs_assignment")]
        (notice,) = db.session.execute(select(OutboxMessage)).scalars().all()
        assert (notice.topic, notice.issue_id, notice.status, notice.attempts) == ("dq_report.new", issue.id,
                                                                                 "pending", 0)
    rows = _children(app, "student.dq_report")
    assert [(r.user_id, r.student_id, r.basis) for r in rows] == [(dq.id["csw"], dq.student_id["mine"],
                                                                   "dcfs_assignment")]
    assert rows[0].details == {"kind": "duplicate_ssid", "issue_id": body["id"], "students": 1}


def test_a_student_found_by_my_exact_lookup_can_be_named(client, app, dq):
    found = exact_lookup(client, dq.headers["csw"])
    assert [c["in_scope"] for c in found["results"]] == [False]
    assert found["results"][0]["student_key"] == dq.key["stranger"]
    response = report(client, dq.headers["csw"], [dq.key["mine"], dq.key["stranger"]])
    assert response.status_code == 201, response.json
    with app.app_context():
        named = db.session.execute(select(IssueReportStudent.student_id, IssueReportStudent.basis)
                                   .order_by(IssueReportStudent.position)).all()
    assert named == [(dq.student_id["mine"], "dcfs_assignment"), (dq.student_id["stranger"], "exact_lookup")]


def test_an_scsw_names_a_supervisee_student_on_the_supervision_basis(client, app, dq):
    response = report(client, dq.headers["scsw"], [dq.key["mine"]], kind="duplicate_ssid")
    assert response.status_code == 201, response.json
    with app.app_context():
        assert db.session.execute(select(IssueReportStudent.basis)).scalar_one() == "supervision"


@pytest.mark.parametrize("who", ["stranger", "peers", "unknown"])
def test_a_key_outside_scope_and_never_looked_up_is_404_and_writes_nothing(client, app, dq, who):
    key = dq.key.get(who, "A" * 22)
    response = report(client, dq.headers["csw"], [dq.key["mine"], key])
    assert response.status_code == 404
    assert key not in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(IssueReport)).first() is None
        assert db.session.execute(select(OutboxMessage)).first() is None
        assert db.session.execute(select(AuditEvent).where(AuditEvent.action == "student.dq_report")).first() is None


def test_another_users_exact_lookup_does_not_count(client, dq):
    exact_lookup(client, dq.headers["peer"])  # the peer saw the stranger, not the CSW
    assert report(client, dq.headers["csw"], [dq.key["mine"], dq.key["stranger"]]).status_code == 404


def test_a_partial_search_is_not_an_exact_lookup(client, dq):
    # A name-only search is scope-only: it never shows the stranger, so it proves nothing.
    client.post("/api/v1/students/search", json={"name": "Beto Bravo"}, headers=dq.headers["csw"])
    assert report(client, dq.headers["csw"], [dq.key["mine"], dq.key["stranger"]]).status_code == 404


def test_an_exact_lookup_older_than_the_window_does_not_count(client, dq, service_clock):
    exact_lookup(client, dq.headers["csw"])
    service_clock.advance(dt.timedelta(hours=12, minutes=1))  # DQ_LOOKUP_HOURS defaults to 12
    assert report(client, dq.fresh("csw"), [dq.key["mine"], dq.key["stranger"]]).status_code == 404


def test_an_exact_lookup_within_the_window_counts(client, dq, service_clock):
    exact_lookup(client, dq.headers["csw"])
    service_clock.advance(dt.timedelta(hours=11, minutes=59))
    assert report(client, dq.fresh("csw"), [dq.key["mine"], dq.key["stranger"]]).status_code == 201


@pytest.mark.parametrize("body, field", [
    ({"kind": "multiple_ssids", "student_keys": ["q3Vd9fK2LmX0aB7cR1sT4w"]}, "student_keys"),  # needs two
    ({"kind": "duplicate_ssid", "student_keys": []}, "student_keys"),
    ({"kind": "duplicate_ssid"}, "student_keys"),
    ({"kind": "duplicate_ssid", "student_keys": ["q3Vd9fK2LmX0aB7cR1sT4w"] * 2}, "student_keys"),
    ({"kind": "duplicate_ssid", "student_keys": ["q3Vd9fK2LmX0aB7cR1sT4w", "A" * 22, "B" * 22]}, "student_keys"),
    ({"kind": "duplicate_ssid", "student_keys": ["4100000001"]}, "student_keys"),  # an SSID is not a key
    ({"kind": "duplicate_ssid", "student_keys": "q3Vd9fK2LmX0aB7cR1sT4w"}, "student_keys"),
    ({"kind": "duplicate_ssid", "student_keys": ["q3Vd9fK2LmX0aB7cR1sT4w"], "ssid": "4100000001"}, "ssid"),
    ({"kind": "problem", "student_keys": ["q3Vd9fK2LmX0aB7cR1sT4w"]}, "student_keys"),
    ({"kind": "wrong_data", "student_keys": ["q3Vd9fK2LmX0aB7cR1sT4w"]}, "student_keys"),
])
def test_malformed_data_quality_reports_are_422(client, app, dq, body, field):
    response = client.post("/api/v1/issues", json={"description": "Same child twice.", **body},
                           headers=dq.headers["csw"])
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]["json"]
    with app.app_context():
        assert db.session.execute(select(IssueReport)).first() is None


@pytest.mark.parametrize("description", [
    "Her SSID is 4100000001 and 4100000002", "ssid 410-000-0001", "SSID 410 000 0001", "born 2012-03-04",
    "DOB 3/4/2012", "dob 03-04-12", "fullwidth ４１００００００01", "Arabic-Indic ٤١٠٠٠٠٠٠٠١",
])
def test_identifiers_in_the_description_are_refused(client, app, dq, description):
    response = report(client, dq.headers["csw"], [dq.key["mine"]], kind="duplicate_ssid", description=description)
    assert response.status_code == 422, response.json
    assert "description" in response.json["errors"]["json"]
    assert description not in response.get_data(as_text=True)  # never echoed back


def test_other_numbers_in_the_description_are_fine(client, dq):
    response = report(client, dq.headers["csw"], [dq.key["mine"]], kind="duplicate_ssid",
                      description="Grade 9, 2 schools, room 101; seen since Tuesday.")
    assert response.status_code == 201, response.json


@pytest.mark.parametrize("who, status", [("coordinator", 403), ("admin", 403), ("steward", 403), (None, 401)])
def test_only_field_roles_report(client, dq, who, status):
    headers = dq.headers[who] if who else {}
    assert report(client, headers, [dq.key["mine"]], kind="duplicate_ssid").status_code == status


def test_the_reporter_sees_the_outcome_and_note_but_no_student(client, dq):
    issue_id = report(client, dq.headers["csw"], [dq.key["mine"]], kind="duplicate_ssid").json["id"]
    resolved = client.post(f"/api/v1/steward/reports/{issue_id}/resolve",
                           json={"outcome": "corrected_at_source", "note": "The district fixed the enrollment."},
                           headers=dq.headers["steward"])
    assert resolved.status_code == 200, resolved.json
    (mine,) = client.get("/api/v1/issues/mine", headers=dq.headers["csw"]).json["items"]
    assert (mine["status"], mine["outcome"], mine["status_note"]) == ("resolved", "corrected_at_source",
                                                                      "The district fixed the enrollment.")
    assert "students" not in mine and "student_keys" not in mine


def test_coordinators_see_data_quality_reports_as_counts_only(client, app, dq):
    from mobile_service.models import PilotCohort, User

    with app.app_context():
        db.session.add(PilotCohort(name="pomona-2026", start_date=dt.date(2026, 10, 15), length_days=30,
                                   target_participants=50, offices=["Pomona"]))
        db.session.get(User, dq.id["csw"]).pilot_cohort = "pomona-2026"
        db.session.commit()
    assert report(client, dq.headers["csw"], [dq.key["mine"]], kind="duplicate_ssid").status_code == 201
    problem = client.post("/api/v1/issues", json={"kind": "problem", "description": "Spins"}, headers=dq.headers["csw"])
    issues = client.get("/api/v1/pilot/issues", headers=dq.headers["coordinator"]).json["items"]
    assert [i["id"] for i in issues] == [problem.json["id"]]
    summary = client.get("/api/v1/pilot/summary", headers=dq.headers["coordinator"]).json
    assert summary["issues"]["by_kind"]["duplicate_ssid"] == 1 and summary["issues"]["total"] == 2
    dq_id = problem.json["id"] - 1
    assert client.patch(f"/api/v1/pilot/issues/{dq_id}", json={"status": "triaged"},
                        headers=dq.headers["coordinator"]).status_code == 404
    assert client.get("/api/v1/pilot/issues?kind=duplicate_ssid", headers=dq.headers["coordinator"]).status_code == 422
    export = client.get("/api/v1/pilot/export/issues.csv", headers=dq.headers["coordinator"]).get_data(as_text=True)
    assert "duplicate_ssid" not in export and "Spins" in export
