"""PostgreSQL: a record tab in ONE statement, then the commit (issue 14).

One data-modifying statement per request does what the SQLite path does in five to seven:

* ``disclosed`` (CTE): the student by key, joined to the caller's access subquery (scoping inside
  the query; the strongest basis first), and only while the caller's session is open, the user
  active with the token's version, role and DCFS employee id (``auth.decorators.session_guard``);
* ``audited`` (CTE): ``INSERT INTO audit_events ... SELECT ... FROM disclosed`` (nothing found,
  no row);
* ``used`` (CTE): the ``record_view`` usage event, the same way;
* the main SELECT: the session check's answer, the student, and the tab's rows (LEFT JOINs on
  ``disclosed``), plus demographics' retired SSIDs and caseload membership as scalar subqueries.

The statement runs on psycopg directly, in the session's transaction (``mobile_service.raw_statement``:
compiled once, prepared, plain tuple rows; driver errors are SQLAlchemy's ``DBAPIError``).
The commit follows (``audit.commit``: fail closed, 503). Nothing found answers the same 404 as
SQLite; a failed session check reloads the caller (401/403, or runs again for a changed caller).
The tabs are shaped by the same functions as on SQLite (``record_tabs.*_body``), but only for a
200: the ETag comes from ``version_stamp`` (the ids and ``xmin`` row versions of every row read,
the values the statement computes, date, freshness, role), so a revalidation is a 304 without
shaping or serializing (SQLite keeps the body hash).
"""
from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, bindparam, case, literal, literal_column, select, true
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.sql import Subquery

from api.etags import Versioned
from api.students import record_tabs
from auth import decorators as auth_gate
from auth.principal import Principal
from mobile_service import audit, caseload_list, clock, scoping, usage
from mobile_service.errors import not_found
from mobile_service.extensions import db
from mobile_service.freshness import freshness
from mobile_service.identifiers import is_student_key
from mobile_service.models import (
    FIELD_ROLES,
    AttendanceSummary,
    Enrollment,
    ProgressMark,
    ProgressReport,
    School,
    Student,
    StudentSsid,
)
from mobile_service.raw_statement import RawStatement

log = logging.getLogger("mobile_service.security")
_STUDENTS = Student.__table__
_SCHOOLS = School.__table__
# tab -> the table of its rows (joined to the school; progress reports also to their marks)
_TAB_TABLES = {
    "demographics": Enrollment.__table__,
    "enrollments": Enrollment.__table__,
    "attendance": AttendanceSummary.__table__,
    "progress_reports": ProgressReport.__table__,
}


# The student and school columns each tab's shaper reads (minimum necessary: nothing else is
# fetched; every tab's rows and marks are read whole). ``id``, ``access_basis`` and
# ``row_version`` always come along (the audit row and the version stamp).
_HOLDER = ("education_rights_holder", "rights_holder_relationship", "rights_holder_phone", "jv535_order_date",
           "parent_rights_limited")
_STUDENT_READS = {
    "demographics": ("ssid", "legal_first_name", "legal_middle_name", "legal_last_name", "alias_first_name",
                     "alias_last_name", "birth_date", "gender_code", "primary_language", "foster_status", "case_type",
                     "homeless", *_HOLDER),
    "enrollments": ("ssid",), "attendance": ("ssid",), "progress_reports": ("ssid",),
}
_SCHOOL_READS = {
    "demographics": ("name", "district_name", "cds_code", "address", "city", "zip", "phone"),
    "enrollments": ("name", "district_name", "cds_code"),
    "attendance": ("name", "cds_code"),
    "progress_reports": ("name",),
}


class _Bag:
    """Attribute access over one slice of a joined row (what the tab shapers read)."""

    def __init__(self, names: tuple[str, ...], values) -> None:
        self.__dict__.update(zip(names, values, strict=True))


class _Shape:
    """A built statement, where each table's columns sit in its rows, and its compiled driver form."""

    def __init__(self, statement: Select, groups: dict[str, tuple[int, tuple[str, ...]]]) -> None:
        self.statement, self.groups = statement, groups
        # Rows are the driver's plain tuples: every column read by name here goes by its position.
        self.at = {name: index for index, name in enumerate(statement.selected_columns.keys())}
        self._raw: RawStatement | None = None

    def raw(self, dialect) -> RawStatement:
        """The statement compiled once for ``dialect`` (``mobile_service.raw_statement``)."""
        if self._raw is None:
            raw = RawStatement(self.statement, dialect)
            if raw.columns != tuple(self.at):  # the positions read by name must be the driver's
                raise RuntimeError("compiled columns differ from the statement's")
            self._raw = raw
        return self._raw

    def bag(self, row, group: str) -> _Bag:
        start, names = self.groups[group]
        return _Bag(names, row[start:start + len(names)])


