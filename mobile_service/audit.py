"""The record of access: one place that writes audit rows. It never commits.

Callers write the audit row in the session's transaction and commit once, together with the
change or right before the disclosure, so neither is saved without the other. The row is a
plain INSERT in that transaction, not an ORM object: an append-only row needs no identity map
or unit-of-work flush, and this runs on every read.

A list (search results, caseload cards) is one disclosure of many children: ``record_list``
writes its row and one ``audit_event_students`` row per child shown, in ONE statement on
PostgreSQL (a data-modifying CTE), so the list's statement count stays constant however long it
is. ``request_id`` is the server's own id; a client's well-formed X-Request-ID goes beside it.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import g, has_request_context, request
from sqlalchemy import BigInteger, String, bindparam, cast, func, insert, select, true
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from mobile_service import clock, usage
from mobile_service.errors import unavailable
from mobile_service.extensions import db
from mobile_service.models import AuditEvent, AuditEventStudent
from mobile_service.scoping import PrincipalLike

log = logging.getLogger("mobile_service.security")

# Every audited action, in one list (the access history report explains them).
ACTIONS = {
    "student.search": "searched for students (criteria kinds only; each result shown is named)",
    "student.view": "viewed demographics",
    "student.enrollments.view": "viewed enrollment history",
    "student.attendance.view": "viewed attendance",
    "student.progress_reports.view": "viewed progress reports",
    "student.brief.view": "viewed the pre-visit brief",
    "caseload.view": "viewed a caseload (each card shown is named)",
    "supervisees.indicators.view": "viewed the team indicators (counts only: no child is named)",
    "caseload.sync": "synced the caseload for offline use (each student whose record was delivered is named)",
    "caseload.add": "added a student to a caseload",
    "caseload.remove": "removed a student from a caseload",
    "caseload.pending_adds.view": "viewed a manual add awaiting review (review queue card)",
    "caseload.add.approve": "approved a manual add (access holds past its expiry)",
    "caseload.add.deny": "denied a manual add (access ended)",
    "caseload.add.confirm": "the DCFS feed confirmed a manual add (daily job)",
    "caseload.add.lapse": "a manual add lapsed unreviewed (access ended; daily job or re-add)",
    "caseload.manual_adds.report": "viewed the report of manual adds (no student data)",
    "audit.view": "viewed a student's access history",
    "alerts.view": "viewed alerts (each child an alert names is listed)",
    "export": "exported data",
    "pilot.criteria.change": "changed a pilot cohort's success criteria (targets only, no student data)",
    "student.issue_report": "reported a problem or wrong data concerning a student's record",
    "student.dq_report": "named a student in a data-quality report (two students, one SSID; or one student, two SSIDs)",
    "dq_report.view": "an EPS support steward viewed a data-quality report's identification cards (each child named)",
    "dq_report.resolve": "an EPS support steward resolved a data-quality report (each child named)",
    "user.bind": "bound a registered user to an Entra object id at first sign-in",
    "user.change": "changed a registry user",
    "student.school_of_origin.view": "viewed school-of-origin candidates and a distance, rate and checklist",
    "travel_plan.view": "viewed a school-of-origin travel plan (DCFS 63B / FCSS Auto 280)",
    "travel_plan.draft": "saved a draft school-of-origin travel plan",
    "travel_plan.submit": "submitted a travel plan to the supervising SCSW",
    "travel_plan.approve": "approved a travel plan (SCSW)",
    "travel_plan.return": "returned a travel plan for correction (SCSW, with a comment)",
    "travel_plan.stop": "recorded that a travel plan stopped (the child left the school of origin)",
    "travel_plans.awaiting.view": "viewed a travel plan awaiting approval (queue card)",
}

# Legal bases recorded with each disclosure.
# ``data_steward``: an EPS support steward shown the students of a data-quality report in its queue.
BASES = ("caseload", "dcfs_assignment", "supervision", "exact_lookup", "search", "admin", "data_steward")


# Built once: the row goes in as parameters, so each write skips statement construction and
# reuses the compiled form (this runs on every read).
_EVENTS = AuditEvent.__table__
_CHILDREN = AuditEventStudent.__table__
_INSERT = insert(_EVENTS)
_INSERT_RETURNING_ID = insert(_EVENTS).returning(_EVENTS.c.id)
_INSERT_CHILDREN = insert(_CHILDREN)


def _list_statement():
    """PostgreSQL: the parent row and every child row in one statement.

    ``WITH e AS (INSERT INTO audit_events ... RETURNING id) INSERT INTO audit_event_students
    SELECT e.id, s.student_id, s.basis FROM e JOIN unnest(:ids, :bases) AS s ON true``
    """
    values = {column.name: bindparam(column.name, type_=column.type) for column in _EVENTS.c if column.name != "id"}
    event = insert(_EVENTS).values(values).returning(_EVENTS.c.id).cte("e")
    shown = func.unnest(bindparam("ids", type_=ARRAY(BigInteger)), bindparam("bases", type_=ARRAY(String))) \
        .table_valued("student_id", "basis").render_derived(name="s")
    return insert(_CHILDREN).from_select(
        ["audit_event_id", "student_id", "basis"],
        select(event.c.id, shown.c.student_id, shown.c.basis).select_from(event.join(shown, true())))


_INSERT_LIST = _list_statement()


# The same, with the request's usage event as one more data-modifying CTE.
_INSERT_LIST_WITH_USAGE = _list_statement().add_cte(usage.event_insert().cte("used"))


def event_row(principal: PrincipalLike | None, action: str, *, student_id: int | None = None,
              ssid: str | None = None, basis: str | None = None, details: dict[str, Any] | None = None,
              user_id: int | None = None, role: str | None = None) -> dict[str, Any]:
    """The ``audit_events`` row of one action (who, what, when, which request); every writer uses it."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if basis is not None and basis not in BASES:
        raise ValueError(f"unknown audit basis {basis!r}")
    in_request = has_request_context()
    return {
        "occurred_at": clock.utcnow(),
        "user_id": principal.user_id if principal else user_id,
        "role": principal.role if principal else role,
        "action": action,
        "student_id": student_id,
        "ssid": ssid,
        "basis": basis,
        "endpoint": (f"{request.method} {request.url_rule.rule if request.url_rule else request.path}"
                     if in_request else "cli"),
        "request_id": g.get("request_id") if in_request else None,
        "client_request_id": g.get("client_request_id") if in_request else None,
        "details": details,
    }


