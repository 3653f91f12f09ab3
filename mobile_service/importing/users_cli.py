"""``flask --app wsgi users ...``: manage the EPS Portal user registry by hand.

Bulk changes go through ``flask --app wsgi import users FILE``; both paths use
:mod:`mobile_service.user_registry`, so deactivation ends sessions and every change is audited.
"""
from __future__ import annotations

import click
from flask.cli import AppGroup

from mobile_service import user_registry
from mobile_service.models import ROLES


def _fail(exc: Exception) -> None:
    click.echo(f"error: {exc}", err=True)
    raise click.exceptions.Exit(1)


@click.group("users", cls=AppGroup)
def users() -> None:
    """Manage registered users and supervision links."""


@users.command("add")
@click.option("--email", required=True, help="Work e-mail (the sign-in name; stored lower-cased).")
@click.option("--name", "display_name", required=True, help="Display name.")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--employee-id", default=None, help="DCFS employee id (required for csw and scsw).")
@click.option("--office", default=None, help="DCFS office, e.g. Pomona.")
@click.option("--cohort", default=None, help="Pilot cohort name.")
@click.option("--supervisor", default=None, help="E-mail of the supervising SCSW (csw only).")
def add(email: str, display_name: str, role: str, employee_id: str | None, office: str | None,
        cohort: str | None, supervisor: str | None) -> None:
    """Register a new active user."""
    try:
        user = user_registry.add_user(email=email, display_name=display_name, role=role, dcfs_employee_id=employee_id,
                                 office=office, pilot_cohort=cohort, supervisor_email=supervisor)
    except user_registry.RegistryError as exc:
        _fail(exc)
    click.echo(f"added user {user.id} {user.email} ({user.role})")


@users.command("list")
@click.option("--role", type=click.Choice(ROLES), default=None, help="Only users of this role.")
@click.option("--inactive", is_flag=True, help="Include inactive users.")
def list_(role: str | None, inactive: bool) -> None:
    """List users: id, e-mail, role, employee id, office, cohort, active, supervisor."""
    rows = user_registry.list_users(role=role, include_inactive=inactive)
    click.echo("id\temail\trole\temployee_id\toffice\tcohort\tactive\ttoken_version\tsupervisor")
    for user, supervisor in rows:
        click.echo("\t".join(str(v) if v is not None else "-" for v in (
            user.id, user.email, user.role, user.dcfs_employee_id, user.office, user.pilot_cohort,
            "yes" if user.active else "no", user.token_version, supervisor)))
    click.echo(f"{len(rows)} user(s)", err=True)


@users.command("deactivate")
@click.argument("email")
def deactivate(email: str) -> None:
    """Deactivate a user; their tokens and sessions stop working at once."""
    try:
        user = user_registry.deactivate_user(email)
    except user_registry.RegistryError as exc:
        _fail(exc)
    click.echo(f"deactivated {user.email}; sessions ended, token version now {user.token_version}")


@users.command("activate")
@click.argument("email")
def activate(email: str) -> None:
    """Re-activate a user (they sign in again)."""
    try:
        user = user_registry.activate_user(email)
    except user_registry.RegistryError as exc:
        _fail(exc)
    click.echo(f"activated {user.email}")


@users.command("set-supervisor")
@click.argument("worker_email")
@click.argument("supervisor_email")
def set_supervisor(worker_email: str, supervisor_email: str) -> None:
    """Make SUPERVISOR_EMAIL (an scsw) the supervisor of WORKER_EMAIL (a csw) from today."""
    try:
        user_registry.set_supervisor(worker_email, supervisor_email)
    except user_registry.RegistryError as exc:
        _fail(exc)
    click.echo(f"{worker_email.strip().lower()} is now supervised by {supervisor_email.strip().lower()}")


@users.command("end-supervision")
@click.argument("worker_email")
def end_supervision(worker_email: str) -> None:
    """End the current supervision link of WORKER_EMAIL now (not at midnight)."""
    try:
        user_registry.end_supervision(worker_email)
    except user_registry.RegistryError as exc:
        _fail(exc)
    click.echo(f"ended the supervision of {worker_email.strip().lower()}")


@users.command("bump-token-version")
@click.argument("email")
@click.option("--end-sessions", is_flag=True, help="Also end every sign-in session (full sign-out).")
def bump_token_version(email: str, end_sessions: bool) -> None:
    """Invalidate every app token of the user now."""
    try:
        user = user_registry.bump_token_version(email, end_sessions=end_sessions)
    except user_registry.RegistryError as exc:
        _fail(exc)
    click.echo(f"token version of {user.email} is now {user.token_version}"
               + ("; sessions ended" if end_sessions else ""))


commands = [users]
