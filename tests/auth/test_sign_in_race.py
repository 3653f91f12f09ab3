"""Two (or more) first sign-ins of the same unbound user at the same moment (issue 18).

Measured on a fleet: 3 of 10 trials deadlocked (one sign-in got a 503), the other 7 wrote two
``user.bind`` audit rows. Now the binding is one conditional UPDATE: exactly one bind, one audit
row, every racer signed in, no deadlock. Real concurrent requests on PostgreSQL.
"""
from __future__ import annotations

import uuid

from sqlalchemy import select

from auth import registry_gate as registry
from mobile_service.extensions import db
from mobile_service.models import AuditEvent, RefreshFamily, User
from tests.auth.support import TENANT, exchange, register
from tests.concurrency import postgres_only, rendezvous, run_together

pytestmark = postgres_only


def _bind_audits(app) -> list[AuditEvent]:
    with app.app_context():
        rows = list(db.session.execute(select(AuditEvent).where(AuditEvent.action == "user.bind")).scalars())
        db.session.expunge_all()
        return rows


def _warm_keys(entra_app, idp) -> None:
    # One sign-in first, so the racers do not also race for the provider's keys.
    assert exchange(entra_app.test_client(), idp.token_for(register(entra_app))).status_code == 200


def test_racing_first_sign_ins_after_both_saw_the_unbound_user_bind_once(entra_app, idp, monkeypatch):
    """Both requests read the unbound row before either writes: the interleaving that deadlocked."""
    _warm_keys(entra_app, idp)
    user = register(entra_app, bound=False, email="race.worker@dcfs.lacounty.gov")
    oid = str(uuid.uuid4())
    tokens = [idp.token(oid=oid, preferred_username=user.email) for _ in range(2)]
    wait = rendezvous(2)
    real = registry._unbound_by_email

    def unbound_then_wait(email):
        found = real(email)
        wait()  # both have seen the account unbound; now both try to bind it
        return found

    monkeypatch.setattr(registry, "_unbound_by_email", unbound_then_wait)
    responses = run_together([lambda t=t: exchange(entra_app.test_client(), t) for t in tokens])
    assert [r.status_code for r in responses] == [200, 200], [r.get_json() for r in responses]
    [bind] = _bind_audits(entra_app)
    assert bind.user_id == user.id
    with entra_app.app_context():
        stored = db.session.get(User, user.id)
        assert (stored.entra_tenant_id, stored.entra_object_id) == (TENANT, oid)
        families = db.session.execute(select(RefreshFamily).where(RefreshFamily.user_id == user.id)).scalars().all()
        assert len(families) == 2  # two sessions, one binding


def test_many_simultaneous_first_sign_ins_bind_once(entra_app, idp):
    """Eight sign-ins of one unbound user released at once, no forced interleaving."""
    _warm_keys(entra_app, idp)
    user = register(entra_app, bound=False, email="crowd.worker@dcfs.lacounty.gov")
    oid = str(uuid.uuid4())
    tokens = [idp.token(oid=oid, preferred_username=user.email) for _ in range(8)]
    responses = run_together([lambda t=t: exchange(entra_app.test_client(), t) for t in tokens])
    assert [r.status_code for r in responses] == [200] * 8, [r.get_json() for r in responses]
    assert [a.user_id for a in _bind_audits(entra_app)] == [user.id]


def test_a_race_lost_to_another_identity_refuses_the_loser(entra_app, idp, monkeypatch):
    """Two Entra accounts presenting the same e-mail at once: the first binds, the other is not enrolled."""
    _warm_keys(entra_app, idp)
    user = register(entra_app, bound=False, email="shared.address@dcfs.lacounty.gov")
    oids = [str(uuid.uuid4()), str(uuid.uuid4())]
    wait = rendezvous(2)
    real = registry._unbound_by_email

    def unbound_then_wait(email):
        found = real(email)
        wait()
        return found

    monkeypatch.setattr(registry, "_unbound_by_email", unbound_then_wait)
    responses = run_together([lambda o=o: exchange(entra_app.test_client(), idp.token(oid=o, preferred_username=user.email))
                              for o in oids])
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 400], [r.get_json() for r in responses]
    refused = next(r for r in responses if r.status_code == 400)
    assert refused.get_json()["error_description"] == "user is not enrolled in the mobile service"
    [bind] = _bind_audits(entra_app)
    with entra_app.app_context():
        assert db.session.get(User, user.id).entra_object_id in oids
    assert bind.user_id == user.id