def _order(tab: str, rows, schools, marks) -> list:
    if tab in ("demographics", "enrollments"):
        return [rows.c.start_date.desc(), rows.c.id.desc()]
    if tab == "attendance":
        return [rows.c.academic_year.desc(), rows.c.as_of_date.desc(), schools.c.name, rows.c.id]
    return [rows.c.report_date.desc(), rows.c.id.desc(), marks.c.course_code]


@functools.cache
def _shape(tab: str, access: Subquery) -> _Shape:
    # One statement per tab and shape of access subquery (those are cached too): built once.
    guard = auth_gate.session_guard()
    rank = case({basis: i for i, basis in enumerate(scoping.BASIS_ORDER)}, value=access.c.basis)
    disclosed = (select(*_STUDENTS.c, access.c.basis.label("access_basis"), _xmin(_STUDENTS, "row_version"))
                 .join(access, access.c.student_id == _STUDENTS.c.id)
                 .where(_STUDENTS.c.student_key == bindparam("student_key"), guard)
                 .order_by(rank).limit(1)).cte("disclosed")
    audited = audit.disclosure_insert(disclosed.c.id, disclosed.c.ssid, disclosed.c.access_basis).cte("audited")
    used = usage.event_insert(disclosed).cte("used")
    rows, schools, marks = _TAB_TABLES[tab], _SCHOOLS, ProgressMark.__table__
    columns: list = [guard.label("session_ok")]
    groups: dict[str, tuple[int, tuple[str, ...]]] = {}

    def add(group: str, cols) -> None:
        cols = list(cols)
        groups[group] = (len(columns), tuple(c.name for c in cols))
        columns.extend(c.label(f"{group}_{c.name}") for c in cols)

    add("s", [disclosed.c[name] for name in ("id", *_STUDENT_READS[tab], "access_basis", "row_version")])
    add("t", rows.c)
    add("c", [schools.c[name] for name in _SCHOOL_READS[tab]])
    one = select(literal(1).label("one")).subquery("one")
    source = (one.outerjoin(disclosed, true()).outerjoin(rows, rows.c.student_id == disclosed.c.id)
              .outerjoin(schools, schools.c.id == rows.c.school_id))
    joined = [rows, schools]
    if tab == "progress_reports":
        add("m", marks.c)
        joined.append(marks)
        source = source.outerjoin(marks, marks.c.progress_report_id == rows.c.id)
    columns.append(_versions(joined))
    # Row versions are transaction ids of THIS cluster: one restored elsewhere (a new server)
    # numbers its transactions anew, so the tag names the server's start too.
    columns.append(literal_column("pg_postmaster_start_time()::text").label("server_started"))
    if tab == "demographics":
        retired = (select(aggregate_order_by_ssids())
                   .where(StudentSsid.student_id == disclosed.c.id, StudentSsid.ssid != disclosed.c.ssid)
                   .scalar_subquery())
        extra = [retired.label("retired_ssids"), *caseload_list.membership_columns(disclosed.c.id)]
        groups["x"] = (len(columns), tuple(c.name for c in extra))
        columns.extend(extra)
    statement = (select(*columns).select_from(source).order_by(*_order(tab, rows, schools, marks))
                 .add_cte(audited, used))
    return _Shape(statement, groups)


def _xmin(table, label: str):
    # The row's version: the id of the transaction that wrote it (every INSERT and UPDATE writes
    # a new row version with its own transaction's id; NULL on an outer join that found nothing).
    return literal_column(f"{table.name}.xmin::text").label(label)


def _versions(tables) -> Any:
    # One text column per joined row: "id:xmin" of each table (its row, school, mark), fixed
    # separators (an outer join's NULLs read as empty, never shifting a field).
    parts = ", ' ', ".join(f"{t.name}.id, ':', {t.name}.xmin" for t in tables)
    return literal_column(f"concat({parts})").label("versions")


def aggregate_order_by_ssids():
    """``array_agg(ssid ORDER BY ssid)``: the retired SSIDs, as the SQLite path lists them."""
    from sqlalchemy import func

    return func.array_agg(aggregate_order_by(StudentSsid.ssid, StudentSsid.ssid))


def applies() -> bool:
    """Whether the database runs the one-statement path (PostgreSQL)."""
    return db.session.get_bind().dialect.name == "postgresql"


