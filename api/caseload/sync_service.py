"""Caseload sync service: one page of the sync, audited per child delivered, one commit."""
from __future__ import annotations

from typing import Any

from auth.principal import Principal
from mobile_service import audit, clock, usage
from mobile_service.freshness import freshness
from mobile_service.sync import feed


def changes(principal: Principal, *, since: str | None, cursor: str | None, limit: int) -> dict[str, Any]:
    """One page of the principal's own caseload sync (full without ``since``, else the changes since it).

    Every student whose record the page carries is a disclosure: one ``caseload.sync`` audit row
    names each of them, committed before the body leaves (fail closed). Tombstones carry no
    record data (a key and a reason) and are counted, not named.
    """
    page = feed.sync_page(principal, since=since, cursor=cursor, limit=limit)
    now = clock.utcnow()
    audit.record_list(principal, "caseload.sync", basis="caseload", shown=page.shown,
                      details={"kind": page.kind, "students": len(page.students), "tombstones": len(page.tombstones),
                               "page": bool(cursor), "last_page": page.next_cursor is None})
    usage.record_event("caseload_sync", principal, result_count=len(page.students), detail=page.kind)
    audit.commit()
    return {"kind": page.kind, "students": page.students, "tombstones": page.tombstones,
            "next_cursor": page.next_cursor, "sync_token": page.sync_token, "generated_at": now,
            "cache_until": feed.cache_until(now), "freshness": freshness()}
