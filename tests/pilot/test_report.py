"""The end-of-pilot evaluation on the hand-computed pilot (tests/pilot/fixture_data.py):
criteria values and targets, editing the targets, offices compared, trend, themes, Markdown/CSV
downloads, the CLI and the printable page. Aggregates only."""
from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from mobile_service.extensions import db
from mobile_service.models import AuditEvent, IssueReport, PilotCohort, User
from tests.pilot import fixture_data
from tests.pilot.conftest import csrf_from, dev_sign_in
from tests.pilot.fixture_data import at

EXPECTED = {"enrolled": 3, "activation_rate": 0.6667, "weekly_active_rate": 0.3333, "sus_mean": 75.0,
            "triaged_in_time_rate": 0.3333, "api_p95_ms": 100.0, "crash_free_rate": 1.0}
MET = {"enrolled": False, "activation_rate": False, "weekly_active_rate": False, "sus_mean": True,
       "triaged_in_time_rate": False, "api_p95_ms": False, "crash_free_rate": True}


@pytest.fixture
def pilot(app, people):
    """The fixture pilot with triage times: one issue in time, one late, one never, one still pending."""
    with app.app_context():
        fixture_data.seed(people)
        issues = {i.user_id: i for i in db.session.execute(select(IssueReport)).scalars()}
        issues[people["csw2"]].triaged_at = at("2026-10-08 20:00")  # Tue report, due end of Thu: in time
        issues[people["scsw"]].triaged_at = at("2026-10-14 08:00")  # Sat report, due end of Tue (07:00Z): late
        db.session.add(IssueReport(user_id=people["csw"], created_at=at("2026-10-15 16:00"), kind="problem",
                                   description="pending", status="new", screen="search/results"))
        db.session.commit()
    return people


def _report(client, bearer, query="?cohort=pomona-2026"):
    response = client.get(f"/api/v1/pilot/report{query}", headers=bearer("coordinator"))
    assert response.status_code == 200, response.json
    return response.json


def test_every_criterion_value_target_and_verdict(client, bearer, pilot):
    report = _report(client, bearer)
    rows = {c["key"]: c for c in report["criteria"]}
    assert {k: rows[k]["value"] for k in EXPECTED} == EXPECTED
    assert {k: rows[k]["met"] for k in MET} == MET
    assert {k: rows[k]["target"] for k in rows} == {
        "enrolled": 50, "activation_rate": 0.8, "weekly_active_rate": 0.6, "sus_mean": 68,
        "triaged_in_time_rate": 0.95, "api_p95_ms": 30, "crash_free_rate": 0.99}
    assert (report["met"], report["missed"]) == (2, 5)
    assert rows["activation_rate"]["display"] == "66.7%" and rows["api_p95_ms"]["target_display"] == "30 ms"


def test_trend_is_weekly(client, bearer, pilot):
    rows = {c["key"]: c for c in _report(client, bearer)["criteria"]}
    assert [w["value"] for w in rows["weekly_active_rate"]["trend"]["weekly"]] == [0.6667, 0.0, 0.3333]
    assert rows["weekly_active_rate"]["trend"]["direction"] == "up"
    assert rows["weekly_active_rate"]["trend"]["improving"] is True
    assert [w["value"] for w in rows["api_p95_ms"]["trend"]["weekly"]] == [100.0, None, 12.5]
    assert rows["api_p95_ms"]["trend"]["improving"] is True  # lower is better
    assert all(w["value"] is None for w in rows["enrolled"]["trend"]["weekly"])  # no enrolment history


def test_the_two_offices_are_compared(client, bearer, pilot):
    groups = {g["office"]: {c["key"]: c["value"] for c in g["criteria"]} for g in _report(client, bearer)["groups"]}
    assert groups["Pomona"] == {"enrolled": 2, "activation_rate": 0.5, "weekly_active_rate": 0.5, "sus_mean": 100.0,
                                "triaged_in_time_rate": 0.0, "api_p95_ms": 100.0, "crash_free_rate": 1.0}
    assert groups["LACOE FYS"] == {"enrolled": 1, "activation_rate": 1.0, "weekly_active_rate": 0.0, "sus_mean": 50.0,
                                   "triaged_in_time_rate": 1.0, "api_p95_ms": 50.0, "crash_free_rate": 1.0}
    labels = [g["label"] for g in _report(client, bearer)["groups"]]
    assert labels == ["DCFS Pomona", "LACOE FYS"]


def test_feedback_themes_beside_issues(client, bearer, pilot):
    themes = {t["theme"]: t for t in _report(client, bearer)["themes"]}
    assert (themes["search"]["feedback"], themes["search"]["average_rating"]) == (2, 4.5)
    assert (themes["search"]["issues"], themes["search"]["open_issues"]) == (1, 1)  # the pending one
    assert (themes["data_quality"]["issues"], themes["data_quality"]["open_issues"]) == (1, 1)  # wrong data
    assert (themes["general"]["issues"], themes["general"]["open_issues"]) == (2, 1)  # problems without a screen
    assert themes["performance"]["feedback"] == 1 and themes["performance"]["issues"] == 0


