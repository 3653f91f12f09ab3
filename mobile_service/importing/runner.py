"""``run_import``: one file of one kind, validated completely, applied in one transaction."""
from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import click
from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from mobile_service import changelog, clock
from mobile_service.extensions import db
from mobile_service.importing import alerting, students, tables, users
from mobile_service.importing import progress as progress_kind
from mobile_service.importing import rows as parsers
from mobile_service.importing import snapshot as snap
from mobile_service.importing.source import CsvRows, ErrorLog, ImportRejected, inspect
from mobile_service.importing.staging import Sql
from mobile_service.importing.tables import Counts, recompute_foster_status
from mobile_service.models import SourceLoad

PROGRESS_MIN_LINES = 10_000


@dataclass(frozen=True)
class KindSpec:
    """An import kind: its source, CSV columns, row parser and loader."""

    source: str
    columns: tuple[str, ...]
    parse: parsers.RowParser
    load: Callable[[Sql, Iterator[tuple], ErrorLog, snap.Snapshot | None], Counts | None]
    optional: tuple[str, ...] = ()
    stages: tuple[str, ...] = (tables.STAGE, tables.RESOLVED)
    writes: tuple[str, ...] = ()  # tables re-ANALYZEd after a load on PostgreSQL


def _table(spec: tables.TableSpec):
    return lambda sql, rows, log, snapshot: tables.load_table(sql, spec, rows, log, snapshot)


SPECS: dict[str, KindSpec] = {
    "schools": KindSpec("calpads", ("cds_code", "school_name", "district_name", "address", "city", "zip", "phone",
                                    "latitude", "longitude"), parsers.SCHOOL, _table(tables.SCHOOLS),
                        writes=("schools",)),
    "students": KindSpec("calpads", ("ssid", "legal_first_name", "legal_middle_name", "legal_last_name",
                                     "alias_first_name", "alias_last_name", "birth_date", "gender_code",
                                     "primary_language", "foster_client_id", "homeless"),
                         parsers.STUDENT, lambda sql, rows, log, _snapshot: students.load(sql, rows, log),
                         optional=("previous_ssids",),
                         stages=(tables.STAGE, *students.stage_names()),
                         writes=("students", "student_ssids", "student_name_parts", "ssid_grams")),
    "dcfs-cases": KindSpec("dcfs", ("ssid", "case_id", "case_type", "case_status", "csw_employee_id",
                                    "assignment_start", "assignment_end", "education_rights_holder"),
                           parsers.DCFS_CASE, _table(tables.DCFS_CASES),
                           optional=("rights_holder_relationship", "rights_holder_phone", "jv535_order_date",
                                     "parent_rights_limited", *parsers.PLACEMENT_COLUMNS),
                           # Cases set students.foster_status (the search's active filter) and
                           # student_name_parts.active (the name walk's copy of it).
                           writes=("dcfs_cases", "students", "student_name_parts")),
    "enrollments": KindSpec("district", ("ssid", "academic_year", "cds_code", "enrollment_status", "grade_level",
                                         "start_date", "exit_date", "exit_reason_code"),
                            parsers.ENROLLMENT, _table(tables.ENROLLMENTS), writes=("enrollments",)),
    "attendance": KindSpec("district", ("ssid", "academic_year", "cds_code", "as_of_date", "days_expected",
                                        "days_attended", "days_absent_excused", "days_absent_unexcused",
                                        "days_suspended_out", "days_suspended_in", "days_incomplete_study"),
                           parsers.ATTENDANCE, _table(tables.ATTENDANCE), writes=("attendance_summaries",)),
    "progress-reports": KindSpec("district", ("ssid", "academic_year", "cds_code", "term", "report_date",
                                              "course_code", "course_title", "mark", "credits_attempted",
                                              "credits_earned"), parsers.PROGRESS_MARK, progress_kind.load,
                                 writes=("progress_reports", "progress_marks")),
    "users": KindSpec("registry", ("email", "display_name", "role", "dcfs_employee_id", "office",
                                   "supervisor_email", "pilot_cohort", "active"), parsers.USER,
                      lambda _sql, rows, log, _snapshot: users.load(rows, log), stages=(),
                      writes=("users", "supervisions")),
}

# Kind -> required CSV columns (extra columns are ignored; ``students`` also reads ``previous_ssids``).
KINDS: dict[str, tuple[str, ...]] = {kind: spec.columns for kind, spec in SPECS.items()}


@dataclass(frozen=True)
class ImportResult:
    """What a successful import did; ``progress-reports`` count mark rows."""

    kind: str
    total: int
    inserted: int
    updated: int
    unchanged: int
    source_load_id: int
    deleted: int = 0
    snapshot: str | None = None  # the snapshot scope, if the file was one
    warnings: tuple[str, ...] = ()


