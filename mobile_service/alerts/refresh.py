"""When the data changes, the stored alerts follow: after a load, and every day as the calendar moves."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from mobile_service import clock
from mobile_service.alerts import assignment_alerts, caseload_events, education_alerts, rights_holder_alerts
from mobile_service.extensions import db
from mobile_service.models import Student

# The import kinds whose rows feed the card's alerts, and the DCFS feed (assignments; holders
# are raised by the foster-status recompute the load runs).
EDUCATION_KINDS = ("enrollments", "attendance", "progress-reports")
DCFS_KIND = "dcfs-cases"


@dataclass(frozen=True)
class DailyResult:
    """What one daily refresh changed."""

    raised: int
    cleared: int


def after_load(kind: str, student_ids: Sequence[int]) -> tuple[int, int]:
    """Alerts of the students a load of ``kind`` touched, in the load's transaction (no commit)."""
    now, today = clock.utcnow(), clock.today()
    if kind in EDUCATION_KINDS:
        return education_alerts.refresh(student_ids, today, now)
    if kind == DCFS_KIND:
        # A case can put a student on a caseload: their card's alerts must be stored already.
        r1, c1 = assignment_alerts.refresh(student_ids, today, now)
        r2, c2 = education_alerts.refresh(student_ids, today, now)
        return r1 + r2, c1 + c2
    return 0, 0


def daily(now: dt.datetime | None = None) -> DailyResult:
    """Re-derive every student's alerts as of today (``flask recompute-status``); one commit.

    The rules read the calendar (30 days since a move, an exit dated today, Census Day, a new
    assignment no longer new), so the stored alerts are refreshed for every student, in slices;
    the manual adds the sweep just lapsed get their outcome alerts, and events older than 30 days
    are cleared.
    """
    today = clock.today() if now is None else clock.local_date(now)
    now = clock.utcnow() if now is None else now
    try:
        ids = list(db.session.connection().execute(select(Student.id)).scalars())
        raised, cleared = education_alerts.refresh(ids, today, now)
        for r, c in (assignment_alerts.refresh(assignment_alerts.candidates(today), today, now),
                     caseload_events.refresh_pairs(caseload_events.candidates(now), now)):
            raised, cleared = raised + r, cleared + c
        cleared += rights_holder_alerts.expire(now)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return DailyResult(raised=raised, cleared=cleared)
