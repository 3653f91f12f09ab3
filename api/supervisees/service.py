"""Supervisee service: an SCSW's active team, their caseload sizes and read-only caseloads."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from auth.principal import Principal
from mobile_service import audit, caseload_list, clock, scoping
from mobile_service.caseload_cards import card_page
from mobile_service.errors import not_found
from mobile_service.extensions import db
from mobile_service.freshness import freshness
from mobile_service.models import Supervision, User
from mobile_service.pagination import paginate

# users.id is a 32-bit INTEGER: a larger id would overflow on PostgreSQL (500), so it is simply unknown.
USER_ID_MAX = 2**31 - 1


def list_supervisees(principal: Principal, *, limit: int, cursor: str | None) -> dict[str, Any]:
    """CSWs under the principal's active supervision, with caseload size and flagged adds."""
    # The team (scoping.team), one row per CSW with the start of their earliest active link.
    links = (scoping.team(principal.user_id)
             .with_only_columns(Supervision.worker_id, func.min(Supervision.start_date).label("start"))
             .group_by(Supervision.worker_id).subquery())
    page = paginate(
        select(User.id, User.display_name, User.email, User.office, User.dcfs_employee_id, links.c.start)
        .join(links, links.c.worker_id == User.id),
        [User.display_name, User.id], limit=limit, cursor=cursor,
        scope=f"supervisees:{principal.user_id}", user_id=principal.user_id,
    )
    members = caseload_list.caseload_members([(row.id, row.dcfs_employee_id) for row in page.rows])
    items = []
    for row in page.rows:
        caseload = members.get(row.id, {})
        items.append({
            "user_id": row.id, "display_name": row.display_name, "email": row.email, "office": row.office,
            "supervision_start": row.start, "caseload_size": len(caseload),
            "flagged_adds": sum(1 for m in caseload.values() if m.entry is not None and m.entry.flagged),
        })
    audit.commit()
    return {"items": items, "next_cursor": page.next_cursor}


def supervisee_caseload(principal: Principal, worker_id: int, *, limit: int, cursor: str | None) -> dict[str, Any]:
    """A supervisee's caseload cards, read-only, with flagged adds; 404 unless actively supervised."""
    worker = None
    if 0 < worker_id <= USER_ID_MAX:
        worker = db.session.execute(
            scoping.supervisees(principal).where(User.id == worker_id).limit(1)
        ).scalar_one_or_none()
    if worker is None:
        raise not_found()
    members = caseload_list.caseload_members([(worker.id, worker.dcfs_employee_id)])[worker.id]
    cards, next_cursor, shown = card_page(members, today=clock.today(), limit=limit, cursor=cursor,
                                          scope=f"supervisee-caseload:{worker.id}", user_id=principal.user_id)
    payload = {"worker_id": worker.id, "items": cards, "total": len(members), "next_cursor": next_cursor,
               "freshness": freshness()}
    audit.record_list(principal, "caseload.view", basis="supervision", shown=[(i, "supervision") for i in shown],
                      details={"worker_id": worker.id, "count": len(cards), "total": len(members),
                               "flagged": sum(1 for c in cards if c["flagged"])},
                      usage_event=("caseload_view", {"result_count": len(cards), "detail": "supervisee"}))
    audit.commit()
    return payload
