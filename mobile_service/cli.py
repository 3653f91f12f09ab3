"""``flask --app wsgi check-config``: the effective configuration (other commands: ``create_app``)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

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


commands = [check_config]
