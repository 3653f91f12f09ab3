"""Changes to the EPS Portal user registry: users, supervision links, session revocation.

The ``users`` CLI and the ``users`` import kind both go through these functions, so a
deactivation always ends the user's sessions at once and every change is audited. Functions
named ``*_user``/``set_*``/``end_*`` commit; the lower-level helpers never do.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from sqlalchemy import update

from mobile_service import audit, changelog, clock
from mobile_service import source_values as fields
from mobile_service.extensions import db
from mobile_service.models import ROLE_CSW, ROLE_SCSW, ROLES, RefreshFamily, Supervision, User
from mobile_service.models.sync import KIND_SCOPE

REVOKED_DEACTIVATED = "user_deactivated"
REVOKED_TOKEN_VERSION = "token_version_bumped"


class RegistryError(ValueError):
    """A registry change that is not allowed; the message says why."""


def find_user(email: str) -> User:
    """The user registered under ``email`` (case-insensitive)."""
    user = db.session.execute(db.select(User).where(User.email == email.strip().lower())).scalar_one_or_none()
    if user is None:
        raise RegistryError(f"no user is registered as {email.strip().lower()}")
    return user


def revoke_sessions(user_ids: Iterable[int], reason: str, now: dt.datetime) -> int:
    """End every open sign-in session (refresh family) of the users; returns how many (no commit)."""
    ids = sorted(set(user_ids))
    if not ids:
        return 0
    result = db.session.execute(
        update(RefreshFamily)
        .where(RefreshFamily.user_id.in_(ids), RefreshFamily.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
        .execution_options(synchronize_session=False))
    return result.rowcount


def end_open_links(*, worker_ids: Sequence[int] = (), supervisor_ids: Sequence[int] = (),
                   today: dt.date) -> int:
    """Close the open supervision links of these workers or supervisors at once (no commit).

    ``end_date`` is the last day a link is in force (``scoping.active_supervision_filter``), so a
    link ended today gets yesterday's date: ended, it gives no access for the rest of today
    either. A link started today and ended today thus ends before it starts: it never held.
    """
    last_day = today - dt.timedelta(days=1)
    ended: list[tuple[int, int]] = []
    for column, ids in ((Supervision.worker_id, worker_ids), (Supervision.supervisor_id, supervisor_ids)):
        if ids:
            ended += db.session.execute(
                update(Supervision).where(column.in_(sorted(set(ids))), Supervision.end_date.is_(None))
                .values(end_date=last_day).returning(Supervision.supervisor_id, Supervision.worker_id)
                .execution_options(synchronize_session=False)).all()
    note_scope_change(uid for pair in ended for uid in pair)
    return len(ended)


def note_scope_change(user_ids: Iterable[int]) -> None:
    """Tell the sync change log that these users' scope changed (a supervision began or ended); no commit."""
    changelog.record((None, KIND_SCOPE, uid) for uid in sorted(set(user_ids)))


def open_supervisor_id(worker_id: int) -> int | None:
    """The current supervisor of a worker, if any."""
    return db.session.execute(db.select(Supervision.supervisor_id).where(
        Supervision.worker_id == worker_id, Supervision.end_date.is_(None))
        .order_by(Supervision.start_date.desc(), Supervision.id.desc()).limit(1)).scalar_one_or_none()


def _audit(user: User, change: str, fields_changed: Iterable[str] = ()) -> None:
    audit.record(None, "user.change", details={"user_id": user.id, "change": change,
                                               "fields": sorted(fields_changed)})


def _check_supervisor(supervisor: User, worker: User) -> None:
    if worker.role != ROLE_CSW:
        raise RegistryError(f"only a csw can be supervised (the worker's role is {worker.role})")
    if supervisor.role != ROLE_SCSW:
        raise RegistryError(f"only an scsw can supervise (the supervisor's role is {supervisor.role})")
    if not supervisor.active:
        raise RegistryError("the supervisor is not active")
    if supervisor.id == worker.id:
        raise RegistryError("a user cannot supervise themself")


