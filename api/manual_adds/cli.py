"""``flask --app wsgi caseload manual-adds [--state S] [--format table|csv]``: the report of manual adds."""
from __future__ import annotations

import csv
import datetime as dt
import sys

import click
from flask.cli import AppGroup

from api.manual_adds.service import STATES, iter_report
from mobile_service import audit
from mobile_service.extensions import db

COLUMNS = ("add_id", "worker_id", "worker_email", "state", "age_days", "added_at", "expires_at", "removed_at",
           "reviewer_email", "reviewed_at", "reason")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return str(value)


@click.group("caseload", cls=AppGroup)
def caseload_group() -> None:
    """Caseload reports."""


@caseload_group.command("manual-adds")
@click.option("--state", type=click.Choice(STATES), default=None, help="Only adds in this (effective) state.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv"]), default="table", show_default=True)
def manual_adds_command(state: str | None, fmt: str) -> None:
    """Print every manual add, newest first: worker, state, age, expiry, reviewer, reason (audited)."""
    rows = [[_cell(item[c]) for c in COLUMNS] for item in iter_report(state)]
    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(COLUMNS)
        # Reasons are typed by workers: neutralise spreadsheet formulas.
        writer.writerows([[("'" + v) if v[:1] in "=+-@" else v for v in row] for row in rows])
    else:
        shown = [row[:-1] + [row[-1].replace("\n", " ")[:60]] for row in rows]
        widths = [max([len(c)] + [len(r[i]) for r in shown]) for i, c in enumerate(COLUMNS)]
        click.echo("  ".join(c.ljust(w) for c, w in zip(COLUMNS, widths)).rstrip())
        for row in shown:
            click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip())
        click.echo(f"{len(rows)} manual add(s)", err=True)
    audit.record(None, "caseload.manual_adds.report", basis="admin", role="operator",
                 details={"count": len(rows), "state": state, "via": "cli", "format": fmt})
    db.session.commit()


commands = [caseload_group]
