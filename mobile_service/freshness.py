"""Data freshness: when each source (CALPADS, DCFS, district) was last loaded.

Every student-data response carries this stamp (``api.plumbing.FreshnessSchema``) so a CSW
knows how old what they see is.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from mobile_service.extensions import db
from mobile_service.models import SourceLoad

SOURCES = ("calpads", "dcfs", "district")


def freshness() -> dict[str, dt.datetime | None]:
    """The newest ``SourceLoad.loaded_at`` per source (one query); None for a source never loaded."""
    rows = db.session.execute(
        select(SourceLoad.source, func.max(SourceLoad.loaded_at))
        .where(SourceLoad.source.in_(SOURCES))
        .group_by(SourceLoad.source)
    ).all()
    stamps: dict[str, dt.datetime | None] = dict.fromkeys(SOURCES)
    for source, loaded_at in rows:
        stamps[source] = _aware(loaded_at)
    return stamps


def _aware(value) -> dt.datetime | None:
    # func.max() loses the column type on SQLite, which then returns a naive string/datetime.
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
