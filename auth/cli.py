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
@click.option("--header", is_flag=True,
              help="Exchange the token at POST /auth/token (in process) and print the app token's "
                   "'Authorization: Bearer ...' header instead.")
def dev_token(email: str, lifetime: int, header: bool) -> None:
    """Print an Entra-shaped dev access token for a registered user (AUTH_MODE=dev only)."""
    if current_app.config["AUTH_MODE"] != "dev":
        raise click.ClickException("dev-token needs AUTH_MODE=dev (never available in production)")
    from auth.dev_issuer import dev_issuer

    user = db.session.execute(select(User).where(func.lower(User.email) == email.strip().lower())).scalar_one_or_none()
    if user is None:
        raise click.ClickException(f"no registered user with e-mail {email!r}")
    if not user.active:
        click.echo("warning: this user is deactivated; the exchange will refuse the token", err=True)
    entra_token = dev_issuer().token_for(user, lifetime=lifetime)
    if not header:
        click.echo(entra_token)
        return
    click.echo(f"Authorization: Bearer {_exchange_in_process(entra_token)}")


def _exchange_in_process(entra_token: str) -> str:
    """Run the real token exchange (the route, its checks and its audit) without a server."""
    db.session.remove()  # the exchange commits in its own request context
    response = current_app.test_client().post("/auth/token", data={
        "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
        "subject_token_type": "urn:ietf:params:oauth:token-type:access_token",
        "subject_token": entra_token,
    }, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    body = response.get_json(silent=True) or {}
    if response.status_code != 200:
        reason = body.get("error_description") or body.get("error") or response.status
        raise click.ClickException(f"the token exchange was refused: {reason}")
    return body["access_token"]


commands = [dev_token, keys]
