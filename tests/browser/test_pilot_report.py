"""End to end: the printable end-of-pilot report in headless Debian Chromium, printed to PDF.

gunicorn on loopback (AUTH_MODE=dev), dev sign-in, the report page with its charts; the
"Save as PDF" button opens the print dialog (window.print, stubbed here: a headless browser
has no dialog); the print stylesheet hides the controls; Chromium's own PDF printer renders the
page (``page.pdf``, print media), and the PDF is checked: page count, every criterion and both
offices in the text (``pdftotext`` from poppler-utils), no controls, no student data.

Skipped without Chromium, Playwright or pdftotext, unless REQUIRE_BROWSER=1 (CI) turns the skip
into a failure.
"""
from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import uuid
from zoneinfo import ZoneInfo

import pytest

from tests.browser.test_pilot_dashboard import CHROMIUM, CHROMIUM_FLAGS, _require_browser
from tests.servers import dev_env, free_port, gunicorn

COHORT = "report-pilot"
COORDINATOR = "coordinator.report@lacoe.edu"
SSID = "4000000777"

pytestmark = pytest.mark.slow


def _require_pdftotext() -> None:
    import os

    if shutil.which("pdftotext") is None:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("REQUIRE_BROWSER=1 but pdftotext is missing (apt-get install poppler-utils)")
        pytest.skip("pdftotext not found (apt-get install poppler-utils)")


def _seed(make_app, env: dict[str, str]) -> None:
    """A pilot 20 days in: two offices, usage, feedback, issues with triage times, app error reports."""
    from flask_migrate import upgrade

    from mobile_service.extensions import db
    from mobile_service.models import (
        ClientEvent,
        ClientEventSignature,
        Feedback,
        IssueReport,
        PilotCohort,
        UsageEvent,
    )
    from tests.factories import make_student, make_user

    app = make_app(env)
    with app.app_context():
        upgrade()
        tz = ZoneInfo(app.config["PILOT_TIMEZONE"])
        now = dt.datetime.now(dt.UTC)
        start = now.astimezone(tz).date() - dt.timedelta(days=19)
        db.session.add(PilotCohort(name=COHORT, start_date=start, length_days=30, target_participants=50,
                                   offices=["Pomona", "LACOE FYS"]))
        make_user("pilot_coordinator", email=COORDINATOR, display_name="Report Coordinator")
        make_student(ssid=SSID)
        workers = [make_user("csw", pilot_cohort=COHORT, display_name=f"Worker {i}",
                             office="Pomona" if i % 3 else "LACOE FYS") for i in range(18)]
        crash = ClientEventSignature(kind="crash", signature="c0ffee00c0ffee00", error_code="EXC_BAD_ACCESS",
                                     screen="student/attendance", first_seen=now - dt.timedelta(days=15),
                                     last_seen=now - dt.timedelta(days=2), occurrences=0, reports=0)
        db.session.add(crash)
        db.session.flush()
        for i, worker in enumerate(workers):
            worker.activated_at = now - dt.timedelta(days=19 - i % 6)
            for day in range(0, 20, 1 + i % 3):
                when = now - dt.timedelta(days=19 - day, minutes=20 + i)
                version = "0.9.4" if day < 10 else "1.0.1"
                db.session.add(UsageEvent(user_id=worker.id, role="csw", occurred_at=when, event="request",
                                          route="/api/v1/caseload", status=200, latency_ms=8.0 + (i * day) % 30,
                                          platform="ios", app_version=version))
                if (i + day) % 17 == 0:
                    crash.occurrences += 1
                    crash.reports += 1
                    db.session.add(ClientEvent(signature_id=crash.id, user_id=worker.id, report_id=str(uuid.uuid4()),
                                               kind="crash", occurred_at=when + dt.timedelta(minutes=2),
                                               received_at=when, app_version=version, platform="ios",
                                               os_version="18.1", error_code="EXC_BAD_ACCESS", count=1))
        for i, rating in enumerate((5, 4, 4, 3, 5, 2, 4, 5)):
            db.session.add(Feedback(user_id=workers[i].id, created_at=now - dt.timedelta(days=i + 1), rating=rating,
                                    category=("search", "caseload", "student_record")[i % 3],
                                    comment=f"Comment naming {SSID}", sus_answers=[4, 2] * 5, sus_score=75.0))
        for i, status in enumerate(("new", "triaged", "in_progress", "resolved", "resolved")):
            created = now - dt.timedelta(days=3 * i + 1)
            db.session.add(IssueReport(user_id=workers[i].id, created_at=created, kind="problem",
                                       description=f"Report about {SSID}", status=status, screen="caseload",
                                       triaged_at=None if status == "new" else created + dt.timedelta(hours=5)))
        db.session.commit()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def server(make_app, tmp_path_factory, signing_key_pem):
    _require_browser()
    _require_pdftotext()
    workdir = tmp_path_factory.mktemp("browser-report")
    port = free_port()
    env = dev_env(workdir, port, signing_key_pem, database="report.db", secret="browser-report-secret-0123456789abcd")
    _seed(make_app, env)
    with gunicorn(env, port, workdir) as base:
        yield {"base": base, "dir": workdir}