def add_user(*, email: str, display_name: str, role: str, dcfs_employee_id: str | None = None,
             office: str | None = None, pilot_cohort: str | None = None,
             supervisor_email: str | None = None) -> User:
    """Register a new active user (optionally under a supervisor) and commit."""
    try:
        email_clean = fields.email(email)
        name = fields.text(display_name, max_length=200)
        role_clean = fields.choice(role, ROLES, upper=False)
        employee_id = fields.employee_id(dcfs_employee_id or "", required=False)
        office_clean = fields.text(office or "", max_length=100, required=False)
        cohort = fields.text(pilot_cohort or "", max_length=60, required=False)
    except fields.FieldError as exc:
        raise RegistryError(str(exc)) from None
    if role_clean in (ROLE_CSW, ROLE_SCSW) and not employee_id:
        raise RegistryError(f"--employee-id is required for role {role_clean}")
    if db.session.execute(db.select(User.id).where(User.email == email_clean)).first():
        raise RegistryError(f"{email_clean} is already registered")
    if employee_id and db.session.execute(db.select(User.id).where(User.dcfs_employee_id == employee_id)).first():
        raise RegistryError(f"DCFS employee id {employee_id} already belongs to another user")
    user = User(email=email_clean, display_name=name, role=role_clean, dcfs_employee_id=employee_id,
                office=office_clean, pilot_cohort=cohort, active=True, token_version=1,
                created_at=clock.utcnow())
    db.session.add(user)
    db.session.flush()
    if supervisor_email:
        supervisor = find_user(supervisor_email)
        _check_supervisor(supervisor, user)
        db.session.add(Supervision(supervisor_id=supervisor.id, worker_id=user.id, start_date=clock.today()))
    _audit(user, "add", ["email", "display_name", "role", "dcfs_employee_id", "office", "pilot_cohort"]
           + (["supervisor"] if supervisor_email else []))
    db.session.commit()
    return user


def list_users(*, role: str | None = None, include_inactive: bool = False) -> list[tuple[User, str | None]]:
    """Users (active only unless asked) with their current supervisor's e-mail."""
    supervisor = db.aliased(User)
    query = (db.select(User, supervisor.email)
             .outerjoin(Supervision, (Supervision.worker_id == User.id) & Supervision.end_date.is_(None))
             .outerjoin(supervisor, supervisor.id == Supervision.supervisor_id)
             .order_by(User.email))
    if role:
        query = query.where(User.role == role)
    if not include_inactive:
        query = query.where(User.active.is_(True))
    return [(user, email) for user, email in db.session.execute(query)]


def deactivate_user(email: str) -> User:
    """Deactivate a user: bump the token version and end every session at once; commit."""
    user = find_user(email)
    if not user.active:
        raise RegistryError(f"{user.email} is already inactive")
    now = clock.utcnow()
    user.active = False
    user.token_version = User.token_version + 1
    revoke_sessions([user.id], REVOKED_DEACTIVATED, now)
    _audit(user, "deactivate", ["active", "token_version"])
    db.session.commit()
    return user


def activate_user(email: str) -> User:
    """Re-activate a user (sessions ended at deactivation stay ended); commit."""
    user = find_user(email)
    if user.active:
        raise RegistryError(f"{user.email} is already active")
    user.active = True
    _audit(user, "activate", ["active"])
    db.session.commit()
    return user


def set_supervisor(worker_email: str, supervisor_email: str) -> Supervision:
    """Make an SCSW the supervisor of a CSW from today, ending any previous link; commit."""
    worker, supervisor = find_user(worker_email), find_user(supervisor_email)
    _check_supervisor(supervisor, worker)
    if not worker.active:
        raise RegistryError("the worker is not active")
    if open_supervisor_id(worker.id) == supervisor.id:
        raise RegistryError("this supervision is already in place")
    today = clock.today()
    end_open_links(worker_ids=[worker.id], today=today)
    link = Supervision(supervisor_id=supervisor.id, worker_id=worker.id, start_date=today)
    db.session.add(link)
    db.session.flush()
    note_scope_change((worker.id, supervisor.id))
    _audit(worker, "set_supervisor", ["supervisor"])
    db.session.commit()
    return link


def end_supervision(worker_email: str) -> None:
    """End the worker's current supervision link now (the supervisor's next request is refused); commit."""
    worker = find_user(worker_email)
    if not end_open_links(worker_ids=[worker.id], today=clock.today()):
        raise RegistryError(f"{worker.email} has no current supervisor")
    _audit(worker, "end_supervision", ["supervisor"])
    db.session.commit()


def bump_token_version(email: str, *, end_sessions: bool = False) -> User:
    """Invalidate every app token of the user now, optionally ending their sessions too; commit."""
    user = find_user(email)
    user.token_version = User.token_version + 1
    if end_sessions:
        revoke_sessions([user.id], REVOKED_TOKEN_VERSION, clock.utcnow())
    _audit(user, "bump_token_version", ["token_version"] + (["sessions"] if end_sessions else []))
    db.session.commit()
    db.session.refresh(user)
    return user

