"""Reading the stored alerts: a worker's feed, one student's open alerts, a team's counts.

Visibility is the scoping rule (``scoping.visible_alert_filter``) over the caller's caseload list
(``caseload_list.caseload_members``). Nothing here raises or clears an alert. Items carry no
names: a student is the opaque ``student_key``, so a later push can forward an item as it is.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, and_, or_, select

from mobile_service import scoping
from mobile_service.extensions import db
from mobile_service.models import Alert, AlertSeen, Student
from mobile_service.models.alerts import AUDIENCE_CASELOAD, employee_audience, user_audience
from mobile_service.scoping import PrincipalLike

# Alerts are stamped by a clock reading just before their commit (``store._stamp_at_commit``),
# however long the load ran: a reader's ``since`` goes back this far for the last moments before
# the commit and for clock skew between servers (an item may come twice: items are keyed by id).
SETTLE = dt.timedelta(minutes=5)


def feed_select(principal: PrincipalLike, caseload_ids: Sequence[int], since: dt.datetime | None) -> Select:
    """The principal's alerts: changed after ``since`` (raised or cleared), or open now without it."""
    stmt = (select(Alert.id, Alert.student_id, Student.student_key, Alert.kind, Alert.raised_at, Alert.cleared_at,
                   AlertSeen.seen_at)
            .join(Student, Student.id == Alert.student_id)
            .outerjoin(AlertSeen, and_(AlertSeen.alert_id == Alert.id, AlertSeen.user_id == principal.user_id))
            .where(scoping.visible_alert_filter(principal, caseload_ids)))
    return stmt.where(Alert.changed_at > since) if since is not None else stmt.where(Alert.cleared_at.is_(None))


def item(row: Any) -> dict[str, Any]:
    """One feed item: no names, nothing a push could not carry."""
    return {"alert_id": row.id, "student_key": row.student_key, "kind": row.kind, "raised_at": row.raised_at,
            "cleared_at": row.cleared_at, "open": row.cleared_at is None, "seen_at": row.seen_at}


def open_alerts_of(student_id: int, principal: PrincipalLike) -> list[dict[str, Any]]:
    """The open alerts of one student the principal may see, oldest first, in one query.

    For the pre-visit brief and the offline sync: the caller has checked access to the student
    (and audits the disclosure); this reads the caseload's alerts and the principal's own.
    """
    audiences = [*scoping.alert_audiences(principal), user_audience(principal.user_id)]
    rows = db.session.execute(
        select(Alert.id, Alert.kind, Alert.raised_at)
        .where(Alert.student_id == student_id, Alert.audience.in_(audiences), Alert.cleared_at.is_(None))
        .order_by(Alert.raised_at, Alert.id)).all()
    return [{"alert_id": r.id, "kind": r.kind, "raised_at": r.raised_at} for r in rows]


def team_counts(workers: Sequence[tuple[int, str | None, set[int]]],
                since: dt.datetime | None) -> dict[int, Counter]:
    """Per worker ``(user_id, dcfs_employee_id, caseload student ids)``: their alerts counted by kind.

    The alerts raised after ``since`` (the open ones without it) that each worker's own feed shows.
    One query for the whole team.
    """
    students = set().union(*(ids for _, _, ids in workers)) if workers else set()
    audiences = {AUDIENCE_CASELOAD, *(employee_audience(emp) for _, emp, _ in workers if emp)}
    own = [user_audience(uid) for uid, _, _ in workers]
    stmt = select(Alert.student_id, Alert.kind, Alert.audience).where(
        or_(and_(Alert.student_id.in_(list(students)), Alert.audience.in_(list(audiences))), Alert.audience.in_(own)))
    stmt = stmt.where(Alert.raised_at > since) if since is not None else stmt.where(Alert.cleared_at.is_(None))
    rows = db.session.execute(stmt).all()
    counts: dict[int, Counter] = {}
    for uid, emp, ids in workers:
        mine = {AUDIENCE_CASELOAD, *([employee_audience(emp)] if emp else [])}
        counts[uid] = Counter(r.kind for r in rows
                              if (r.student_id in ids and r.audience in mine) or r.audience == user_audience(uid))
    return counts


def visible_ids(principal: PrincipalLike, caseload_ids: Sequence[int], alert_ids: Sequence[int]) -> set[int]:
    """Which of ``alert_ids`` the principal sees (open or cleared)."""
    rows = db.session.execute(select(Alert.id).where(
        Alert.id.in_(list(alert_ids)), scoping.visible_alert_filter(principal, caseload_ids))).scalars()
    return set(rows)