def test_criteria_are_edited_by_a_coordinator_and_audited(client, app, bearer, pilot):
    response = client.patch("/api/v1/pilot/criteria?cohort=pomona-2026", json={"enrolled": 3, "api_p95_ms": 120},
                            headers=bearer("coordinator"))
    assert response.status_code == 200, response.json
    items = {i["key"]: i for i in response.json["items"]}
    assert (items["enrolled"]["target"], items["enrolled"]["default"], items["api_p95_ms"]["target"]) == (3, 50, 120)
    assert items["sus_mean"]["target"] == 68  # untouched
    rows = {c["key"]: c for c in _report(client, bearer)["criteria"]}
    assert rows["enrolled"]["met"] is True and rows["api_p95_ms"]["met"] is True
    with app.app_context():
        cohort = db.session.execute(select(PilotCohort)).scalar_one()
        assert cohort.success_criteria == {"enrolled": 3.0, "api_p95_ms": 120.0}
        audit = db.session.execute(select(AuditEvent).where(AuditEvent.action == "pilot.criteria.change")).scalar_one()
        assert audit.user_id == pilot["coordinator"] and audit.details["changes"]["enrolled"] == [50.0, 3.0]
    assert client.get("/api/v1/pilot/criteria", headers=bearer("admin")).json["cohort"] == "pomona-2026"


@pytest.mark.parametrize("body, field", [
    ({}, "_schema"), ({"nope": 1}, "nope"), ({"activation_rate": 1.5}, "activation_rate"),
    ({"enrolled": 2.5}, "enrolled"), ({"enrolled": 0}, "enrolled"), ({"sus_mean": "high"}, "sus_mean"),
    ({"sus_mean": True}, "sus_mean"), ({"api_p95_ms": -1}, "api_p95_ms"), ({"crash_free_rate": None}, "crash_free_rate"),
])
def test_invalid_criteria_are_422_and_change_nothing(client, app, bearer, pilot, body, field):
    response = client.patch("/api/v1/pilot/criteria", json=body, headers=bearer("coordinator"))
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]["json"]
    with app.app_context():
        assert db.session.execute(select(PilotCohort.success_criteria)).scalar() is None


def test_report_and_criteria_deny(client, bearer, pilot):
    for method, url in (("get", "/api/v1/pilot/report"), ("get", "/api/v1/pilot/criteria"),
                        ("patch", "/api/v1/pilot/criteria")):
        call = getattr(client, method)
        kwargs = {"json": {"enrolled": 10}} if method == "patch" else {}
        assert call(url, **kwargs).status_code == 401
        assert call(url, headers=bearer("csw"), **kwargs).status_code == 403
        assert call(url, headers=bearer("scsw"), **kwargs).status_code == 403
        assert call(url + "?cohort=nope", headers=bearer("coordinator"), **kwargs).status_code == 404


def test_cli_report_markdown_and_csv(runner, app, pilot):
    markdown = runner.invoke(args=["pilot", "report", "--cohort", "pomona-2026"])
    assert markdown.exit_code == 0, markdown.output
    text = markdown.output
    assert text.startswith("# Pilot evaluation: pomona-2026")
    assert "| Issues triaged within 2 working days | 33.3% | >= 95.0% | missed |" in text
    assert "| System Usability Scale, mean score | 75 | >= 68 | met |" in text
    assert "DCFS Pomona" in text and "LACOE FYS" in text and "## Feedback themes and issues" in text
    table = runner.invoke(args=["pilot", "report", "--cohort", "pomona-2026", "--format", "csv"])
    assert table.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(table.output)))
    overall = {r["item"]: r for r in rows if r["section"] == "criteria"}
    assert float(overall["api_p95_ms"]["value"]) == 100.0 and overall["api_p95_ms"]["result"] == "missed"
    assert {r["group"] for r in rows if r["section"] == "group"} == {"DCFS Pomona", "LACOE FYS"}
    with app.app_context():
        audits = db.session.execute(select(AuditEvent.details).where(AuditEvent.action == "export").order_by(AuditEvent.id)).scalars().all()
    assert [a["table"] for a in audits] == ["pilot.report.md", "pilot.report.csv"]
    assert runner.invoke(args=["pilot", "report", "--cohort", "nope"]).exit_code != 0
    for output in (text, table.output):
        assert fixture_data.STUDENT_SSID not in output and "Casey Worker" not in output


@pytest.fixture
def web(dev_app, app, pilot):
    with app.app_context():
        email = db.session.get(User, pilot["coordinator"]).email
    client = dev_app.test_client()
    assert dev_sign_in(client, email).status_code == 302
    return client


