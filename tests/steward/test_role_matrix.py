"""Role eps_support x every route: the steward's queue, its profile and the announcements, nothing else.

The inventory walks the app's URL map, so a route added later is covered without being listed:
every /api/v1 operation outside ``STEWARD_ALLOWED`` must refuse a steward's valid token with 403
(before it reads any input), and the dashboard's web sign-in refuses stewards.
"""
from __future__ import annotations

import re

import pytest

from mobile_service.models import ROLES

STEWARD_ALLOWED = {
    ("GET", "/api/v1/me"),
    ("GET", "/api/v1/announcements"),
    ("GET", "/api/v1/steward/reports"),
    ("GET", "/api/v1/steward/reports/<int(max=2147483647):issue_id>"),
    ("POST", "/api/v1/steward/reports/<int(max=2147483647):issue_id>/resolve"),
}
SAMPLES = {"student_key": "q3Vd9fK2LmX0aB7cR1sT4w", "issue_id": "1", "add_id": "1", "user_id": "1", "table": "issues",
           "signature_id": "1", "plan_key": "q3Vd9fK2LmX0aB7cR1sT4w"}


def _operations(app) -> list[tuple[str, str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: SAMPLES[m.group(1)], rule.rule)
        path = path.replace("(max=2147483647)", "")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, rule.rule, path))
    return found


def test_eps_support_is_a_registry_role():
    assert "eps_support" in ROLES


def test_the_inventory_sees_every_api_route(app):
    rules = {rule for _, rule, _ in _operations(app)}
    assert {rule for _, rule in STEWARD_ALLOWED} <= rules
    assert len(rules) >= 25  # students, caseload, supervisees, pilot, admin, steward ...


def test_every_other_api_route_refuses_a_steward(client, app, dq):
    refused = []
    for method, rule, path in _operations(app):
        if (method, rule) in STEWARD_ALLOWED:
            continue
        response = client.open(path, method=method, json={}, headers=dq.headers["steward"])
        if response.status_code != 403:
            refused.append((method, rule, response.status_code))
    assert refused == []


@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/announcements", "/api/v1/steward/reports"])
def test_the_steward_routes_answer_a_steward(client, dq, path):
    response = client.get(path, headers=dq.headers["steward"])
    assert response.status_code == 200, response.json
    if path.endswith("/me"):
        assert response.json["role"] == "eps_support" and response.json["supervisees"] == []


def test_the_registry_cli_registers_a_steward_without_an_employee_id(app, runner):
    from sqlalchemy import select

    from mobile_service.extensions import db
    from mobile_service.models import User

    result = runner.invoke(args=["users", "add", "--email", "Dana.Steward@LACOE.edu", "--name", "Dana Steward",
                                 "--role", "eps_support", "--office", "LACOE EPS"])
    assert result.exit_code == 0, result.output
    assert "(eps_support)" in result.output
    listed = runner.invoke(args=["users", "list", "--role", "eps_support"])
    assert "dana.steward@lacoe.edu" in listed.output
    with app.app_context():
        user = db.session.execute(select(User).where(User.email == "dana.steward@lacoe.edu")).scalar_one()
        assert (user.role, user.dcfs_employee_id, user.active) == ("eps_support", None, True)


def test_a_steward_cannot_be_supervised(app, runner):
    runner.invoke(args=["users", "add", "--email", "boss@dcfs.lacounty.gov", "--name", "Boss", "--role", "scsw",
                        "--employee-id", "E900001"])
    result = runner.invoke(args=["users", "add", "--email", "s@lacoe.edu", "--name", "S", "--role", "eps_support",
                                 "--supervisor", "boss@dcfs.lacounty.gov"])
    assert result.exit_code != 0 and "only a csw can be supervised" in result.output
