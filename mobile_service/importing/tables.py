"""Set-based loading of the row-per-record kinds (schools, cases, enrollments, attendance, marks).

Every kind follows the same steps on its staging table: resolve references (SSID -> student,
CDS code -> school), report unresolved references and duplicate natural keys as row errors,
classify each row against the existing table (new / changed / same), then apply one UPDATE and
one INSERT. Counts come from the classification, so a re-load reports everything unchanged.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from mobile_service import clock
from mobile_service.alerts import rights_holder_alerts
from mobile_service.importing import changes
from mobile_service.importing import snapshot as snap
from mobile_service.importing.source import ErrorLog
from mobile_service.importing.staging import Sql, Stage, duplicates, missing

STAGE = "import_stage"
UNKNOWN_SSID = "no student has this SSID (current or retired); load the students file first"
UNKNOWN_CDS = "no school has this CDS code; load the schools file first"
WORK_COLUMNS = (("student_id", "int"), ("school_id", "int"), ("target_id", "int"), ("changed", "bool"))


@dataclass(frozen=True)
class Counts:
    """What a load did, row by row."""

    total: int
    inserted: int
    updated: int
    unchanged: int
    deleted: int = 0  # rows of a snapshot's scope the file no longer has
    warnings: tuple[str, ...] = ()  # accepted but changed on the way in (e.g. TK loaded as KN)


@dataclass(frozen=True)
class TableSpec:
    """How one kind maps onto one table: staged columns (parser order), natural key, blame column."""

    table: str
    stage: tuple[tuple[str, str], ...]
    key: tuple[str, ...]
    key_label: str
    dup_column: str
    # after(sql, student_ids_sql, removed): derived data of the students the load touched or
    # removed rows of (``removed``: a snapshot removed rows, listed in ``snapshot.GONE``).
    after: Callable[[Sql, str, bool], None] | None = None
    # prepare(sql) -> warnings: normalizes the staged rows before they are resolved.
    prepare: Callable[[Sql], tuple[str, ...]] | None = None

    @property
    def refs(self) -> tuple[str, ...]:
        """Reference columns resolved to ids (``cds_code`` is the key of ``schools`` itself)."""
        names = [c for c, _ in self.stage]
        return tuple(r for r in ("ssid", "cds_code") if r in names and not (r == "cds_code" and self.table == "schools"))

    @property
    def values(self) -> tuple[str, ...]:
        """Target columns compared and updated (everything staged but the key and references)."""
        return tuple(c for c, _ in self.stage if c not in self.key and c not in self.refs)


def stage_rows(sql: Sql, columns: tuple[tuple[str, str], ...], rows: Iterable[tuple], name: str = STAGE,
               work: tuple[tuple[str, str], ...] = WORK_COLUMNS) -> Stage:
    """Create a staging table and fill it from ``(line, *values)`` tuples."""
    stage = Stage(sql, name, columns, work)
    for row in rows:
        stage.add(row)
    stage.finish()
    return stage


def check_references(sql: Sql, spec_refs: tuple[str, ...], log: ErrorLog, table: str = STAGE) -> None:
    """Resolve SSIDs and CDS codes to ids; unresolved ones are row errors."""
    if "ssid" in spec_refs:
        sql.run(f"UPDATE {table} SET student_id = ss.student_id FROM student_ssids ss WHERE ss.ssid = {table}.ssid")
        lines, total = missing(sql, table, "student_id IS NULL", log.cap)
        log.merge([(line, "ssid", UNKNOWN_SSID) for line in lines], total)
    if "cds_code" in spec_refs:
        sql.run(f"UPDATE {table} SET school_id = s.id FROM schools s WHERE s.cds_code = {table}.cds_code")
        lines, total = missing(sql, table, "school_id IS NULL", log.cap)
        log.merge([(line, "cds_code", UNKNOWN_CDS) for line in lines], total)


def check_duplicates(sql: Sql, key: tuple[str, ...], label: str, column: str, log: ErrorLog,
                     table: str = STAGE) -> None:
    """Rows repeating the natural key of an earlier row are errors."""
    where = " AND ".join(f"{k} IS NOT NULL" for k in key)
    found, total = duplicates(sql, table, key, log.cap, where)
    log.merge([(line, column, f"duplicate of line {first} (same {label})") for line, first in found], total)


RESOLVED = "import_resolved"


def load_table(sql: Sql, spec: TableSpec, rows: Iterable[tuple], log: ErrorLog,
               snapshot: snap.Snapshot | None = None) -> Counts | None:
    """Stage, check, classify and apply one file of ``spec``; ``None`` when rows were rejected.

    Resolution and classification are one ``CREATE TEMP TABLE ... AS SELECT`` with hash joins
    (rewriting every staged row with UPDATEs costs several times more on PostgreSQL). With a
    ``snapshot``, the scope's rows the file no longer has are removed (one anti-join DELETE).
    """
    stage_rows(sql, spec.stage, rows, work=())
    warnings = spec.prepare(sql) if spec.prepare else ()
    joins, exprs = [], {c: f"s.{c}" for c, _ in spec.stage}
    if "ssid" in spec.refs:
        joins.append("LEFT JOIN student_ssids ss ON ss.ssid = s.ssid")
        exprs["student_id"] = "ss.student_id"
    if "cds_code" in spec.refs:
        joins.append("LEFT JOIN schools sc ON sc.cds_code = s.cds_code")
        exprs["school_id"] = "sc.id"
    match = " AND ".join(f"t.{k} = {exprs[k]}" for k in spec.key)
    changed = sql.any_differs((f"t.{v}", f"s.{v}") for v in spec.values)
    extra = "".join(f", {exprs[r]} AS {r}" for r in ("student_id", "school_id") if r in exprs)
    sql.create_temp_as(RESOLVED, f"SELECT s.*{extra}, t.id AS target_id, CASE WHEN t.id IS NULL THEN NULL "
                                 f"ELSE {changed} END AS changed FROM {STAGE} s {' '.join(joins)} "
                                 f"LEFT JOIN {spec.table} t ON {match}")
    for ref, column, reason in (("ssid", "student_id", UNKNOWN_SSID), ("cds_code", "school_id", UNKNOWN_CDS)):
        if ref in spec.refs:
            lines, total = missing(sql, RESOLVED, f"{column} IS NULL", log.cap)
            log.merge([(line, ref, reason) for line in lines], total)
    check_duplicates(sql, spec.key, spec.key_label, spec.dup_column, log, table=RESOLVED)
    snap.check_rows(sql, snapshot, RESOLVED, log)
    if log.total:
        return None
    counts = replace(classify_counts(sql, RESOLVED), warnings=warnings)
    gone = 0
    if snapshot is not None:
        # Before the inserts: new rows are never candidates. Staged rows name their match.
        scope = f"{snapshot.school_filter('t.school_id')} AND {snapshot.year_filter('t.academic_year')}"
        gone = snap.collect_missing(sql, snapshot, spec.table, scope, (RESOLVED, "target_id"), f"{spec.table} rows")
    # The sync change log, while the rows about to change or go still hold their old values.
    changes.note_table(sql, spec.table, RESOLVED, gone=bool(gone))
    if gone:
        counts = replace(counts, deleted=snap.delete_collected(sql, spec.table))
    if counts.updated:
        assignments = ", ".join(f"{v} = s.{v}" for v in spec.values)
        sql.run(f"UPDATE {spec.table} SET {assignments} FROM {RESOLVED} s "
                f"WHERE {spec.table}.id = s.target_id AND s.changed")
    if counts.inserted:
        target = [*spec.key, *spec.values]
        # Key order keeps the unique index's B-tree inserts local (and ids follow the key).
        sql.run(f"INSERT INTO {spec.table} ({', '.join(target)}) SELECT {', '.join(target)} FROM {RESOLVED} "
                f"WHERE target_id IS NULL ORDER BY {', '.join(spec.key)}")
    if spec.after:
        students = f"SELECT student_id FROM {RESOLVED}"
        if counts.deleted:
            students += f" UNION SELECT student_id FROM {snap.GONE}"
        spec.after(sql, students, bool(counts.deleted))
    return counts


def classify_counts(sql: Sql, table: str = STAGE) -> Counts:
    """Totals of the classified staging table: new rows, changed rows, the rest."""
    total, inserted, updated = sql.rows(
        f"SELECT COUNT(*), SUM(CASE WHEN target_id IS NULL THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN changed THEN 1 ELSE 0 END) FROM {table}")[0]
    total, inserted, updated = int(total or 0), int(inserted or 0), int(updated or 0)
    return Counts(total, inserted, updated, total - inserted - updated)


def recompute_foster_status(sql: Sql, student_ids_sql: str, earlier_cases_sql: str | None = None) -> int:
    """Derive foster status, case type and rights holder of the given students from their cases.

    Returns how many students changed. ``earlier_cases_sql`` (a DCFS load): the students who had
    a case before the load (``rights_holder_alerts.changed_holders``).

    Active only with an open, unexpired case whose type is not KIN-GAP or VOLUNTARY (as EPS
    does). The "current" case prefers such a qualifying case, then the latest assignment.
    """
    open_case = "c.student_id = students.id AND c.case_status = 'open' AND (c.assignment_end IS NULL OR c.assignment_end >= :today)"
    qualifying = "c.case_type NOT IN ('KIN-GAP', 'VOLUNTARY')"
    order = f"ORDER BY CASE WHEN {qualifying} THEN 0 ELSE 1 END, c.assignment_start DESC, c.id DESC LIMIT 1"
    status = (f"(CASE WHEN EXISTS (SELECT 1 FROM dcfs_cases c WHERE {open_case} AND {qualifying}) "
              "THEN 'active' ELSE 'inactive' END)")
    case_type = f"(SELECT c.case_type FROM dcfs_cases c WHERE {open_case} {order})"
    # The rights holder in full comes from the same current case (mobile_service.rights_holder).
    derived = {name: f"(SELECT c.{name} FROM dcfs_cases c WHERE {open_case} {order})"
               for name in ("education_rights_holder", *(column for column, _ in HOLDER_STAGE))}
    holder = derived["education_rights_holder"]
    changed = sql.any_differs((("foster_status", status), ("case_type", case_type), *derived.items()))
    holder_moved = rights_holder_alerts.changed_holders(sql, student_ids_sql, holder,  # before the UPDATE
                                                        earlier_cases_sql)
    copies = ", ".join(f"{name} = {value}" for name, value in derived.items())
    changes.note_students(sql, f"SELECT id AS student_id FROM students WHERE id IN ({student_ids_sql}) AND {changed}",
                          today=clock.today())
    changed_count = sql.run(f"UPDATE students SET foster_status = {status}, case_type = {case_type}, "
                            f"{copies}, updated_at = :now "
                            f"WHERE id IN ({student_ids_sql}) AND {changed}", today=clock.today(), now=clock.utcnow())
    rights_holder_alerts.raise_changes(holder_moved)
    # The name walk's copy of the status (student_name_parts.active), for these students' parts,
    # including parts a students load has just written.
    for flag, test in (("TRUE", "="), ("FALSE", "<>")):
        sql.run(f"UPDATE student_name_parts SET active = {flag} WHERE active <> {flag} AND student_id IN "
                f"(SELECT id FROM students WHERE id IN ({student_ids_sql}) AND foster_status {test} 'active')")
    return changed_count


def _after_cases(sql: Sql, student_ids_sql: str, removed: bool) -> None:
    # Cases added, changed or removed: their students' status, and the name walk's copy of it.
    # A student had a case before this load if one of theirs is not a row it inserted, or the
    # snapshot removed one: their holder was known, so a first holder now is a change.
    earlier = (f"SELECT c.student_id FROM dcfs_cases c WHERE c.student_id IN ({student_ids_sql}) "
               f"AND NOT EXISTS (SELECT 1 FROM {RESOLVED} r WHERE r.target_id IS NULL "
               "AND r.student_id = c.student_id AND r.case_id = c.case_id AND r.assignment_start = c.assignment_start)")
    if removed:
        earlier += f" UNION SELECT student_id FROM {snap.GONE}"
    recompute_foster_status(sql, student_ids_sql, earlier)


# CALPADS Data Guide v11, 2.1.3 Student Program (SPRG), Transitional Kindergarten: "Students
# participating in a Transitional Kindergarten program are enrolled in CALPADS with a grade level
# of Kindergarten (KN)." TK is a program, not a grade. UE and US stay accepted: "retired as of
# 6/30/18 but available for transactional purposes prior to AY 2018-2019" (Guide 5.3, Appendix C).
TK_WARNING = ("{n} enrollment row(s) gave grade_level TK; loaded as KN (CALPADS Data Guide v11, 2.1.3: "
              "TK students are enrolled with grade level KN)")


def _tk_as_kn(sql: Sql) -> tuple[str, ...]:
    mapped = sql.run(f"UPDATE {STAGE} SET grade_level = 'KN' WHERE grade_level = 'TK'")
    return (TK_WARNING.format(n=mapped),) if mapped else ()


SCHOOLS = TableSpec(
    table="schools",
    stage=(("cds_code", "text"), ("name", "text"), ("district_name", "text"), ("address", "text"),
           ("city", "text"), ("zip", "text"), ("phone", "text"), ("latitude", "float"), ("longitude", "float")),
    key=("cds_code",), key_label="cds_code", dup_column="cds_code",
)
# The optional rights-holder columns of the DCFS feed (rows.DCFS_CASE), copied to the student too.
HOLDER_STAGE = (("rights_holder_relationship", "text"), ("rights_holder_phone", "text"), ("jv535_order_date", "date"),
                ("parent_rights_limited", "bool"))
DCFS_CASES = TableSpec(
    table="dcfs_cases",
    stage=(("ssid", "text"), ("case_id", "text"), ("case_type", "text"), ("case_status", "text"),
           ("csw_employee_id", "text"), ("assignment_start", "date"), ("assignment_end", "date"),
           ("education_rights_holder", "text"), *HOLDER_STAGE,
           ("placement_start_date", "date"), ("placement_type", "text"), ("placement_latitude", "float"),
           ("placement_longitude", "float")),
    key=("student_id", "case_id", "assignment_start"), key_label="student, case_id, assignment_start",
    dup_column="case_id", after=_after_cases,
)
ENROLLMENTS = TableSpec(
    table="enrollments",
    stage=(("ssid", "text"), ("cds_code", "text"), ("academic_year", "text"), ("enrollment_status", "text"),
           ("grade_level", "text"), ("start_date", "date"), ("exit_date", "date"), ("exit_reason_code", "text")),
    key=("student_id", "school_id", "academic_year", "start_date"),
    key_label="student, cds_code, academic_year, start_date", dup_column="start_date", prepare=_tk_as_kn,
)
ATTENDANCE = TableSpec(
    table="attendance_summaries",
    stage=(("ssid", "text"), ("cds_code", "text"), ("academic_year", "text"), ("as_of_date", "date"),
           ("days_expected", "int"), ("days_attended", "int"), ("days_absent_excused", "int"),
           ("days_absent_unexcused", "int"), ("days_suspended_out", "int"), ("days_suspended_in", "int"),
           ("days_incomplete_study", "int")),
    key=("student_id", "school_id", "academic_year"), key_label="student, cds_code, academic_year",
    dup_column="academic_year",
)
