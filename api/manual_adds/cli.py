"""``flask --app wsgi caseload manual-adds [--state S] [--format table|csv]``: the report of manual adds."""
from __future__ import annotations

import datetime as dt

import click
from flask.cli import AppGroup

from api.manual_adds.service import STATES, iter_report
from api.report_cli import commit_before_showing, echo_report
from mobile_service import audit

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
    audit.record(None, "caseload.manual_adds.report", basis="admin", role="operator",
                 details={"count": len(rows), "state": state, "via": "cli", "format": fmt})
    commit_before_showing()
    if fmt == "table":
        rows = [row[:-1] + [row[-1].replace("\n", " ")[:60]] for row in rows]
    echo_report(COLUMNS, rows, fmt, f"{len(rows)} manual add(s)")

commands = [caseload_group]
