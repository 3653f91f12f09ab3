"""Who may call the caseload, supervisee and access-history routes: 401, 403, 404 matrix."""

from __future__ import annotations

import pytest

from tests.api.caseload_helpers import (
    UNKNOWN_KEY,
    UNKNOWN_SSID,
    without_request_id,
)

# (method, url template, json body); {key} / {ssid} / {worker} are filled from the world.
ROUTES = [
    ("GET", "/api/v1/caseload", None),
    ("POST", "/api/v1/caseload", {"student_key": "{key}", "reason": "covering"}),
    ("DELETE", "/api/v1/caseload/{key}", None),
    ("GET", "/api/v1/supervisees", None),
    ("GET", "/api/v1/supervisees/{worker}/caseload", None),
    ("POST", "/api/v1/admin/access-history", {"ssid": "{ssid}"}),
]
ALLOWED = {
    "/api/v1/caseload": {"csw", "scsw"},
    "/api/v1/caseload/{key}": {"csw", "scsw"},
    "/api/v1/supervisees": {"scsw"},
    "/api/v1/supervisees/{worker}/caseload": {"scsw"},
    "/api/v1/admin/access-history": {"admin"},
}


def call(client, world, method, template, body, headers):
    url = template.format(key=world.key["assigned"], ssid=world.ssid["assigned"], worker=world.id["csw"])
    if body is not None:
        body = {k: v.format(key=world.key["assigned"], ssid=world.ssid["assigned"]) for k, v in body.items()}
    return client.open(url, method=method, json=body, headers=headers)


@pytest.mark.parametrize("role", ["csw", "scsw", "coordinator", "admin"])
def test_role_by_route(client, world, role):
    role_name = {"coordinator": "pilot_coordinator"}.get(role, role)
    for method, template, body in ROUTES:
        response = call(client, world, method, template, body, world.headers[role])
        if role_name in ALLOWED[template]:
            assert response.status_code != 403, (method, template, response.json)
        else:
            assert response.status_code == 403, (method, template)
            assert response.json["status"] == 403
            assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]


def test_unauthenticated(client, world):
    for method, template, body in ROUTES:
        for auth in (None, "Bearer not-a-token", "Basic dXNlcjpwYXNz", "Bearer ", world.headers["csw"]["Authorization"][:-4]):
            headers = {"Authorization": auth} if auth else {}
            response = call(client, world, method, template, body, headers)
            assert response.status_code == 401, (method, template, auth)
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
            assert response.headers["Content-Type"].startswith("application/problem+json")


def test_token_of_deactivated_user_is_refused(app, client, world):
    from mobile_service.extensions import db
    from mobile_service.models import User

    with app.app_context():
        db.session.get(User, world.id["csw"]).active = False
        db.session.commit()
    assert client.get("/api/v1/caseload", headers=world.headers["csw"]).status_code == 401


# --- supervisee caseload: relationship matrix ---------------------------------------------------

@pytest.mark.parametrize("actor, worker, allowed", [
    ("scsw", "csw", True),           # active supervision
    ("scsw", "peer", False),         # someone else's CSW
    ("scsw_other", "csw", False),    # unrelated supervisor
    ("scsw_ended", "csw", False),    # supervision ended
    ("scsw", "scsw", False),         # myself
    ("scsw", "unknown", False),      # no such user
    ("scsw", "huge", False),         # beyond int64
    ("scsw", "negative", False),
])
def test_supervisee_caseload_matrix(client, world, actor, worker, allowed):
    worker_id = {"unknown": 987654, "huge": 2**70, "negative": -1}.get(worker) or world.id.get(worker)
    reference = client.get("/api/v1/supervisees/987654/caseload", headers=world.headers[actor])
    response = client.get(f"/api/v1/supervisees/{worker_id}/caseload", headers=world.headers[actor])
    if allowed:
        assert response.status_code == 200
    else:
        assert response.status_code == 404
        assert without_request_id(response.json) == without_request_id(reference.json)


# --- own caseload routes: relationship matrix ----------------------------------------------------

@pytest.mark.parametrize("actor, student, outcome", [
    ("csw", "assigned", 204),      # DCFS-assigned: on my list
    ("csw", "added", 204),         # own caseload
    ("csw", "foreign", 404),       # a peer's student
    ("csw", "unrelated", 404),     # nobody's
    ("csw", "unknown", 404),       # does not exist
    ("scsw", "assigned", 204),     # supervisee's student: visible, not on my list -> no change
    ("scsw_other", "assigned", 404),
    ("scsw_ended", "assigned", 404),
])
def test_remove_matrix(app, client, world, actor, student, outcome):
    key = UNKNOWN_KEY if student == "unknown" else world.key[student]
    reference = client.delete(f"/api/v1/caseload/{UNKNOWN_KEY}", headers=world.headers[actor])
    response = client.delete(f"/api/v1/caseload/{key}", headers=world.headers[actor])
    assert response.status_code == outcome
    if outcome == 404:
        assert without_request_id(response.json) == without_request_id(reference.json)


def test_scsw_cannot_remove_from_supervisee_caseload(app, client, world):
    from tests.api.caseload_helpers import entries

    client.delete(f"/api/v1/caseload/{world.key['added']}", headers=world.headers["scsw"])
    [entry] = entries(app, world.id["csw"], world.student_id["added"])
    assert entry.removed_at is None  # the SCSW's DELETE touches only the SCSW's own list


def test_access_history_unknown_student_is_404(client, world):
    url = "/api/v1/admin/access-history"
    response = client.post(url, json={"ssid": UNKNOWN_SSID}, headers=world.headers["admin"])
    assert response.status_code == 404
    unknown_key = client.post(url, json={"student_key": UNKNOWN_KEY}, headers=world.headers["admin"])
    assert unknown_key.status_code == 404
    assert without_request_id(unknown_key.json) == without_request_id(response.json)
    malformed = client.post(url, json={"ssid": "12ab"}, headers=world.headers["admin"])
    assert malformed.status_code == 422
