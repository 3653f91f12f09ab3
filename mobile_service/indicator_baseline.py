"""The county baseline of the team indicators, stored once per data load and day (``IndicatorBaseline``).

The county's active foster youth are ~200,000 students: measured in seconds, far too slow per
request. The baseline only changes when a source is loaded (or the day turns), so it is keyed by
the freshness stamps (``indicators.data_stamp``) and the day, computed by the first request after
a load (or by ``flask indicators baseline`` right after the nightly loads, so no request waits)
and read from the table by every worker afterwards.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import click
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from mobile_service import clock, indicators
from mobile_service.extensions import db
from mobile_service.freshness import freshness
from mobile_service.models import IndicatorBaseline


def baseline(today: dt.date) -> dict[str, Any]:
    """The stored baseline for today's data, computed and stored first if there is none.

    Returns ``{"students": n, "counts": {key: [numerator, denominator] or None}, "computed_at": ...}``.
    The row is written in the caller's transaction (its one commit); two requests computing at once
    both succeed (the second insert does nothing).
    """
    stamp = indicators.data_stamp(freshness())
    row = db.session.execute(select(IndicatorBaseline.students, IndicatorBaseline.figures,
                                    IndicatorBaseline.computed_at)
                             .where(IndicatorBaseline.as_of == today, IndicatorBaseline.data_stamp == stamp)).first()
    if row is not None:
        return {"students": row.students, "counts": row.figures, "computed_at": row.computed_at}
    students, counts = indicators.county_counts(today)
    computed_at = clock.utcnow()
    values = {"as_of": today, "data_stamp": stamp, "computed_at": computed_at, "students": students,
              "figures": counts}
    connection = db.session.connection()
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    connection.execute(insert(IndicatorBaseline).values(values).on_conflict_do_nothing())
    return {"students": students, "counts": counts, "computed_at": computed_at}


@click.command("indicators-baseline")
@with_appcontext
def baseline_command() -> None:
    """Compute and store today's county baseline of the team indicators (run after the nightly loads)."""
    today = clock.today()
    figures = baseline(today)
    db.session.commit()
    counts = ", ".join(f"{key} {pair[0]}/{pair[1]}" if pair else f"{key} -" for key, pair in figures["counts"].items())
    click.echo(f"indicator baseline {today}: {figures['students']} active foster youth; {counts}")


commands = [baseline_command]
