"""``flask --app wsgi check-config``: the effective configuration (other commands: ``create_app``)."""
from __future__ import annotations

import click
from flask import current_app


@click.command("check-config")
def check_config() -> None:
    """Print the effective, non-secret configuration (secrets show as set/unset)."""
    secret_words = ("SECRET", "KEY", "TOKEN")
    for key in sorted(current_app.config):
        if not key.isupper():
            continue
        value = current_app.config[key]
        if any(word in key for word in secret_words) and not key.startswith(("APP_TOKEN_ISSUER", "APP_TOKEN_AUDIENCE", "APP_TOKEN_TTL", "TOKEN_RATE")):
            value = "<set>" if value else "<unset>"
        click.echo(f"{key}={value}")


commands = [check_config]