def _pdf_text(path, *pages: int) -> str:
    args = ["pdftotext", "-layout"] + (["-f", str(pages[0]), "-l", str(pages[-1])] if pages else []) + [str(path), "-"]
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=60).stdout


def test_report_prints_to_pdf(server):
    from playwright.sync_api import sync_playwright

    console: list[str] = []
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(server["dir"] / "profile"), executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS,
            viewport={"width": 1280, "height": 1000})
        try:
            page = context.new_page()
            page.on("console", lambda msg: console.append(msg.text))
            page.goto(server["base"] + "/pilot/report?cohort=" + COHORT)
            page.select_option("select#email", COORDINATOR)
            page.click("button[type=submit]")
            page.wait_for_load_state()
            page.goto(server["base"] + "/pilot/report?cohort=" + COHORT)
            page.wait_for_selector("svg.chart")
            assert page.is_visible("#save-pdf") and not page.is_visible(".print-only")
            assert page.inner_text("#report-title") == f"Pilot evaluation: {COHORT}"
            assert page.locator("tr[data-criterion]").count() == 7
            assert page.locator("svg.chart").count() == 5

            # One click: the button opens the browser's print dialog ("Save as PDF").
            page.evaluate("() => { window.__printed = 0; window.print = () => { window.__printed += 1; }; }")
            page.click("#save-pdf")
            assert page.evaluate("window.__printed") == 1

            # The print stylesheet hides the controls.
            page.emulate_media(media="print")
            assert page.is_visible("#criteria table")
            for control in ("#save-pdf", "#download-md", ".criteria-form", ".topbar"):
                assert not page.is_visible(control), control
            assert page.is_visible(".print-only")
            pdf_path = server["dir"] / "report.pdf"
            pdf = page.pdf(path=str(pdf_path), format="Letter", print_background=True)
        finally:
            context.close()
    assert [line for line in console if "Content Security Policy" in line] == [], console

    assert pdf.startswith(b"%PDF-")
    pages = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))
    assert 2 <= pages <= 8, pages
    text = _pdf_text(pdf_path)
    assert f"Pilot evaluation: {COHORT}" in text
    for label in ("Participants enrolled", "Weekly active", "System Usability Scale", "triaged within 2 working days",
                  "API latency p95", "Crash-free sessions", "DCFS Pomona", "LACOE FYS", "Feedback themes",
                  "App health", "c0ffee00c0ffee00"):
        assert label in text, label
    assert re.search(r"Participants enrolled\s+18\s+>= 50\s+missed", text), text[:2000]
    assert "Save as PDF" not in text and "Save targets" not in text and "Sign out" not in text
    assert SSID not in text and "Worker 1" not in text  # no student data, no field free text, no names
    # The office comparison starts a page of its own (the print stylesheet's page break).
    first = _pdf_text(pdf_path, 1)
    assert "Success criteria" in first and "compared" not in first
    assert any("DCFS Pomona and LACOE FYS compared" in _pdf_text(pdf_path, n).strip()[:200]
               for n in range(2, pages + 1))
