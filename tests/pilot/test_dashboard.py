"""The /pilot dashboard: sign-in through auth.web's dev page, charts, CSRF, headers and cookie flags."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from mobile_service.config import load_config
from mobile_service.extensions import db
from mobile_service.models import Announcement, IssueReport, User
from tests.pilot import fixture_data
from tests.pilot.conftest import csrf_from, dev_sign_in

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
       "form-action 'self'; base-uri 'none'")


@pytest.fixture
def web(dev_app, app, people):
    with app.app_context():
        fixture_data.seed(people)
        email = db.session.get(User, people["coordinator"]).email
    client = dev_app.test_client()
    signed_in = dev_sign_in(client, email)
    assert signed_in.status_code == 302 and signed_in.headers["Location"].endswith("/pilot"), signed_in.data[:300]
    return client


def test_dashboard_requires_sign_in(dev_app, people):
    response = dev_app.test_client().get("/pilot")
    assert response.status_code == 302 and "/pilot/login" in response.headers["Location"]


def test_field_worker_cannot_sign_in_to_the_dashboard(dev_app, app, people):
    with app.app_context():
        email = db.session.get(User, people["csw"]).email
    client = dev_app.test_client()
    assert dev_sign_in(client, email).status_code == 403
    assert client.get("/pilot").status_code == 302


def test_dashboard_renders_figures_and_charts(web):
    response = web.get("/pilot?cohort=pomona-2026")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="metric-activated">2<' in html and 'id="metric-enrolled">3<' in html
    assert 'id="metric-sus">75<' in html and 'id="metric-open_issues">2<' in html
    charts = re.findall(r'<svg class="chart chart-(\w+)"[^>]*data-values="([^"]*)"', html)
    assert len(charts) == 7  # the six pilot charts and app health's crash-free sessions
    kinds = dict(charts)
    assert "lines" in kinds and "columns" in kinds
    adoption = charts[0][1].split(",")
    assert adoption[:3] == ["1", "1", "2"] and len(adoption) == 15
    assert html.count('class="bar"') > 20
    assert "Great" in html and "=SUM(A1) slow on LTE" in html  # recent comments
    assert fixture_data.STUDENT_SSID not in html and str(fixture_data.STUDENT_ID) not in html


def test_dashboard_has_no_inline_script_or_style(web):
    html = web.get("/pilot").get_data(as_text=True)
    assert "<script" not in html and "<style" not in html and " style=" not in html
    assert re.search(r' on[a-z]+=', html) is None


def test_security_headers(web):
    for path in ("/pilot", "/pilot/static/pilot-dashboard.css"):
        response = web.get(path)
        assert response.status_code == 200, path
        assert response.headers["Content-Security-Policy"] == CSP
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        response.close()  # the static file handle


def test_session_cookie_flags(dev_app, app, people):
    with app.app_context():
        email = db.session.get(User, people["coordinator"]).email
    response = dev_sign_in(dev_app.test_client(), email)
    cookie = next(v for k, v in response.headers.items() if k == "Set-Cookie" and v.startswith("pilot_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # development over plain http on loopback


def test_session_cookie_is_secure_in_production(signing_key_pem):
    cfg = load_config({"APP_ENV": "production", "SECRET_KEY": "p" * 40, "APP_TOKEN_SIGNING_KEY": signing_key_pem,
                       "DATABASE_URL": "postgresql://db/lacoe", "ENTRA_TENANT_IDS": "11111111-1111-1111-1111-111111111111",
                       "ENTRA_API_AUDIENCES": "api://lacoe", "ENTRA_ALLOWED_CLIENT_IDS": "mobile-app",
                       "APP_TOKEN_ISSUER": "https://mobile.eps.lacoe.edu", "REDIS_URL": "redis://redis:6379/0",
                       "SMTP_HOST": "smtp.lacoe.edu", "SMTP_FROM": "eps-mobile@lacoe.edu",
                       "STEWARD_QUEUE_URL": "https://mobile.eps.lacoe.edu/pilot/steward"})
    assert cfg["SESSION_COOKIE_SECURE"] is True and cfg["SESSION_COOKIE_HTTPONLY"] is True
    assert cfg["SESSION_COOKIE_SAMESITE"] == "Lax" and cfg["SESSION_COOKIE_NAME"].startswith("__Host-")


def test_publish_announcement_needs_csrf(web, app):
    form = {"kind": "whats_new", "title": "Hello", "body": "World", "cohort": "pomona-2026"}
    assert web.post("/pilot/announcements", data=form).status_code == 400
    assert web.post("/pilot/announcements", data={**form, "csrf_token": "forged" * 8}).status_code == 400
    token = csrf_from(web.get("/pilot").get_data(as_text=True))
    cross = web.post("/pilot/announcements", data={**form, "csrf_token": token},
                     headers={"Origin": "https://evil.example"})
    assert cross.status_code == 400
    with app.app_context():
        assert db.session.execute(select(Announcement)).first() is None
    ok = web.post("/pilot/announcements", data={**form, "csrf_token": token, "expires_on": "2026-10-20"})
    assert ok.status_code == 303
    with app.app_context():
        row = db.session.execute(select(Announcement)).scalar_one()
        assert row.title == "Hello" and row.expires_at.isoformat() == "2026-10-21T07:00:00+00:00"
    assert "Announcement published." in web.get("/pilot").get_data(as_text=True)


def test_publish_announcement_validation_message(web, app):
    token = csrf_from(web.get("/pilot").get_data(as_text=True))
    response = web.post("/pilot/announcements", data={"kind": "nope", "title": "", "body": "b", "csrf_token": token})
    assert response.status_code == 303
    assert "Not published" in web.get("/pilot").get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(Announcement)).first() is None


def test_triage_form(web, app):
    with app.app_context():
        issue_id = db.session.execute(select(IssueReport.id).where(IssueReport.status == "new")).scalars().first()
    assert web.post(f"/pilot/issues/{issue_id}", data={"status": "triaged"}).status_code == 400
    token = csrf_from(web.get("/pilot").get_data(as_text=True))
    response = web.post(f"/pilot/issues/{issue_id}", data={"status": "triaged", "note": "on it", "csrf_token": token})
    assert response.status_code == 303
    with app.app_context():
        issue = db.session.get(IssueReport, issue_id)
        assert (issue.status, issue.status_note) == ("triaged", "on it")
    bad = web.post(f"/pilot/issues/{issue_id}", data={"status": "new", "csrf_token": token})
    assert bad.status_code == 303 and "not updated" in web.get("/pilot").get_data(as_text=True)


def test_dashboard_forms_use_the_shared_text_rule(web, app):
    """The triage note and the announcement form refuse what every API text field refuses (C1, DEL, bidi)."""
    with app.app_context():
        issue_id = db.session.execute(select(IssueReport.id).where(IssueReport.status == "new")).scalars().first()
    token = csrf_from(web.get("/pilot").get_data(as_text=True))
    for bad in ("x\x85y", "x\x7fy", "evil\u202etxt.exe"):
        response = web.post(f"/pilot/issues/{issue_id}", data={"status": "triaged", "note": bad, "csrf_token": token})
        assert response.status_code == 303
        assert "control characters" in web.get("/pilot").get_data(as_text=True)
        response = web.post("/pilot/announcements", data={"kind": "whats_new", "title": bad, "body": "b",
                                                          "csrf_token": token})
        assert response.status_code == 303
        assert "Not published" in web.get("/pilot").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(IssueReport, issue_id).status == "new"
        assert db.session.execute(select(Announcement).where(Announcement.title.like("%x%"))).first() is None


def test_dashboard_csv_export(web):
    response = web.get("/pilot/export/daily-metrics.csv?cohort=pomona-2026")
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.get_data(as_text=True).splitlines()[0].startswith("date,pilot_day,active_users")


def test_unknown_cohort_page(web):
    assert web.get("/pilot?cohort=nope").status_code == 404