def test_printable_page(web):
    response = web.get("/pilot/report?cohort=pomona-2026")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "pilot-report.css" in html and "pilot-report.js" in html and 'id="save-pdf"' in html
    assert "<script>" not in html and "style=" not in html  # the page's CSP allows neither inline
    assert html.count('<svg class="chart') == 5  # adoption, weekly active, latency, crash-free, issues
    assert 'data-criterion="sus_mean" data-value="75.0" data-met="met"' in html
    assert 'data-group="LACOE FYS" data-criterion="enrolled"' in html
    assert fixture_data.STUDENT_SSID not in html and "=SUM(A1)" not in html  # no field free text
    with web.get("/pilot/static/pilot-report.css") as stylesheet:
        css = stylesheet.get_data(as_text=True)
    assert "@media print" in css and ".no-print" in css
    assert web.get("/pilot/report?cohort=nope").status_code == 404


def test_downloads_are_audited_exports(web, app):
    md = web.get("/pilot/report.md?cohort=pomona-2026")
    assert md.status_code == 200 and md.mimetype == "text/markdown"
    assert 'filename="pilot-report-pomona-2026-' in md.headers["Content-Disposition"]
    table = web.get("/pilot/report.csv?cohort=pomona-2026")
    assert table.status_code == 200 and table.mimetype == "text/csv"
    assert table.get_data(as_text=True).startswith("section,group,item,value,target,result,trend")
    assert web.get("/pilot/report.csv?cohort=nope").status_code == 404
    with app.app_context():
        tables = db.session.execute(select(AuditEvent.details).where(AuditEvent.action == "export").order_by(AuditEvent.id)).scalars().all()
    assert sorted(t["table"] for t in tables) == ["pilot.report.csv", "pilot.report.md"]


def test_criteria_form_takes_percentages(web, app):
    token = csrf_from(web.get("/pilot/report?cohort=pomona-2026").get_data(as_text=True))
    saved = web.post("/pilot/criteria", data={"cohort": "pomona-2026", "csrf_token": token, "activation_rate": "60",
                                              "enrolled": "3"})
    assert saved.status_code == 303 and saved.headers["Location"].endswith("#criteria")
    with app.app_context():
        assert db.session.execute(select(PilotCohort.success_criteria)).scalar() == {"activation_rate": 0.6,
                                                                                    "enrolled": 3.0}
    page = web.get("/pilot/report?cohort=pomona-2026").get_data(as_text=True)
    assert "Success criteria saved." in page and 'data-criterion="activation_rate" data-value="0.6667" data-met="met"' in page
    refused = web.post("/pilot/criteria", data={"cohort": "pomona-2026", "csrf_token": token, "activation_rate": "150"},
                       follow_redirects=True)
    assert "Not saved" in refused.get_data(as_text=True)
    assert web.post("/pilot/criteria", data={"cohort": "pomona-2026", "csrf_token": "forged" * 8,
                                             "enrolled": "1"}).status_code == 400
    with app.app_context():
        assert db.session.execute(select(PilotCohort.success_criteria)).scalar()["enrolled"] == 3.0


def test_field_workers_never_reach_the_pages(dev_app, app, pilot):
    with app.app_context():
        email = db.session.get(User, pilot["csw"]).email
    client = dev_app.test_client()
    assert dev_sign_in(client, email).status_code == 403
    for url in ("/pilot/report", "/pilot/report.md", "/pilot/report.csv"):
        assert client.get(url).status_code == 302  # to the sign-in page
    assert client.post("/pilot/criteria", data={"enrolled": "1"}).status_code in (302, 400)


def test_a_cohort_not_started_yet_has_a_report_without_values(client, app, bearer, pilot, web):
    import datetime as dt

    with app.app_context():
        db.session.add(PilotCohort(name="later-2027", start_date=dt.date(2027, 1, 4), length_days=30,
                                   target_participants=20, offices=[]))
        db.session.commit()
    report = _report(client, bearer, "?cohort=later-2027")
    assert report["status"] == "not_started" and report["weeks"] == [] and report["groups"] == []
    assert all(c["value"] in (None, 0) for c in report["criteria"])
    assert {c["key"]: c["met"] for c in report["criteria"]}["weekly_active_rate"] is None
    assert web.get("/pilot/report?cohort=later-2027").status_code == 200


def test_an_app_report_cannot_claim_another_workers_request(client, app, bearer, people):
    """The failed-call join needs the same request id from the same user."""
    import datetime as dt

    from mobile_service.models import UsageEvent
    from tests.pilot.client_event_helpers import event

    with app.app_context():
        db.session.add(UsageEvent(user_id=people["csw2"], role="csw", occurred_at=at("2026-10-15 16:00"),
                                  event="request", route="/api/v1/caseload", status=500, latency_ms=9.0,
                                  request_id="abcdef0123456789abcdef0123456789"))
        db.session.commit()
    for who in ("csw", "csw2"):
        body = event(at("2026-10-15 16:00") + dt.timedelta(minutes=1), kind="failed_call", error_code="500",
                     request_id="abcdef0123456789abcdef0123456789", signature="ab12" * 4)
        assert client.post("/api/v1/client-events", json=body, headers=bearer(who)).status_code == 201
    calls = client.get("/api/v1/pilot/app-health", headers=bearer("coordinator")).json["failed_calls"]
    assert (calls["total"], calls["matched"], calls["unmatched"]) == (2, 1, 1)
