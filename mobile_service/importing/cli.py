"""``flask --app wsgi import <kind> FILE``: load one source file (see docs and data.md)."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from mobile_service.importing.runner import KINDS, recompute_statuses, run_import
from mobile_service.importing.source import ImportRejected


@click.command("import")
@click.argument("kind", type=click.Choice(list(KINDS)))
@click.argument("file", type=click.Path(dir_okay=False, path_type=str))
@click.option("--max-errors", default=50, show_default=True, type=click.IntRange(1, 10_000),
              help="How many bad rows to list before summarising the rest.")
@click.option("--progress/--no-progress", default=True, show_default=True,
              help="Show a progress bar on stderr for files over 10,000 lines.")
@click.option("--snapshot", "scope", default=None, metavar="SCOPE",
              help="FILE is the whole truth for SCOPE: remove the scope's rows it no longer has. SCOPE is "
                   "district=CCDDDDD:YYYY-YY (7-digit county-district code, academic year) for enrollments, "
                   "attendance and progress-reports, 'all' for dcfs-cases.")
@click.option("--allow-mass-delete", is_flag=True, default=False,
              help="Confirm a snapshot that removes more than the limit's share of its scope.")
@click.option("--max-delete-percent", default=None, type=click.IntRange(0, 100), metavar="PERCENT",
              help="The mass-delete limit of this run [default: IMPORT_SNAPSHOT_MAX_DELETE_PERCENT, 20].")
@with_appcontext
def import_command(kind: str, file: str, max_errors: int, progress: bool, scope: str | None,
                   allow_mass_delete: bool, max_delete_percent: int | None) -> None:
    """Validate FILE completely and load it in one transaction (all or nothing)."""
    if (allow_mass_delete or max_delete_percent is not None) and scope is None:
        raise click.UsageError("--allow-mass-delete and --max-delete-percent only apply with --snapshot")
    try:
        result = run_import(kind, file, progress=progress, max_errors=max_errors, snapshot=scope,
                            allow_mass_delete=allow_mass_delete, max_delete_percent=max_delete_percent)
    except ImportRejected as exc:
        for message in exc.errors:
            click.echo(message, err=True)
        click.echo(f"rejected: {file} was not loaded; the database is unchanged", err=True)
        raise click.exceptions.Exit(1) from None
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    removed = f", {result.deleted} removed (snapshot {result.snapshot})" if result.snapshot else ""
    click.echo(f"{kind}: {result.total} rows: {result.inserted} inserted, {result.updated} updated, "
               f"{result.unchanged} unchanged{removed} (source load {result.source_load_id})")


@click.command("recompute-status")
@with_appcontext
def recompute_status_command() -> None:
    """Re-derive foster status from DCFS cases as of today, confirm and lapse manual adds, refresh alerts, prune the sync log, store the indicator baseline (daily)."""
    from mobile_service import changelog, clock, manual_adds
    from mobile_service.alerts import refresh as alert_refresh
    from mobile_service.extensions import db
    from mobile_service.indicator_baseline import baseline

    changed = recompute_statuses()
    click.echo(f"foster status: {changed} students changed")
    swept = manual_adds.sweep()
    click.echo(f"manual adds: {swept.confirmed} confirmed by the DCFS feed, {swept.lapsed} lapsed")
    alerts = alert_refresh.daily()
    click.echo(f"alerts: {alerts.raised} raised, {alerts.cleared} cleared")
    click.echo(f"sync change log: {changelog.prune()} rows past retention removed")
    # The new day's county baseline of the team indicators, so a night without loads still has one.
    figures = baseline(clock.today(), compute=True)
    db.session.commit()
    click.echo(f"indicator baseline: {figures['students']} active foster youth")


commands = [import_command, recompute_status_command]
