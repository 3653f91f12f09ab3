"""``flask --app wsgi dev-token EMAIL`` and ``flask --app wsgi keys ...`` (auth/keys_cli.py)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from auth.keys_cli import keys
from mobile_service.extensions import db
from mobile_service.models import User


@click.command("dev-token")
@with_appcontext
@click.argument("email")
@click.option("--lifetime", default=3600, show_default=True, type=click.IntRange(60, 86400),
              help="Token lifetime in seconds.")
def dev_token(email: str, lifetime: int) -> None:
    """Print an Entra-shaped dev access token for a registered user (AUTH_MODE=dev only)."""
    if current_app.config["AUTH_MODE"] != "dev":
        raise click.ClickException("dev-token needs AUTH_MODE=dev (never available in production)")
    from auth.dev_issuer import dev_issuer

    user = db.session.execute(select(User).where(func.lower(User.email) == email.strip().lower())).scalar_one_or_none()
    if user is None:
        raise click.ClickException(f"no registered user with e-mail {email!r}")
    if not user.active:
        click.echo("warning: this user is deactivated; the exchange will refuse the token", err=True)
    click.echo(dev_issuer().token_for(user, lifetime=lifetime))


commands = [dev_token, keys]
