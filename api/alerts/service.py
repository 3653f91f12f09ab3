"""Alerts service: scope, query, audit and one commit per request.

What is a disclosure: an item names a child (``student_key``) and says something about them
(``kind``), so every item shown, open or cleared, leaves a per-child audit row, written in the
read's transaction and committed before the answer (``audit.commit`` fails closed with a 503).
Marking seen discloses nothing; the team digest is counts per CSW with no child named (as the
supervisee list, which shows caseload sizes), so neither writes a child row.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from auth.principal import Principal
from mobile_service import audit, caseload_list, clock, scoping
from mobile_service.alerts import ALL_KINDS, feed
from mobile_service.errors import not_found
from mobile_service.extensions import db
from mobile_service.models import Alert, AlertSeen, Supervision, User
from mobile_service.pagination import paginate


def _caseload(principal: Principal) -> dict[int, caseload_list.Membership]:
    return caseload_list.caseload_members([(principal.user_id, principal.dcfs_employee_id)])[principal.user_id]


def _scope(name: str, principal: Principal, since: dt.datetime | None) -> str:
    return f"{name}:{principal.user_id}:{since.isoformat() if since else 'open'}"


def list_alerts(principal: Principal, *, since: dt.datetime | None, limit: int, cursor: str | None) -> dict[str, Any]:
    """One page of my alerts (changed after ``since``, or open now), oldest change first; audited per child."""
    now = clock.utcnow()
    members = _caseload(principal)
    page = paginate(feed.feed_select(principal, list(members), since), [Alert.changed_at, Alert.id],
                    limit=limit, cursor=cursor, scope=_scope("alerts", principal, since), user_id=principal.user_id)
    items = [feed.item(row) for row in page.rows]
    shown = [(row.student_id, _basis(members.get(row.student_id))) for row in page.rows]
    if shown:
        audit.record_list(principal, "alerts.view", shown=shown, basis="caseload",
                          details={"count": len(items), "kinds": sorted({i["kind"] for i in items}),
                                   "since": bool(since), "page": bool(cursor)})
    audit.commit()
    return {"items": items, "next_cursor": page.next_cursor, "next_since": now - feed.SETTLE}


def _basis(member: caseload_list.Membership | None) -> str:
    # On the caseload by the feed or by an add; an outcome of my own add of a student no longer on it.
    return "dcfs_assignment" if member is not None and member.assigned_in_feed else "caseload"


def mark_seen(principal: Principal, alert_ids: list[int]) -> dict[str, Any]:
    """Mark my alerts seen; any id that is not one of mine answers the identical 404 and marks nothing."""
    wanted = sorted(set(alert_ids))
    visible = feed.visible_ids(principal, list(_caseload(principal)), wanted)
    if visible != set(wanted):
        raise not_found()
    now = clock.utcnow()
    already = set(db.session.execute(select(AlertSeen.alert_id).where(
        AlertSeen.user_id == principal.user_id, AlertSeen.alert_id.in_(wanted))).scalars())
    fresh = [{"alert_id": i, "user_id": principal.user_id, "seen_at": now} for i in wanted if i not in already]
    if fresh:
        db.session.connection().execute(insert(AlertSeen), fresh)
    try:
        audit.commit()
    except IntegrityError:
        # A concurrent request of mine marked some of them first: they are seen, as asked.
        db.session.rollback()
    return {"alert_ids": wanted, "seen_at": now}


def team_digest(principal: Principal, *, since: dt.datetime | None, limit: int, cursor: str | None) -> dict[str, Any]:
    """My supervisees' new alerts (raised after ``since``, or open now), counted per CSW and kind."""
    now = clock.utcnow()
    links = (scoping.team(principal.user_id).with_only_columns(Supervision.worker_id).distinct().subquery())
    page = paginate(select(User.id, User.display_name, User.dcfs_employee_id).join(links, links.c.worker_id == User.id),
                    [User.display_name, User.id], limit=limit, cursor=cursor,
                    scope=_scope("alerts-team", principal, since), user_id=principal.user_id)
    members = caseload_list.caseload_members([(row.id, row.dcfs_employee_id) for row in page.rows])
    counts = feed.team_counts([(row.id, row.dcfs_employee_id, set(members.get(row.id, {}))) for row in page.rows],
                              since)
    items, team = [], dict.fromkeys(ALL_KINDS, 0)
    for row in page.rows:
        mine = {kind: counts[row.id].get(kind, 0) for kind in ALL_KINDS}
        for kind, n in mine.items():
            team[kind] += n
        items.append({"user_id": row.id, "display_name": row.display_name, "total": sum(mine.values()), "counts": mine})
    audit.commit()
    return {"items": items, "team": team, "next_cursor": page.next_cursor, "next_since": now - feed.SETTLE}
