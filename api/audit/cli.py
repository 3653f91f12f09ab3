"""``flask --app wsgi audit student <ssid> [--since DATE] [--format table|csv]``: the record of access."""
from __future__ import annotations

import datetime as dt
import json

import click
from flask.cli import AppGroup

from api.audit.service import iter_history
from api.report_cli import commit_before_showing, echo_report
from mobile_service import audit as audit_log
from mobile_service.identifiers import is_ssid
from mobile_service.student_lookup import find_student_by_ssid

COLUMNS = ("occurred_at", "user_id", "user_display_name", "user_email", "role", "action", "basis",
           "shown_in_list", "endpoint", "request_id", "client_request_id", "details")


def _cell(item: dict, column: str) -> str:
    value = item[column]
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    return str(value)


@click.group("audit", cls=AppGroup)
def audit_group() -> None:
    """Read the record of access (audit log)."""


@audit_group.command("student")
@click.argument("ssid")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Only events on or after this date (Los Angeles), YYYY-MM-DD.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv"]), default="table", show_default=True)
def audit_student(ssid: str, since: dt.datetime | None, fmt: str) -> None:
    """Print who accessed a student's record, newest first (this lookup is itself audited)."""
    if not is_ssid(ssid):
        raise click.BadParameter("must be a 10-digit SSID", param_hint="SSID")
    items = iter_history(ssid, since.date() if since else None)
    if items is None:
        raise click.ClickException("no student with this SSID")
    rows = [[_cell(item, c) for c in COLUMNS] for item in items]
    student = find_student_by_ssid(ssid)
    audit_log.record(None, "audit.view", student_id=student.id, ssid=student.ssid, basis="admin",
                     role="operator", details={"count": len(rows), "via": "cli", "format": fmt})
    commit_before_showing()
    echo_report(COLUMNS, rows, fmt, f"{len(rows)} event(s)")

commands = [audit_group]