def record(principal: PrincipalLike | None, action: str, *, student_id: int | None = None,
           ssid: str | None = None, basis: str | None = None, details: dict[str, Any] | None = None,
           user_id: int | None = None, role: str | None = None) -> None:
    """Write an audit row for ``action`` in the current transaction (the caller commits)."""
    row = event_row(principal, action, student_id=student_id, ssid=ssid, basis=basis, details=details,
                    user_id=user_id, role=role)
    with _failing_closed(action):
        # On the session's connection (same transaction), not session.execute: that would first
        # autoflush the caller's pending changes, whose errors (a lost race on a unique index)
        # belong to the caller's commit handling, not to the audit write.
        db.session.connection().execute(_INSERT, row)


def record_list(principal: PrincipalLike, action: str, shown: Iterable[tuple[int, str]], *,
                basis: str | None = None, details: dict[str, Any] | None = None,
                usage_event: tuple[str, dict[str, Any]] | None = None) -> None:
    """Audit a list disclosure: one row for the list, one child row per ``(student_id, basis)`` shown.

    One statement on PostgreSQL; on SQLite (development and tests: no data-modifying CTEs) the
    row's INSERT ... RETURNING and one executemany of the children, so still a constant count.
    ``usage_event``: ``(event, {"detail": ..., "result_count": ...})`` of ``usage.record_event``,
    written in the same statement on PostgreSQL (after the audit rows on SQLite).
    """
    children: dict[int, str] = {}
    for student_id, child_basis in shown:
        if child_basis not in BASES:
            raise ValueError(f"unknown audit basis {child_basis!r}")
        children.setdefault(student_id, child_basis)  # a child shown twice is one row (first basis)
    row = event_row(principal, action, basis=basis, details=details)
    with _failing_closed(action):
        connection = db.session.connection()
        if connection.dialect.name == "postgresql":
            params = {**row, "ids": list(children), "bases": list(children.values())}
            if usage_event is None:
                connection.execute(_INSERT_LIST, params)
                return
            connection.execute(_INSERT_LIST_WITH_USAGE,
                               {**params, **usage.event_params(usage_event[0], principal, **usage_event[1])})
            return
        event_id = connection.execute(_INSERT_RETURNING_ID, row).scalar_one()
        if children:
            connection.execute(_INSERT_CHILDREN, [{"audit_event_id": event_id, "student_id": student_id,
                                                   "basis": child_basis}
                                                  for student_id, child_basis in children.items()])
    if usage_event is not None:
        usage.record_event(usage_event[0], principal, **usage_event[1])


# --- the audit row inside the disclosing statement (PostgreSQL) ------------------------------------

_FROM_SOURCE = ("student_id", "ssid", "basis")
_BOUND = [c for c in _EVENTS.c if c.name != "id" and c.name not in _FROM_SOURCE]


def disclosure_insert(student_id, ssid, basis):
    """``INSERT INTO audit_events ... SELECT`` of one disclosure, for a data-modifying CTE.

    The student, SSID and basis are columns of the disclosing statement's own read (so nothing
    found, no row); every other column is a bind parameter from :func:`disclosure_params`.
    Used by the one-round-trip record views: scope check, read and audit row in ONE statement.
    """
    values = [cast(bindparam("audit_" + c.name), c.type).label(c.name) for c in _BOUND]
    source = select(*values, student_id.label("student_id"), ssid.label("ssid"), basis.label("basis"))
    return insert(_EVENTS).from_select([*(c.name for c in _BOUND), *_FROM_SOURCE], source).returning(_EVENTS.c.id)


def disclosure_params(principal: PrincipalLike, action: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """The bind parameters of :func:`disclosure_insert` for this request's action."""
    row = event_row(principal, action, details=details)
    # A column this row does not set (one a later migration adds) is NULL, as a plain INSERT leaves it.
    return {"audit_" + c.name: row.get(c.name) for c in _BOUND}


def failing_closed(action: str):
    """Around a statement that writes an audit row: a database error rolls back and answers 503."""
    return _failing_closed(action)


@contextmanager
def _failing_closed(action: str) -> Iterator[None]:
    """Around an audit write: a database error rolls back and answers 503 (fail closed)."""
    try:
        yield
    except SQLAlchemyError as exc:
        # Fail closed: without its audit row, the disclosure or change must not happen either.
        db.session.rollback()
        log.error("audit write failed", extra={"error_class": type(exc).__name__, "event": action})
        raise unavailable("The service cannot record this access right now; retry shortly.") from exc


def commit() -> None:
    """Commit the request's changes with its audit row (and usage event), failing closed.

    Every service ends with this one commit. A database error rolls back and answers 503 +
    Retry-After, so nothing is disclosed or changed without its audit row; an integrity error
    (a concurrent writer won a unique index) is re-raised for the caller, which knows the answer.
    """
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise
    except SQLAlchemyError as exc:
        db.session.rollback()
        log.error("audit commit failed; disclosure refused", extra={"error_class": type(exc).__name__})
        raise unavailable("The service cannot record this access right now; retry shortly.") from exc
