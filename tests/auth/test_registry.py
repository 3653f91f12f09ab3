"""The registry gate: look-up by (tid, oid) only, one audited e-mail binding, refusals with stable
descriptions, activation/sign-in stamps and usage events."""
from __future__ import annotations

import uuid

from sqlalchemy import select

from mobile_service.extensions import db
from mobile_service.models import AuditEvent, UsageEvent, User
from tests.auth.support import TENANT, exchange, register


def test_unregistered_user_is_refused_with_stable_description(eclient, idp):
    response = exchange(eclient, idp.token(oid=str(uuid.uuid4()), preferred_username="stranger@example.org"))
    assert response.status_code == 400
    assert response.get_json() == {"error": "invalid_request",
                                   "error_description": "user is not enrolled in the mobile service"}


def test_inactive_user_is_refused(entra_app, eclient, idp):
    user = register(entra_app, active=False)
    response = exchange(eclient, idp.token_for(user))
    assert response.get_json() == {"error": "invalid_request", "error_description": "user account is deactivated"}


def test_email_binding_happens_once_and_is_audited(entra_app, eclient, idp):
    user = register(entra_app, "scsw", bound=False, email="pat.worker@dcfs.lacounty.gov")
    oid = str(uuid.uuid4())
    response = exchange(eclient, idp.token(oid=oid, preferred_username="Pat.Worker@DCFS.lacounty.gov"))
    assert response.status_code == 200, response.get_json()
    with entra_app.app_context():
        stored = db.session.get(User, user.id)
        assert (stored.entra_tenant_id, stored.entra_object_id) == (TENANT, oid)
        assert stored.activated_at is not None and stored.last_sign_in_at is not None
        audits = db.session.execute(select(AuditEvent)).scalars().all()
        assert [(a.action, a.user_id, a.role) for a in audits] == [("user.bind", user.id, "scsw")]
        first_activation = stored.activated_at
    # Later sign-ins use (tid, oid) only: no second binding, e-mail claims are irrelevant.
    assert exchange(eclient, idp.token(oid=oid, preferred_username="renamed@example.org")).status_code == 200
    # Another Entra account presenting the same e-mail is NOT matched again (account takeover).
    other = exchange(eclient, idp.token(oid=str(uuid.uuid4()), preferred_username="pat.worker@dcfs.lacounty.gov"))
    assert other.get_json()["error_description"] == "user is not enrolled in the mobile service"
    with entra_app.app_context():
        assert db.session.execute(select(AuditEvent)).scalars().all().__len__() == 1
        assert db.session.get(User, user.id).activated_at == first_activation


def test_email_and_upn_claims_also_bind(entra_app, eclient, idp):
    from tests.auth.support import DROP

    a = register(entra_app, bound=False, email="a.worker@dcfs.lacounty.gov")
    b = register(entra_app, bound=False, email="b.worker@dcfs.lacounty.gov")
    assert exchange(eclient, idp.token(preferred_username=DROP, email=a.email)).status_code == 200
    assert exchange(eclient, idp.token(preferred_username=DROP, upn=b.email)).status_code == 200


def test_same_oid_in_another_tenant_is_another_person(entra_app, eclient, idp):
    user = register(entra_app)
    response = exchange(eclient, idp.token(tid="33333333-3333-3333-3333-333333333333", oid=user.entra_object_id))
    assert response.status_code == 400  # tenant not allowed in the first place


def test_inactive_user_matching_by_email_is_not_bound(entra_app, eclient, idp):
    user = register(entra_app, bound=False, active=False, email="gone@dcfs.lacounty.gov")
    response = exchange(eclient, idp.token(preferred_username=user.email))
    assert response.get_json()["error_description"] == "user account is deactivated"
    with entra_app.app_context():
        assert db.session.get(User, user.id).entra_object_id is None
        assert db.session.execute(select(AuditEvent)).first() is None


def test_usage_events_for_sign_in(entra_app, eclient, idp):
    user = register(entra_app)
    exchange(eclient, idp.token_for(user))
    exchange(eclient, idp.token(preferred_username="nobody@example.org"))
    with entra_app.app_context():
        events = [(e.event, e.user_id, e.role, e.detail)
                  for e in db.session.execute(select(UsageEvent).order_by(UsageEvent.id)).scalars()]
    assert events == [("sign_in", user.id, "csw", None), ("sign_in_failed", None, None, "not_enrolled")]
