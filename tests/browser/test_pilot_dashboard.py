"""End to end: gunicorn on a loopback port (AUTH_MODE=dev), headless Debian Chromium driven by
Playwright, dev sign-in, the dashboard's SVG charts and a figure checked against the JSON API.

Skipped when Chromium or Playwright is missing, unless REQUIRE_BROWSER=1 (CI), which turns the
skip into a failure. Saves a screenshot to docs/pilot-dashboard.png for the README
(with PILOT_SCREENSHOT=1).
"""
from __future__ import annotations

import datetime as dt
import json
import os
import urllib.request
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.servers import dev_env, free_port, gunicorn

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
COHORT = "browser-pilot"
COORDINATOR = "coordinator.browser@lacoe.edu"

pytestmark = pytest.mark.slow


def _require_browser():
    try:
        from playwright.sync_api import sync_playwright  # noqa: F401
    except ImportError:
        missing = "playwright is not installed"
    else:
        missing = None if Path(CHROMIUM).exists() else f"{CHROMIUM} not found (apt-get install chromium)"
    if missing:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {missing}")
        pytest.skip(missing)


def _seed(make_app, env: dict[str, str]) -> str:
    """Migrate a fresh SQLite database and insert a running pilot; return a coordinator app token."""
    from flask_migrate import upgrade

    from mobile_service.extensions import db
    from mobile_service.models import Feedback, IssueReport, PilotCohort, UsageEvent
    from tests.factories import app_token_for, make_user

    app = make_app(env)
    with app.app_context():
        upgrade()
        tz = ZoneInfo(app.config["PILOT_TIMEZONE"])
        now = dt.datetime.now(dt.UTC)
        start = now.astimezone(tz).date() - dt.timedelta(days=9)
        db.session.add(PilotCohort(name=COHORT, start_date=start, length_days=30, target_participants=50,
                                   offices=["Pomona", "LACOE FYS"]))
        coordinator = make_user("pilot_coordinator", email=COORDINATOR, display_name="Browser Coordinator")
        workers = [make_user("csw" if i % 5 else "scsw", pilot_cohort=COHORT, display_name=f"Worker {i}",
                             office="Pomona" if i % 3 else "LACOE FYS") for i in range(24)]
        for i, worker in enumerate(workers[:17]):
            worker.activated_at = now - dt.timedelta(days=9 - (i % 9), hours=1)
        events = ("caseload_view", "search", "record_view", "record_view", "caseload_add")
        for day in range(10):
            for i, worker in enumerate(workers[: 6 + day]):
                when = now - dt.timedelta(days=9 - day, minutes=30 + i)
                if when > now:
                    continue
                name = events[(i + day) % len(events)]
                detail = {"search": "name", "record_view": "demographics" if i % 2 else "attendance"}.get(name)
                db.session.add(UsageEvent(user_id=worker.id, role=worker.role, occurred_at=when, event=name,
                                          detail=detail, result_count=(i % 4) if name == "search" else None))
                db.session.add(UsageEvent(user_id=worker.id, role=worker.role, occurred_at=when, event="request",
                                          route="/api/v1/caseload", status=500 if (i + day) % 29 == 0 else 200,
                                          latency_ms=40.0 + 7 * ((i * day) % 11), platform="ios" if i % 2 else "android",
                                          app_version="1.2.0"))
        for i, rating in enumerate((5, 4, 4, 3, 5, 2, 4)):
            db.session.add(Feedback(user_id=workers[i].id, created_at=now - dt.timedelta(days=i), rating=rating,
                                    category=("search", "caseload", "performance")[i % 3],
                                    comment=f"Pilot comment {i}: quicker than calling the school.",
                                    sus_answers=[4, 2] * 5, sus_score=75.0))
        for i, status in enumerate(("new", "triaged", "in_progress", "resolved")):
            db.session.add(IssueReport(user_id=workers[i].id, created_at=now - dt.timedelta(days=i + 1),
                                       kind="problem", description=f"Browser issue {i}", status=status))
        db.session.commit()
        token = app_token_for(coordinator)
    with app.app_context():
        db.engine.dispose()
    return token


@pytest.fixture(scope="module")
def server(make_app, tmp_path_factory, signing_key_pem):
    _require_browser()
    workdir = tmp_path_factory.mktemp("browser")
    port = free_port()
    env = dev_env(workdir, port, signing_key_pem, database="pilot.db", secret="browser-test-secret-key-0123456789abcdef")
    token = _seed(make_app, env)
    with gunicorn(env, port, workdir) as base:
        yield {"base": base, "token": token, "profile": workdir / "chromium-profile"}


