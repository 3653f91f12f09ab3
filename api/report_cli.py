"""Printing an audited report from the command line: audit first, then show (fail closed)."""
from __future__ import annotations

import csv
import sys
from collections.abc import Sequence

import click

from mobile_service import audit
from mobile_service.errors import APIError

# A cell starting with one of these is run as a formula by spreadsheets (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """A CSV cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def commit_before_showing() -> None:
    """Commit the report's audit row; if it cannot be recorded, stop before anything is shown."""
    try:
        audit.commit()
    except APIError as exc:
        raise click.ClickException(f"{exc.detail} Nothing was shown.") from exc


def echo_report(columns: Sequence[str], rows: Sequence[Sequence[str]], fmt: str, summary: str) -> None:
    """Print rows as CSV (formula-safe) or as an aligned table, with ``summary`` on stderr."""
    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[safe_cell(v) for v in row] for row in rows])
        return
    widths = [max([len(c)] + [len(r[i]) for r in rows]) for i, c in enumerate(columns)]
    click.echo("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for row in rows:
        click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    click.echo(summary, err=True)
