"""``flask --app wsgi seed``: generate the synthetic data set and load it (or only write CSVs)."""
from __future__ import annotations

import time
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from mobile_service import clock
from mobile_service.extensions import db
from mobile_service.importing import ImportRejected
from mobile_service.models import Student
from tools.seed.loader import seed_database
from tools.seed.writer import DEFAULT_STUDENTS, MIN_STUDENTS, write_csvs


@click.command("seed")
@click.option("--students", default=DEFAULT_STUDENTS, show_default=True, type=click.IntRange(MIN_STUDENTS, 5_000_000),
              help="How many students (schools, workers and supervisors scale with it).")
@click.option("--seed", "seed", default=1, show_default=True, type=click.IntRange(0, 2**31 - 1),
              help="Random seed: the same seed, scale and day give byte-identical data.")
@click.option("--csv", "csv_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Only write <kind>.csv files into this directory; load nothing.")
@click.option("--second-week", "second_week", type=click.Path(file_okay=False, path_type=Path),
              help="With --csv: also write the next weekly load here, as snapshot files with rows deleted at "
                   "the source (withdrawn assignments and pre-enrollments) and a snapshots.txt of the loads.")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already holds students.")
@click.option("--progress/--no-progress", default=True, show_default=True, help="Report progress on big runs.")
@with_appcontext
def seed_command(students: int, seed: int, csv_dir: Path | None, second_week: Path | None, if_empty: bool,
                 progress: bool) -> None:
    """Generate realistic fictitious LA County data (students, schools, workers, demo users, pilot)."""
    started = time.perf_counter()
    if second_week is not None and csv_dir is None:
        raise click.UsageError("--second-week needs --csv (it writes files, it loads nothing)")
    if csv_dir is not None:
        counts = write_csvs(csv_dir, students=students, seed=seed, today=clock.today(), second_week=second_week)
        week2 = {k.removeprefix("week2_"): counts.pop(k) for k in list(counts) if k.startswith("week2_")}
        for kind, rows in counts.items():
            click.echo(f"{csv_dir / (kind + '.csv')}: {rows} rows")
        click.echo(f"wrote {sum(counts.values())} rows in {time.perf_counter() - started:.1f}s")
        if second_week is not None:
            click.echo(f"week 2 in {second_week}: {week2['files']} snapshot files; removed at the source: "
                       f"{week2['assignments_withdrawn']} DCFS assignments, {week2['pre_enrollments_withdrawn']} "
                       "pre-enrollments. Load each line of snapshots.txt with: "
                       "flask --app wsgi import KIND FILE --snapshot SCOPE")
        return
    if if_empty and db.session.execute(select(Student.id).limit(1)).first() is not None:
        click.echo("seed: the database already holds students; nothing to do (--if-empty)")
        return
    try:
        seed_database(students=students, seed=seed, echo=click.echo, progress=progress and students >= 50_000)
    except ImportRejected as exc:  # a generator bug, never bad user input: show it plainly
        for message in exc.errors:
            click.echo(message, err=True)
        raise click.ClickException("the importer rejected generated data; nothing more was loaded") from None
    click.echo(f"seed: {students} students loaded in {time.perf_counter() - started:.1f}s")


commands = [seed_command]
