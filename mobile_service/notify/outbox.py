"""The outbox of notices to EPS support stewards: queued with the report, delivered by a job.

A data-quality report writes an ``outbox_messages`` row in its own transaction (so the notice
exists exactly when the report does) and answers at once: the report never waits on SMTP.
``flask outbox deliver`` (a Kubernetes CronJob, every minute: RUNBOOK "Steward notices") takes
the due rows, sends every active steward ONE notice carrying only counts and the queue's link,
and marks them sent. If the relay is down, each row is rescheduled with exponential backoff
(``OUTBOX_RETRY_BASE_SECONDS`` doubling, capped at ``OUTBOX_RETRY_MAX_SECONDS``) and retried
until it is sent: nothing is dropped. Delivery is at least once: if the commit after a send
fails, the next run sends the notice again (a repeated count, never a lost one). Concurrent
runs skip each other's rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL).
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import func, select

from mobile_service import clock
from mobile_service.extensions import db
from mobile_service.models import ROLE_EPS_SUPPORT, IssueReport, OutboxMessage, User
from mobile_service.notify import smtp
from mobile_service.pilot.domain import DATA_QUALITY_KINDS, OPEN_ISSUE_STATUSES

log = logging.getLogger("mobile_service.notify")

TOPIC_DQ_REPORT = "dq_report.new"
PENDING, SENT = "pending", "sent"
NO_STEWARD = "no active eps_support user to notify"


@dataclass
class DeliveryResult:
    """What one delivery run did."""

    due: int = 0
    sent: int = 0
    retried: int = 0
    recipients: int = 0
    refused: list[str] = field(default_factory=list)
    error: str | None = None
    next_attempt_at: dt.datetime | None = None


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the ``attempts``-th failed try: base, 2 x base, 4 x base ... up to the cap."""
    cfg = current_app.config
    base, cap = cfg["OUTBOX_RETRY_BASE_SECONDS"], cfg["OUTBOX_RETRY_MAX_SECONDS"]
    return dt.timedelta(seconds=min(cap, base * 2 ** min(max(attempts - 1, 0), 30)))


def steward_addresses() -> list[str]:
    """The e-mail addresses of every active EPS support steward (the registry decides who is one)."""
    return list(db.session.execute(select(User.email).where(User.role == ROLE_EPS_SUPPORT, User.active.is_(True))
                                   .order_by(User.email)).scalars())


def open_reports() -> int:
    """How many data-quality reports are open in the stewards' queue."""
    return db.session.execute(select(func.count()).select_from(IssueReport).where(
        IssueReport.kind.in_(DATA_QUALITY_KINDS), IssueReport.status.in_(OPEN_ISSUE_STATUSES))).scalar_one()


def steward_notice(new: int, open_now: int, link: str) -> smtp.Notice:
    """The notice: counts and the queue's link, never a student's name, SSID, birth date or school."""
    reports = "report" if new == 1 else "reports"
    body = (f"{new} new data-quality {reports} (duplicate or multiple SSIDs) arrived from the field.\n"
            f"{open_now} open in the queue now.\n\n"
            f"Open the queue: {link}\n\n"
            "This notice carries no student information: sign in to see the reports.\n")
    return smtp.Notice(subject=f"EPS Mobile: {new} new data-quality {reports}", body=body)


def deliver(now: dt.datetime | None = None) -> DeliveryResult:
    """Send the due notices once (sent, or rescheduled with backoff); one commit."""
    now = clock.utcnow() if now is None else now
    cfg = current_app.config
    result = DeliveryResult()
    try:
        rows = db.session.execute(
            select(OutboxMessage).where(OutboxMessage.status == PENDING, OutboxMessage.topic == TOPIC_DQ_REPORT,
                                        OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.id).with_for_update(skip_locked=True)).scalars().all()
        result.due = len(rows)
        if rows:
            recipients = steward_addresses()
            result.recipients = len(recipients)
            if not recipients:
                result.error = NO_STEWARD
            else:
                try:
                    result.refused = smtp.send(cfg, recipients,
                                               steward_notice(len(rows), open_reports(), cfg["STEWARD_QUEUE_URL"]))
                except smtp.DeliveryError as exc:
                    result.error = str(exc)
            _settle(rows, now, result)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    _log(result)
    return result


def _settle(rows: list[OutboxMessage], now: dt.datetime, result: DeliveryResult) -> None:
    for row in rows:
        row.attempts += 1
        row.last_attempt_at = now
        if result.error is None:
            row.status, row.sent_at, row.last_error = SENT, now, None
            result.sent += 1
        else:
            row.last_error = result.error[:200]
            row.next_attempt_at = now + backoff(row.attempts)
            result.retried += 1
            result.next_attempt_at = min(filter(None, (result.next_attempt_at, row.next_attempt_at)))


def _log(result: DeliveryResult) -> None:
    if result.error is not None:
        log.warning("steward notice delayed", extra={"event": "outbox_deliver", "outcome": "retry",
                                                     "error_class": result.error, "count": result.retried})
    elif result.sent:
        log.info("steward notice sent", extra={"event": "outbox_deliver", "outcome": "sent", "count": result.sent})
    if result.refused:
        # A steward's address the relay refuses is a registry problem; the others got the notice.
        log.error("steward address refused", extra={"event": "outbox_deliver", "count": len(result.refused)})


def pending_summary(now: dt.datetime | None = None) -> dict[str, object]:
    """Pending notices: how many, the oldest's age in seconds, the most attempts and the last error."""
    now = clock.utcnow() if now is None else now
    count, oldest, attempts = db.session.execute(
        select(func.count(), func.min(OutboxMessage.created_at), func.max(OutboxMessage.attempts))
        .where(OutboxMessage.status == PENDING)).one()
    last_error = db.session.execute(
        select(OutboxMessage.last_error).where(OutboxMessage.status == PENDING, OutboxMessage.last_error.is_not(None))
        .order_by(OutboxMessage.last_attempt_at.desc()).limit(1)).scalar()
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=dt.UTC)
    return {"pending": count, "oldest_age_seconds": int((now - oldest).total_seconds()) if oldest else 0,
            "max_attempts": attempts or 0, "last_error": last_error}
