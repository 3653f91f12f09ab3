"""Client event use case: scrub, merge by kind + signature, keep the occurrence, one commit.

A resend (same user, same ``report_id``) changes nothing, also when both copies arrive at once
(the unique key refuses the second). Two first reports of a new signature racing each other
both land on one signature row: the loser of the unique insert reads the winner's row (a
savepoint keeps the rest of the transaction), and the row is locked while its counts change.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from auth.principal import Principal
from mobile_service import audit, clock
from mobile_service.extensions import db
from mobile_service.models import ClientEvent, ClientEventSignature
from mobile_service.models.client_events import COUNT_CEILING
from mobile_service.pilot.client_event_rules import scrub


def _signature_row(kind: str, signature: str, when: dt.datetime) -> tuple[ClientEventSignature, bool]:
    """The merged row of ``kind`` + ``signature`` (created if new); and whether it existed."""
    query = select(ClientEventSignature).where(ClientEventSignature.kind == kind,
                                               ClientEventSignature.signature == signature)
    row = db.session.execute(query.with_for_update()).scalar_one_or_none()
    if row is not None:
        return row, True
    row = ClientEventSignature(kind=kind, signature=signature, first_seen=when, last_seen=when, occurrences=0,
                               reports=0)
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:  # a concurrent first report created it
        return db.session.execute(query.with_for_update()).scalar_one(), True
    return row, False


def record(principal: Principal, *, report_id: str, device_id: str, kind: str, occurred_at: dt.datetime,
           app_version: str, platform: str, os_version: str, signature: str, count: int = 1,
           screen: str | None = None, error_code: str | None = None, message: str | None = None,
           request_id: str | None = None, duration_ms: int | None = None) -> dict[str, Any]:
    """Store one report, merged into its signature; a resend of the same ``report_id`` is a no-op."""
    del device_id  # the per-device quota used it; it is not kept
    received = clock.utcnow()
    report_id = report_id.lower()
    previous = db.session.execute(select(ClientEvent.received_at).where(
        ClientEvent.user_id == principal.user_id, ClientEvent.report_id == report_id)).scalar()
    if previous is not None:
        return {"report_id": report_id, "kind": kind, "received_at": previous, "merged": True, "duplicate": True}
    when = occurred_at.astimezone(dt.UTC)
    merged_row, merged = _signature_row(kind, signature, when)
    try:
        with db.session.begin_nested():
            db.session.add(ClientEvent(
                signature_id=merged_row.id, user_id=principal.user_id, report_id=report_id, kind=kind,
                occurred_at=when, received_at=received, app_version=app_version, platform=platform,
                os_version=os_version, screen=screen, error_code=error_code, request_id=request_id,
                duration_ms=duration_ms, count=count))
    except IntegrityError:  # the same report, sent twice at once: the other copy was stored
        db.session.rollback()
        return {"report_id": report_id, "kind": kind, "received_at": received, "merged": True, "duplicate": True}
    # Saturating sums (the row is locked): an overflow would fail every later report of it.
    merged_row.occurrences = min(merged_row.occurrences + count, COUNT_CEILING)
    merged_row.reports = min(merged_row.reports + 1, COUNT_CEILING)
    merged_row.first_seen = min(merged_row.first_seen, when)
    if when >= merged_row.last_seen:
        merged_row.last_seen = when
        merged_row.error_code, merged_row.screen = error_code, screen
        merged_row.message = scrub(message) if message else merged_row.message
    audit.commit()
    return {"report_id": report_id, "kind": kind, "received_at": received, "merged": merged, "duplicate": False}
