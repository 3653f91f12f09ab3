"""Caseload changes and reports are rate-limited per user, like search (``api/quotas.py``).

An add answers whether an SSID exists, so unlimited adds would be a way to enumerate students;
feedback and issue reports are free text. A refusal is 429 problem+json with Retry-After, and
nothing behind it runs: no caseload change, no audit row, no stored report.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from mobile_service.extensions import db, limiter
from mobile_service.models import CaseloadEntry, Feedback, IssueReport
from tests.api.caseload_helpers import audit_rows, bearer
from tests.factories import app_token_for, make_student, make_user


@pytest.fixture
def limited_app(make_app, app, base_env):
    """A second app on the same database with tiny write quotas (restores the shared limiter)."""
    saved = limiter.enabled
    limited = make_app(dict(base_env, RATELIMIT_ENABLED="true", CASELOAD_CHANGE_RATE_LIMIT="2 per minute",
                              REPORT_RATE_LIMIT="2 per minute"))
    yield limited
    limiter.reset()
    limiter.enabled = saved


def _count(app, model) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def _assert_refused(response) -> None:
    assert response.status_code == 429
    assert response.mimetype == "application/problem+json"
    assert int(response.headers["Retry-After"]) > 0


def test_caseload_adds_and_removes_share_one_quota_per_user(limited_app, app):
    with app.app_context():
        worker, colleague = make_user("csw"), make_user("csw")
        students = [make_student() for _ in range(3)]
        db.session.commit()
        keys = [s.student_key for s in students]
        token, other = app_token_for(worker), app_token_for(colleague)
    client = limited_app.test_client()
    add = {"student_key": keys[0], "reason": "covering for a colleague"}
    assert client.post("/api/v1/caseload", json=add, headers=bearer(token)).status_code == 201
    assert client.delete(f"/api/v1/caseload/{keys[0]}", headers=bearer(token)).status_code == 204
    entries, audited = _count(app, CaseloadEntry), len(audit_rows(app))
    refused = client.post("/api/v1/caseload", json={"student_key": keys[1], "reason": "covering"}, headers=bearer(token))
    _assert_refused(refused)
    _assert_refused(client.delete(f"/api/v1/caseload/{keys[0]}", headers=bearer(token)))
    _assert_refused(client.post("/api/v1/caseload", json={"student_key": "A" * 22, "reason": "probe"},
                                headers=bearer(token)))  # no answer on whether the key exists
    assert (_count(app, CaseloadEntry), len(audit_rows(app))) == (entries, audited)
    # Reading the caseload is not a change, and a colleague keeps their own quota.
    assert client.get("/api/v1/caseload", headers=bearer(token)).status_code == 200
    assert client.post("/api/v1/caseload", json={"student_key": keys[2], "reason": "new case"},
                       headers=bearer(other)).status_code == 201


def test_feedback_and_issue_reports_share_one_quota_per_user(limited_app, app):
    with app.app_context():
        worker, colleague = make_user("csw"), make_user("csw")
        db.session.commit()
        token, other = app_token_for(worker), app_token_for(colleague)
    client = limited_app.test_client()
    feedback = {"rating": 4, "category": "search", "comment": "Found the student fast."}
    issue = {"kind": "problem", "description": "Attendance tab spins"}
    assert client.post("/api/v1/feedback", json=feedback, headers=bearer(token)).status_code == 201
    assert client.post("/api/v1/issues", json=issue, headers=bearer(token)).status_code == 201
    stored = (_count(app, Feedback), _count(app, IssueReport))
    _assert_refused(client.post("/api/v1/feedback", json=feedback, headers=bearer(token)))
    _assert_refused(client.post("/api/v1/issues", json=issue, headers=bearer(token)))
    assert (_count(app, Feedback), _count(app, IssueReport)) == stored
    assert client.post("/api/v1/issues", json=issue, headers=bearer(other)).status_code == 201
