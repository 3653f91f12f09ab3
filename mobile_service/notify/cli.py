"""``flask --app wsgi outbox deliver|status``: the stewards' notices (RUNBOOK "Steward notices")."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from mobile_service.notify import outbox


@click.group("outbox")
def outbox_group() -> None:
    """Notices queued by the service (data-quality reports to EPS support)."""


@outbox_group.command("deliver")
@with_appcontext
def deliver() -> None:
    """Send the due notices once; exit 1 if the relay failed (the rows wait for their retry)."""
    result = outbox.deliver()
    if result.error is not None:
        click.echo(f"delayed {result.retried} notice(s): {result.error}; next try at "
                   f"{result.next_attempt_at:%Y-%m-%dT%H:%M:%SZ}", err=True)
        raise SystemExit(1)
    click.echo(f"due {result.due}, sent {result.sent} to {result.recipients} steward(s)"
               + (f", {len(result.refused)} address(es) refused" if result.refused else ""))


@outbox_group.command("status")
@click.option("--max-age", type=click.IntRange(min=1), default=None,
              help="Exit 1 if the oldest pending notice is older than this many seconds (monitoring).")
@with_appcontext
def status(max_age: int | None) -> None:
    """Print the pending notices: count, oldest age, most attempts, last error (no student data)."""
    summary = outbox.pending_summary()
    click.echo(" ".join(f"{key}={value}" for key, value in summary.items()))
    if max_age is not None and summary["pending"] and summary["oldest_age_seconds"] > max_age:
        raise SystemExit(1)


commands = [outbox_group]