def _api_summary(server) -> dict:
    request = urllib.request.Request(f"{server['base']}/api/v1/pilot/summary?cohort={COHORT}",
                                     headers={"Authorization": f"Bearer {server['token']}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_dashboard_in_chromium(server):
    from playwright.sync_api import sync_playwright

    csp_errors: list[str] = []
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(server["profile"]), executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS,
            viewport={"width": 1440, "height": 1000})
        try:
            page = context.new_page()
            page.on("console", lambda msg: csp_errors.append(msg.text)
                    if "Content Security Policy" in msg.text else None)
            page.goto(server["base"] + "/pilot")
            assert "/pilot/dev-login" in page.url
            # The sign-in page's stylesheet is a file (the page's CSP blocks inline styles).
            assert page.evaluate("getComputedStyle(document.body).maxWidth") == "512px"
            page.select_option("select#email", COORDINATOR)
            page.click("button[type=submit]")
            page.wait_for_load_state()
            assert page.url == server["base"] + "/pilot", (page.url, page.inner_text("body")[:800])
            page.wait_for_selector("svg.chart")

            assert page.locator("svg.chart").count() == 7  # six pilot charts + crash-free sessions
            assert page.locator("svg.chart rect.bar").count() > 20
            assert page.locator("svg.chart-lines circle.point").count() >= 10
            adoption = page.locator("svg.chart-lines").first.get_attribute("data-values").split(",")
            assert len(adoption) == 10 and adoption[-1] == "17"

            summary = _api_summary(server)
            assert page.inner_text("#metric-activated") == str(summary["participants"]["activated"]) == "17"
            assert page.inner_text("#metric-enrolled") == str(summary["participants"]["enrolled"]) == "24"
            assert page.inner_text("#metric-open_issues") == str(summary["issues"]["open"])
            assert page.inner_text("#cohort-name") == COHORT
            stylesheet_applied = page.evaluate(
                "getComputedStyle(document.querySelector('.card')).borderTopStyle")
            assert stylesheet_applied == "solid"
            assert csp_errors == []

            # PILOT_SCREENSHOT=1 refreshes the README's picture; otherwise keep it beside the profile.
            target = (ROOT / "docs" if os.environ.get("PILOT_SCREENSHOT") == "1" else server["profile"].parent)
            target.mkdir(exist_ok=True)
            page.screenshot(path=str(target / "pilot-dashboard.png"), full_page=False)
        finally:
            context.close()


def test_docs_work_under_their_csp(server):
    """/docs runs Swagger UI from local files under the strict HTML policy, with no violation.

    Swagger UI 5 (swagger-ui-py) reads the OpenAPI 3.1 document: the operations are listed by
    their operationIds, no "Unable to render this definition", and its stylesheet and ours apply
    with nothing the policy blocks.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(server["profile"]) + "-docs", executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        try:
            page = context.new_page()
            console: list[str] = []
            page.on("console", lambda msg: console.append(msg.text))
            page.on("pageerror", lambda exc: console.append(str(exc)))
            response = page.goto(server["base"] + "/docs")
            assert "script-src 'self'" in response.headers["content-security-policy"]
            assert response.headers["x-frame-options"] == "DENY"
            page.wait_for_selector("#swagger-ui .swagger-ui", timeout=15000)  # built by swagger-ui-bundle.js
            # A selector, not wait_for_function: its string predicate is eval'd in the page, which the
            # CSP (no 'unsafe-eval') refuses whenever the first check is not already true.
            page.wait_for_selector("#swagger-ui .info", timeout=15000)
            assert page.evaluate("typeof window.ui") == "object"  # init.js ran
            page.wait_for_selector(".opblock-summary", timeout=15000)
            listed = page.locator(".opblock").count()
            spec = page.evaluate("window.ui.specSelectors.specJson().toJS()")
            documented = sum(1 for ops in spec["paths"].values() for m in ops if m != "parameters")
            assert listed == documented > 30, (listed, documented)
            text = page.inner_text("#swagger-ui")
            assert "Unable to render" not in text and "getCaseload" in text and "searchStudents" in text
            assert "3.1" in page.inner_text(".info"), "the OAS 3.1 badge is shown"
            assert page.evaluate("getComputedStyle(document.querySelector('.swagger-ui')).color") == "rgb(59, 65, 81)"
            assert page.evaluate("getComputedStyle(document.querySelector('p.guide')).marginLeft") != "0px"
            assert [line for line in console if "Content Security Policy" in line] == [], console
        finally:
            context.close()
