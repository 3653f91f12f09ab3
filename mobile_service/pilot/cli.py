"""``flask --app wsgi pilot ...``: create a cohort, enroll and unenroll participants, print status."""
from __future__ import annotations

import datetime as dt
import re

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from mobile_service import audit
from mobile_service.extensions import db
from mobile_service.models import FIELD_ROLES, PilotCohort, User

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,59}$")


def _cohort(name: str) -> PilotCohort:
    cohort = db.session.execute(select(PilotCohort).where(PilotCohort.name == name)).scalar_one_or_none()
    if cohort is None:
        raise click.ClickException(f"no cohort named {name!r} (create it with: pilot create-cohort)")
    return cohort


def _users(emails: tuple[str, ...]) -> list[User]:
    wanted = {e.strip().lower() for e in emails if e.strip()}
    users = list(db.session.execute(select(User).where(func.lower(User.email).in_(wanted))).scalars())
    missing = wanted - {u.email.lower() for u in users}
    if missing:
        raise click.ClickException("not registered (nothing changed): " + ", ".join(sorted(missing)))
    return users


pilot = AppGroup("pilot", help="Pilot cohorts and participants.")


@pilot.command("create-cohort")
@click.option("--name", required=True, help="Cohort name, e.g. pomona-2026-10")
@click.option("--start", "start", required=True, type=click.DateTime(formats=["%Y-%m-%d"]), help="First day (YYYY-MM-DD)")
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, 366))
@click.option("--target", default=50, show_default=True, type=click.IntRange(1, 100000))
@click.option("--office", "offices", multiple=True, help="Office taking part (repeatable)")
def create_cohort(name: str, start: dt.datetime, days: int, target: int, offices: tuple[str, ...]) -> None:
    """Create a pilot cohort."""
    if not NAME_RE.match(name):
        raise click.ClickException("the name must be 1-60 letters, digits, spaces, '.', '_' or '-'")
    if db.session.execute(select(PilotCohort.id).where(PilotCohort.name == name)).first():
        raise click.ClickException(f"a cohort named {name!r} already exists")
    offices_clean = [o.strip() for o in offices if o.strip()]
    if any(len(o) > 100 for o in offices_clean):
        raise click.ClickException("office names are at most 100 characters")
    db.session.add(PilotCohort(name=name, start_date=start.date(), length_days=days, target_participants=target,
                               offices=offices_clean))
    db.session.commit()
    click.echo(f"created cohort {name}: {start.date().isoformat()} for {days} days, target {target}, "
               f"offices: {', '.join(offices_clean) or '(none)'}")


@pilot.command("enroll")
@click.argument("emails", nargs=-1, required=True)
@click.option("--cohort", required=True, help="Cohort name")
def enroll(emails: tuple[str, ...], cohort: str) -> None:
    """Enroll registered CSWs/SCSWs (by e-mail) in a cohort; all or nothing."""
    target = _cohort(cohort)
    users = _users(emails)
    wrong_role = [u.email for u in users if u.role not in FIELD_ROLES]
    if wrong_role:
        raise click.ClickException("only csw and scsw users take part (nothing changed): " + ", ".join(wrong_role))
    for user in users:
        if user.pilot_cohort != target.name:
            audit.record(None, "user.change", user_id=None, role="cli",
                         details={"user_id": user.id, "field": "pilot_cohort", "from": user.pilot_cohort,
                                  "to": target.name})
            user.pilot_cohort = target.name
    db.session.commit()
    click.echo(f"enrolled {len(users)} user(s) in {target.name}")


@pilot.command("unenroll")
@click.argument("emails", nargs=-1, required=True)
def unenroll(emails: tuple[str, ...]) -> None:
    """Remove users (by e-mail) from their pilot cohort."""
    users = _users(emails)
    for user in users:
        if user.pilot_cohort is not None:
            audit.record(None, "user.change", user_id=None, role="cli",
                         details={"user_id": user.id, "field": "pilot_cohort", "from": user.pilot_cohort, "to": None})
            user.pilot_cohort = None
    db.session.commit()
    click.echo(f"unenrolled {len(users)} user(s)")


@pilot.command("status")
@click.option("--cohort", default=None, help="Cohort name (default: the latest)")
def status(cohort: str | None) -> None:
    """Print a cohort's headline figures."""
    from mobile_service.errors import APIError
    from mobile_service.pilot.kpis import summary
    from mobile_service.pilot.window import resolve_cohort, window_for

    try:
        found = resolve_cohort(cohort)
    except APIError as exc:
        raise click.ClickException(exc.detail) from exc
    data = summary(window_for(found))
    people = data["participants"]
    click.echo(f"{found.name}: {data['status']}, day {data['days_elapsed']} of {found.length_days}, "
               f"{data['days_left']} left")
    click.echo(f"enrolled {people['enrolled']}/{people['target']}, activated {people['activated']}")
    click.echo(f"feedback {data['feedback']['count']} (avg {data['feedback']['average_rating']}), "
               f"SUS {data['sus']['mean']} (n={data['sus']['questionnaires']}), open issues {data['issues']['open']}")


commands = [pilot]


@pilot.command("report")
@click.option("--cohort", default=None, help="Cohort name (default: the latest)")
@click.option("--format", "fmt", type=click.Choice(["md", "csv"]), default="md", show_default=True,
              help="Markdown document or CSV table (the same content as /pilot/report)")
def report(cohort: str | None, fmt: str) -> None:
    """Print the end-of-pilot evaluation: criteria, trend, offices compared, themes, app health."""
    from mobile_service.errors import APIError
    from mobile_service.pilot import report as evaluation
    from mobile_service.pilot import report_formats
    from mobile_service.pilot.window import resolve_cohort, window_for

    try:
        found = resolve_cohort(cohort)
    except APIError as exc:
        raise click.ClickException(exc.detail) from exc
    data = evaluation.build(window_for(found))
    # Audited like the dashboard's downloads; if the row cannot be written, nothing is shown.
    audit.record(None, "export", user_id=None, role="cli",
                 details={"table": f"pilot.report.{fmt}", "cohort": found.name})
    try:
        audit.commit()
    except APIError as exc:
        raise click.ClickException(f"{exc.detail} Nothing was shown.") from exc
    click.echo(report_formats.markdown(data) if fmt == "md" else report_formats.csv_text(data), nl=False)