def run_import(kind: str, path: str | Path, *, progress: bool = False, max_errors: int = 50,
               snapshot: str | None = None, allow_mass_delete: bool = False,
               max_delete_percent: int | None = None) -> ImportResult:
    """Validate and load one CSV file of ``kind`` in one transaction, or raise ``ImportRejected``.

    On success the changes and a ``SourceLoad`` row are committed; on any invalid row the
    transaction is rolled back and the exception lists ``line N: column: reason`` messages.
    With ``snapshot`` (a scope, see ``importing.snapshot``) the scope's rows missing from the
    file are removed, within the mass-delete limit (``max_delete_percent``, default the
    ``IMPORT_SNAPSHOT_MAX_DELETE_PERCENT`` setting) unless ``allow_mass_delete``.
    """
    spec = SPECS.get(kind)
    if spec is None:
        raise ImportRejected([f"kind: {kind!r} is not one of {', '.join(SPECS)}"])
    scope = None
    if snapshot is not None:
        limit = (current_app.config["IMPORT_SNAPSHOT_MAX_DELETE_PERCENT"] if max_delete_percent is None
                 else max_delete_percent)
        scope = snap.parse_scope(kind, snapshot, allow_mass_delete=allow_mass_delete, max_delete_percent=limit)
    path = Path(path)
    source = inspect(path)
    csv_rows = CsvRows(source, spec.columns, spec.optional)
    log = ErrorLog(cap=max(1, max_errors))
    sql = Sql(db.session.connection())
    show = progress and source.lines > PROGRESS_MIN_LINES
    bar = (click.progressbar(length=source.lines, label=f"import {kind}", file=sys.stderr)
           if show else nullcontext())
    try:
        if sql.postgres:
            # The service's short statement timeout protects requests, not bulk loads.
            sql.run("SET LOCAL statement_timeout = 0")
        else:
            # pysqlite opens its transaction only at the first DML statement; open it now so the
            # temp tables created next are part of it and vanish on rollback.
            sql.run("DELETE FROM source_loads WHERE 1 = 0")
        changelog.begin_import(sql)
        with bar:
            counts = spec.load(sql, _parsed(csv_rows, spec.parse, log, bar if show else None, source.lines), log,
                               scope)
        if counts is None or log.total:
            raise ImportRejected(log.messages())
        alerting.raise_alerts(sql, kind, scope)  # in this transaction, before the stages go
        # Last before the commit: the change-log lock is held from here to the commit.
        changelog.finish_import(sql)
        _drop_stages(sql, (*spec.stages, *snap.stage_names(scope), changelog.IMPORT_STAGE))
        load = SourceLoad(source=spec.source, kind=kind, file_name=path.name[:255], file_sha256=source.sha256,
                          loaded_at=clock.utcnow(), rows_total=counts.total, inserted=counts.inserted,
                          updated=counts.updated, unchanged=counts.unchanged, rows_deleted=counts.deleted,
                          snapshot_scope=scope.scope if scope else None)
        db.session.add(load)
        db.session.flush()
        load_id = load.id
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        csv_rows.close()
    if sql.postgres:
        _analyze(spec.writes)
    return ImportResult(kind=kind, total=counts.total, inserted=counts.inserted, updated=counts.updated,
                        unchanged=counts.unchanged, source_load_id=load_id, deleted=counts.deleted,
                        snapshot=scope.scope if scope else None, warnings=counts.warnings)


def recompute_statuses() -> int:
    """Re-derive every student's foster status from their DCFS cases as of today; one transaction.

    Loads derive the status when they run, but an assignment ending (or a case closing by date)
    changes it with no new file: run this daily (infra/k8s/status-cronjob.yaml) so search, which
    shows active students only, follows the calendar. Returns how many students changed.
    """
    sql = Sql(db.session.connection())
    try:
        if sql.postgres:
            sql.run("SET LOCAL statement_timeout = 0")
        else:
            sql.run("DELETE FROM source_loads WHERE 1 = 0")  # open the transaction (see run_import)
        changelog.begin_import(sql)
        changed = recompute_foster_status(sql, "SELECT id FROM students")
        changelog.finish_import(sql)
        _drop_stages(sql, (changelog.IMPORT_STAGE,))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    if sql.postgres and changed:
        _analyze(("students", "student_name_parts"))
    return changed


def _analyze(table_names: tuple[str, ...]) -> None:
    """Refresh planner statistics of the tables a load wrote (PostgreSQL).

    A bulk load can change a table by an order of magnitude; until autovacuum catches up the
    planner would pick plans for the old size (measured at 200,000 students: seconds per
    search instead of milliseconds). Statistics only; a failure is not the import's failure.
    """
    try:
        db.session.execute(text("SET LOCAL statement_timeout = 0"))
        for name in table_names:  # fixed names from SPECS, never input
            db.session.execute(text(f"ANALYZE {name}"))
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        logging.getLogger("mobile_service.importing").warning("ANALYZE after import failed", exc_info=True)


def _parsed(csv_rows: CsvRows, parser: parsers.RowParser, log: ErrorLog, bar, lines: int) -> Iterator[tuple]:
    """Valid rows as ``(line, *values)``; bad rows go to ``log``."""
    parse_row = parser.bind(csv_rows.positions)
    last = 0
    for line, raw in csv_rows:
        if bar is not None and line - last >= 5000:
            bar.update(line - last)
            last = line
        if isinstance(raw, str):
            log.add(line, "row", raw)
            continue
        parsed = parse_row(line, raw, log)
        if parsed is not None:
            yield parsed
    if bar is not None and lines > last:
        bar.update(lines - last)


def _drop_stages(sql: Sql, names: tuple[str, ...]) -> None:
    if not sql.postgres:
        for name in names:
            sql.run(f"DROP TABLE IF EXISTS temp.{name}")
