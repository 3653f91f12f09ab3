"""``flask --app wsgi <command>``: operational commands, each defined next to its code."""
from __future__ import annotations

import importlib

import click
from flask import Flask, current_app

# Modules exposing ``commands``: a list of click commands or groups to register.
COMMAND_MODULES: tuple[str, ...] = ("api.audit.commands", "api.manual_adds.commands", "auth.cli", "mobile_service.pilot.cli",
                                     "mobile_service.importing.cli", "mobile_service.importing.users_cli",
                                     "mobile_service.seed.cli")


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


def init_app(app: Flask) -> None:
    """Register every CLI command with the app."""
    app.cli.add_command(check_config)
    for name in COMMAND_MODULES:
        for command in importlib.import_module(name).commands:
            app.cli.add_command(command)