def _run(principal: Principal, student_key: str, action: str, tab: str):
    shape = _shape(tab, scoping.student_access(principal))
    params = {"student_key": student_key, **scoping.access_params(principal), **auth_gate.guard_params(principal),
              **audit.disclosure_params(principal, action), **usage.event_params("record_view", principal, detail=tab)}
    with audit.failing_closed(action):
        # On the driver directly (the session's connection and transaction), skipping SQLAlchemy's
        # execution layer; its errors are SQLAlchemy's DBAPIError all the same (raw_statement).
        def execute():
            connection = db.session.connection()
            return shape.raw(connection.dialect).rows(connection, params)
        rows = execute() if auth_gate.session_checked() else _first_statement(execute)
    return shape, rows


def _first_statement(execute):
    # Without a lookup first, this is the request's first statement (see retry_dead_connection).
    from mobile_service.database_setup import retry_dead_connection

    return retry_dead_connection(execute)


def view(principal: Principal, student_key: str, action: str, tab: str) -> Versioned:
    """One record tab on PostgreSQL: one statement (scope, session, read, audit, usage), one commit.

    Answers the body unshaped, with its version stamp (``api.etags.Versioned``): a revalidation
    that still matches is a 304 without shaping or serializing anything. The audit row and the
    usage event are committed first either way: the caller asked for the record and holds it.
    """
    if not is_student_key(student_key):
        if not auth_gate.session_checked():
            auth_gate.reauthenticate(FIELD_ROLES)  # a revoked session is a 401 before any 404
        raise not_found()
    shape, rows = _run(principal, student_key, action, tab)
    if not rows[0][shape.at["session_ok"]]:
        db.session.rollback()
        principal = auth_gate.reauthenticate(FIELD_ROLES)  # 401/403, or the caller changed: run again
        shape, rows = _run(principal, student_key, action, tab)
    if rows[0][shape.at["s_id"]] is None:
        db.session.rollback()
        # Same answer for unknown and "not yours"; the denial is logged without the key (as on SQLite).
        log.info("student record refused or missing", extra={"user_id": principal.user_id, "event": "record_denied"})
        raise not_found()
    today, stamps = clock.today(), freshness()  # fixed once: the tag and the body both use them
    stamp = version_stamp(tab, principal.role, today, stamps, rows, shape.at)
    audit.commit()  # the audit row is committed before anything is disclosed (503 otherwise)
    return Versioned(stamp, lambda: _shape_body(shape, tab, rows, today, stamps))


def version_stamp(tab: str, role: str, today: dt.date, stamps: dict, rows: Sequence[tuple],
                  at: dict[str, int]) -> tuple:
    """Everything a tab's body is made of, without shaping it: equal stamps, byte-identical bodies.

    The body is a function of the rows this statement returned (in their order), the service
    date, the freshness stamps and the code (``api.etags`` adds the release and how the app
    renders JSON). Each row is named by its id and its version (``xmin``: an UPDATE or INSERT
    always writes a new version with a new transaction id; rows written in one transaction
    share it, so the id tells them apart; a DELETE changes the list). Values computed by the
    statement rather than read from versioned rows (the access basis, demographics' retired
    SSIDs and caseload-list columns) are in the stamp as values, and so is the caller's role.
    The server's start time scopes the transaction ids to one running cluster. ``at``: each
    column's position in the rows.
    """
    first, versions = rows[0], at["versions"]
    stamp = (tab, role, today, tuple(stamps.items()), first[at["server_started"]], first[at["s_id"]],
             first[at["s_row_version"]], first[at["s_access_basis"]], [row[versions] for row in rows])
    if tab == "demographics":
        return (*stamp, *(first[at[name]] for name in ("retired_ssids", "assignment_start", "feed_removed_at",
                                                        "open_add")))
    return stamp


def _shape_body(shape: _Shape, tab: str, rows, today: dt.date, stamps: dict) -> dict[str, Any]:
    first = rows[0]
    student = shape.bag(first, "s")
    basis = student.access_basis
    t_id = shape.at["t_id"]
    if tab == "progress_reports":
        reports, marks, m_id = [], {}, shape.at["m_id"]
        for row in rows:
            report_id = row[t_id]
            if report_id is None:
                continue
            if report_id not in marks:
                marks[report_id] = []
                reports.append((shape.bag(row, "t"), shape.bag(row, "c")))
            if row[m_id] is not None:
                marks[report_id].append(shape.bag(row, "m"))
        return record_tabs.progress_reports_body(student, reports, marks, stamps=stamps)
    pairs = [(shape.bag(row, "t"), shape.bag(row, "c")) for row in rows if row[t_id] is not None]
    if tab == "demographics":
        extra = shape.bag(first, "x")
        return record_tabs.demographics_body(student, basis, list(extra.retired_ssids or ()), pairs,
                                             caseload_list.listed(extra), today=today, stamps=stamps)
    if tab == "enrollments":
        return record_tabs.enrollments_body(student, pairs, today=today, stamps=stamps)
    return record_tabs.attendance_body(student, pairs, stamps=stamps)
