"""The county baseline of the team indicators, stored once per data load and day (``IndicatorBaseline``).

The county's active foster youth are tens of thousands of students: ~0.2 ms each on PostgreSQL,
seconds in all, far too slow per request. The baseline only changes when a source is loaded or
the day turns, so it is keyed by the freshness stamps (``indicators.data_stamp``) and the day,
computed by ``flask indicators-baseline`` right after the nightly loads (infra/RUNBOOK.md), and
read from the table by every worker. A request that finds no row for today's loads computes it
itself only while the population is small enough to stay well inside the request timeout
(``INLINE_MAX_STUDENTS``); beyond that it shows the newest stored baseline, labelled with its day
and ``current: false``, rather than hold a worker for a minute (fail safe: degraded, not down).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from mobile_service import clock, indicators
from mobile_service.extensions import db
from mobile_service.freshness import freshness
from mobile_service.models import FOSTER_ACTIVE, IndicatorBaseline, Student

# ~5 s on PostgreSQL (bench of 10,107 active students: 2.2 s); gunicorn's timeout is 30 s.
INLINE_MAX_STUDENTS = 25_000

_COLUMNS = (IndicatorBaseline.as_of, IndicatorBaseline.students, IndicatorBaseline.figures,
            IndicatorBaseline.computed_at)


def _found(row, *, current: bool) -> dict[str, Any]:
    return {"as_of": row.as_of, "students": row.students, "counts": row.figures, "computed_at": row.computed_at,
            "current": current}


def baseline(today: dt.date, *, compute: bool | None = None) -> dict[str, Any]:
    """Today's baseline: stored, else computed and stored (small county or ``compute``), else the newest stored.

    Returns ``{"as_of", "students", "counts": {key: [numerator, denominator] or None}, "computed_at",
    "current"}``; ``current`` is false for an older baseline (or none: counts all None). The row
    is written in the caller's transaction (its one commit); two requests computing at once both
    succeed (the second insert does nothing).
    """
    stamp = indicators.data_stamp(freshness())
    row = db.session.execute(select(*_COLUMNS).where(IndicatorBaseline.as_of == today,
                                                     IndicatorBaseline.data_stamp == stamp)).first()
    if row is not None:
        return _found(row, current=True)
    if compute is None:
        active = db.session.execute(select(func.count()).select_from(Student)
                                    .where(Student.foster_status == FOSTER_ACTIVE)).scalar_one()
        compute = active <= INLINE_MAX_STUDENTS
    if not compute:
        older = db.session.execute(select(*_COLUMNS).order_by(IndicatorBaseline.as_of.desc(),
                                                              IndicatorBaseline.computed_at.desc()).limit(1)).first()
        if older is not None:
            return _found(older, current=False)
        return {"as_of": None, "students": None, "counts": dict.fromkeys(i.key for i in indicators.INDICATORS),
                "computed_at": None, "current": False}
    students, counts = indicators.county_counts(today)
    computed_at = clock.utcnow()
    values = {"as_of": today, "data_stamp": stamp, "computed_at": computed_at, "students": students,
              "figures": counts}
    connection = db.session.connection()
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    connection.execute(insert(IndicatorBaseline).values(values).on_conflict_do_nothing())
    return {"as_of": today, "students": students, "counts": counts, "computed_at": computed_at, "current": True}

