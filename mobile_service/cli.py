"""``flask --app wsgi check-config`` (the effective configuration) and ``indicators-baseline`` (other commands: ``create_app``)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from mobile_service import clock
from mobile_service.extensions import db
from mobile_service.indicator_baseline import baseline

SECRET_WORDS = ("SECRET", "KEY", "TOKEN", "PASSWORD")
NOT_SECRET = ("APP_TOKEN_ISSUER", "APP_TOKEN_AUDIENCE", "APP_TOKEN_TTL", "TOKEN_RATE")


def shown_value(key: str, value: object) -> object:
    """A setting as check-config prints it: secrets as set/unset, URLs without their password."""
    if any(word in key for word in SECRET_WORDS) and not key.startswith(NOT_SECRET):
        return "<set>" if value else "<unset>"
    if isinstance(value, str) and "://" in value and "@" in value:
        try:
            # Database and Redis URLs may carry credentials (REDIS_URL, SQLALCHEMY_DATABASE_URI).
            return make_url(value).render_as_string(hide_password=True)
        except ArgumentError:
            return "<set: a URL with credentials>"
    return value


@click.command("check-config")
@with_appcontext
def check_config() -> None:
    """Print the effective, non-secret configuration (secrets show as set/unset, URL passwords as ***)."""
    for key in sorted(current_app.config):
        if key.isupper():
            click.echo(f"{key}={shown_value(key, current_app.config[key])}")


@click.command("indicators-baseline")
@with_appcontext
def baseline_command() -> None:
    """Compute and store today's county baseline of the team indicators (run after the nightly loads)."""
    today = clock.today()
    figures = baseline(today, compute=True)
    db.session.commit()
    counts = ", ".join(f"{key} {pair[0]}/{pair[1]}" if pair else f"{key} -" for key, pair in figures["counts"].items())
    click.echo(f"indicator baseline {today}: {figures['students']} active foster youth; {counts}")


commands = [check_config, baseline_command]
