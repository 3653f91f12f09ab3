"""GET /api/v1/me: allow-listed profile, supervisees for an SCSW."""
from __future__ import annotations

import datetime as dt

from mobile_service.extensions import db
from tests.factories import make_supervision, make_user

KEYS = {"id", "display_name", "email", "role", "office", "pilot_cohort", "dcfs_employee_id", "supervisees"}


def test_me_for_csw(app, client, ctx, token_for):
    user = make_user("csw", pilot_cohort="pomona-1", entra_object_id="secret-oid", entra_tenant_id="t")
    db.session.commit()
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token_for(user)}"})
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == KEYS
    assert body == {"id": user.id, "display_name": user.display_name, "email": user.email, "role": "csw",
                    "office": "Pomona", "pilot_cohort": "pomona-1", "dcfs_employee_id": user.dcfs_employee_id,
                    "supervisees": []}
    assert response.headers["Cache-Control"] == "no-store"


def test_me_for_scsw_lists_active_supervisees_only(app, client, ctx, token_for):
    boss = make_user("scsw")
    current = make_user("csw", display_name="Current Worker")
    ended = make_user("csw", display_name="Former Worker")
    inactive = make_user("csw", display_name="Gone Worker", active=False)
    make_supervision(boss, current)
    make_supervision(boss, ended, end_date=dt.date(2020, 1, 1))
    make_supervision(boss, inactive)
    db.session.commit()
    body = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token_for(boss)}"}).get_json()
    assert body["supervisees"] == [{"id": current.id, "display_name": "Current Worker"}]


def test_me_for_every_role(app, client, ctx, token_for):
    for role in ("csw", "scsw", "pilot_coordinator", "admin"):
        user = make_user(role)
        db.session.commit()
        response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token_for(user)}"})
        assert response.status_code == 200 and response.get_json()["role"] == role


def test_me_requires_token(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401 and response.headers["WWW-Authenticate"] == 'Bearer realm="lacoe-mobile"'


def test_me_is_documented(client):
    spec = client.get("/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/me"]["get"]
    assert operation["security"] == [{"bearerAuth": []}]
    assert "401" in operation["responses"]
