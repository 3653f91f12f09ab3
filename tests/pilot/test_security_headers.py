"""CSP, X-Frame-Options and Referrer-Policy on every HTML page, /docs and the sign-in pages included
(issue 11, item 6), with pages that still work under that policy (no inline script or style)."""
from __future__ import annotations

import re

import pytest

from mobile_service.extensions import db
from mobile_service.models import User
from mobile_service.requestlog import HTML_CSP, NON_HTML_CSP
from tests.pilot.conftest import dev_sign_in

INLINE = re.compile(r"<style|<script(?![^>]*\bsrc=)|\sstyle=|\son[a-z]+=", re.IGNORECASE)


def _assert_protected(response, csp: str = HTML_CSP) -> None:
    assert response.headers["Content-Security-Policy"] == csp, response.headers
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_html_policy_forbids_inline_code_and_framing():
    """The one HTML policy: own-origin files only, never framed."""
    assert "'unsafe-inline'" not in HTML_CSP and "'unsafe-eval'" not in HTML_CSP
    assert "frame-ancestors 'none'" in HTML_CSP and "frame-ancestors 'none'" in NON_HTML_CSP


def test_docs_page_is_protected_and_has_no_inline_script_or_style(app):
    """/docs: its script and styles are files of this origin (Swagger UI served locally)."""
    client = app.test_client()
    with client.get("/docs") as page:
        assert page.status_code == 200 and page.mimetype == "text/html"
        _assert_protected(page)
        html = page.get_data(as_text=True)
    assert not INLINE.search(html), html
    assets = re.findall(r'(?:src|href)="(/docs/assets/[^"]+)"', html)
    assert "/docs/assets/docs.css" in assets
    for asset in assets:
        with client.get(asset) as response:
            assert response.status_code == 200, asset
            _assert_protected(response, NON_HTML_CSP)


@pytest.mark.parametrize("path", ["/pilot/dev-login", "/pilot/login"])
def test_dev_sign_in_pages_are_protected(dev_app, people, path):
    """The development sign-in page and the redirect to it carry the HTML policy."""
    response = dev_app.test_client().get(path)
    assert response.status_code in (200, 302)
    _assert_protected(response)
    assert not INLINE.search(response.get_data(as_text=True))


def test_sign_in_page_styles_come_from_a_file(dev_app, people):
    """The sign-in page links its stylesheet (an inline <style> would be blocked by the policy)."""
    client = dev_app.test_client()
    html = client.get("/pilot/dev-login").get_data(as_text=True)
    assert '<link rel="stylesheet" href="/pilot/sign-in.css">' in html
    css = client.get("/pilot/sign-in.css")
    assert css.status_code == 200 and css.mimetype == "text/css" and b"font-family" in css.data


def test_entra_sign_in_pages_are_protected(app):
    """/pilot/login with Entra (here unreachable: the 503 page) and the expired-callback page."""
    client = app.test_client()
    for path in ("/pilot/login", "/pilot/auth/callback"):
        response = client.get(path)
        assert response.mimetype == "text/html" and response.status_code in (302, 400, 503), path
        _assert_protected(response)
        assert not INLINE.search(response.get_data(as_text=True))


def test_dashboard_keeps_the_same_policy(dev_app, app, people):
    """The dashboard sets the same one policy after sign-in."""
    with app.app_context():
        email = db.session.get(User, people["coordinator"]).email
    client = dev_app.test_client()
    assert dev_sign_in(client, email).status_code == 302
    response = client.get("/pilot")
    assert response.status_code == 200
    _assert_protected(response)


@pytest.mark.parametrize("path", ["/healthz", "/openapi.json", "/api/v1/me", "/nope"])
def test_api_responses_cannot_be_framed(app, path):
    """JSON and problem documents carry the no-content policy and DENY too."""
    response = app.test_client().get(path)
    _assert_protected(response, NON_HTML_CSP)
