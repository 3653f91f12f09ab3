"""The registry gate: Entra proves who someone is, the registry decides whether they may sign in.

Look-up is by ``(tid, oid)`` only. A person pre-registered by e-mail (no Entra ids yet) is bound
to the token's ``(tid, oid)`` once, at first sign-in, and the binding is audited; after that the
e-mail is never used again, so a renamed or recycled address cannot take over an account.

The binding is ONE conditional ``UPDATE ... WHERE entra_* IS NULL``, run before anything else
touches the user's row: two first sign-ins racing on two pods serialise on that row lock, the
loser's UPDATE matches nothing (PostgreSQL re-checks the condition after the winner commits)
and it reads the winner's binding. One bind, one ``user.bind`` row. (The old ORM write flushed
after the audit INSERT, whose foreign-key lock on the user row made the two writers deadlock.)
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select, update

from auth.entra import EntraIdentity
from auth.oauth import OAuthError
from mobile_service import audit, clock
from mobile_service.extensions import db
from mobile_service.models import User

NOT_ENROLLED = "user is not enrolled in the mobile service"
DEACTIVATED = "user account is deactivated"
ROLE_NOT_ALLOWED = "user role may not use this application"


def _by_entra_ids(tenant_id: str, object_id: str) -> User | None:
    return db.session.execute(
        # Tenant ids are stored lower-cased (they are GUIDs); the pair is the unique key.
        select(User).where(User.entra_tenant_id == tenant_id.lower(), User.entra_object_id == object_id)
    ).scalar_one_or_none()


def _unbound_by_email(email: str) -> User | None:
    return db.session.execute(
        select(User).where(func.lower(User.email) == email.lower(),
                           User.entra_tenant_id.is_(None), User.entra_object_id.is_(None))
    ).scalar_one_or_none()


def _bind_by_email(identity: EntraIdentity) -> User | None:
    """Bind the unbound user registered under the token's e-mail, exactly once; audit the bind."""
    candidate = _unbound_by_email(identity.email)
    if candidate is None:
        return _by_entra_ids(identity.tenant_id, identity.object_id)  # bound since our first look
    bound = db.session.execute(
        update(User)
        .where(User.id == candidate.id, User.entra_tenant_id.is_(None), User.entra_object_id.is_(None))
        .values(entra_tenant_id=identity.tenant_id.lower(), entra_object_id=identity.object_id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if bound == 1:
        audit.record(None, "user.bind", user_id=candidate.id, role=candidate.role,
                     details={"tenant_id": identity.tenant_id})
        db.session.refresh(candidate)
        return candidate
    # A concurrent first sign-in bound the account first: read the winner's (committed) binding.
    db.session.expire(candidate)
    return _by_entra_ids(identity.tenant_id, identity.object_id)


def resolve_user(identity: EntraIdentity, *, roles: Iterable[str] | None = None) -> User:
    """Find (or bind once) the registered user for a validated identity; refuse unknown/inactive.

    Adds the binding's audit row to the session and stamps sign-in times; the caller commits.
    """
    user = _by_entra_ids(identity.tenant_id, identity.object_id)
    if user is None and identity.email:
        user = _bind_by_email(identity)
    if user is None:
        raise OAuthError("invalid_request", NOT_ENROLLED, reason="not_enrolled")
    if not user.active:
        raise OAuthError("invalid_request", DEACTIVATED, reason="deactivated")
    if roles is not None and user.role not in set(roles):
        raise OAuthError("invalid_request", ROLE_NOT_ALLOWED, reason="role_not_allowed")
    now = clock.utcnow()
    if user.activated_at is None:
        user.activated_at = now
    user.last_sign_in_at = now
    return user


def user_for(identity: EntraIdentity) -> User | None:
    """The user already bound to an identity, without side effects (used after a lost race)."""
    return _by_entra_ids(identity.tenant_id, identity.object_id)
