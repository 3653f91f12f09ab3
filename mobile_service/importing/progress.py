"""progress-reports: one CSV row per mark; reports are keyed by student, school, year and term.

In a snapshot the file is the whole truth of its district's year: marks it no longer lists are
removed (the mass-delete guard counts marks, like the load's row counts), then the reports it no
longer lists (their marks went with them)."""
from __future__ import annotations

from collections.abc import Iterable

from mobile_service.importing import changes
from mobile_service.importing import snapshot as snap
from mobile_service.importing.source import ErrorLog
from mobile_service.importing.staging import Sql
from mobile_service.importing.tables import STAGE, Counts, check_duplicates, check_references, stage_rows

COLUMNS = (("ssid", "text"), ("cds_code", "text"), ("academic_year", "text"), ("term", "text"),
           ("report_date", "date"), ("course_code", "text"), ("course_title", "text"), ("mark", "text"),
           ("credits_attempted", "numeric"), ("credits_earned", "numeric"))
WORK = (("student_id", "int"), ("school_id", "int"), ("report_id", "int"), ("report_changed", "bool"),
        ("target_id", "int"), ("changed", "bool"))
REPORT_KEY = ("student_id", "school_id", "academic_year", "term")
MARK_VALUES = ("course_title", "mark", "credits_attempted", "credits_earned")


def load(sql: Sql, rows: Iterable[tuple], log: ErrorLog, snapshot: snap.Snapshot | None = None) -> Counts | None:
    """Stage mark rows, check them, then upsert reports and marks; ``None`` when rejected."""
    stage_rows(sql, COLUMNS, rows, work=WORK)
    check_references(sql, ("ssid", "cds_code"), log)
    check_duplicates(sql, (*REPORT_KEY, "course_code"), "student, cds_code, academic_year, term, course_code",
                     "course_code", log)
    _check_report_dates(sql, log)
    snap.check_rows(sql, snapshot, STAGE, log)
    if log.total:
        return None

    report_match = " AND ".join(f"r.{k} = {STAGE}.{k}" for k in REPORT_KEY)
    sql.run(f"UPDATE {STAGE} SET report_id = r.id, report_changed = "
            f"{sql.differs('r.report_date', f'{STAGE}.report_date')} FROM progress_reports r WHERE {report_match}")
    mark_changed = sql.any_differs((f"m.{v}", f"{STAGE}.{v}") for v in MARK_VALUES)
    sql.run(f"UPDATE {STAGE} SET target_id = m.id, changed = ({mark_changed} OR {STAGE}.report_changed) "
            f"FROM progress_marks m WHERE m.progress_report_id = {STAGE}.report_id "
            f"AND m.course_code = {STAGE}.course_code")
    total, inserted, updated = (int(v or 0) for v in sql.rows(
        f"SELECT COUNT(*), SUM(CASE WHEN target_id IS NULL THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN target_id IS NOT NULL AND changed THEN 1 ELSE 0 END) FROM {STAGE}")[0])
    changes.note_marks(sql, STAGE)
    deleted = _remove_missing(sql, snapshot) if snapshot is not None else 0

    sql.run(f"UPDATE progress_reports SET report_date = s.report_date FROM "
            f"(SELECT DISTINCT report_id, report_date FROM {STAGE} WHERE report_changed) s "
            "WHERE progress_reports.id = s.report_id")
    keys = ", ".join(REPORT_KEY)
    sql.run(f"INSERT INTO progress_reports ({keys}, report_date) SELECT {keys}, MIN(report_date) FROM {STAGE} "
            f"WHERE report_id IS NULL GROUP BY {keys} ORDER BY MIN(line)")
    sql.run(f"UPDATE {STAGE} SET report_id = r.id FROM progress_reports r WHERE {STAGE}.report_id IS NULL "
            f"AND {report_match}")
    assignments = ", ".join(f"{v} = s.{v}" for v in MARK_VALUES)
    sql.run(f"UPDATE progress_marks SET {assignments} FROM {STAGE} s "
            "WHERE progress_marks.id = s.target_id AND s.changed")
    target = ("progress_report_id", "course_code", *MARK_VALUES)
    sql.run(f"INSERT INTO progress_marks ({', '.join(target)}) SELECT report_id, course_code, "
            f"{', '.join(MARK_VALUES)} FROM {STAGE} WHERE target_id IS NULL ORDER BY line")
    return Counts(total, inserted, updated, total - inserted - updated, deleted=deleted)


def _remove_missing(sql: Sql, snapshot: snap.Snapshot) -> int:
    """Remove the scope's marks, then reports, that the file no longer lists; returns marks removed."""
    reports = f"{snapshot.school_filter('r.school_id')} AND {snapshot.year_filter('r.academic_year')}"
    in_scope = f"t.progress_report_id IN (SELECT r.id FROM progress_reports r WHERE {reports})"
    deleted = 0
    gone = snap.collect_missing(sql, snapshot, "progress_marks", in_scope, (STAGE, "target_id"), "progress marks")
    if not sql.postgres:  # as in snapshot.collect_missing: SQLite probes the stage per report
        sql.run(f"CREATE INDEX temp.ix_{STAGE}_report_id ON {STAGE} (report_id)")
    # Before either DELETE: the marks and reports about to go still name their students.
    changes.note_removed_marks(sql, reports, STAGE, **snapshot.params)
    if gone:
        deleted = snap.delete_collected(sql, "progress_marks")
    sql.run(f"DELETE FROM progress_reports WHERE id IN (SELECT r.id FROM progress_reports r WHERE {reports} "
            f"AND NOT EXISTS (SELECT 1 FROM {STAGE} s WHERE s.report_id = r.id))", **snapshot.params)
    return deleted


def _check_report_dates(sql: Sql, log: ErrorLog) -> None:
    """All mark rows of one report must carry the same report date."""
    partition = ", ".join(REPORT_KEY)
    inner = (f"SELECT line, report_date, MIN(line) OVER (PARTITION BY {partition}) AS first_line, "
             f"FIRST_VALUE(report_date) OVER (PARTITION BY {partition} ORDER BY line) AS first_date "
             f"FROM {STAGE} WHERE student_id IS NOT NULL AND school_id IS NOT NULL")
    condition = "report_date <> first_date"
    total = int(sql.scalar(f"SELECT COUNT(*) FROM ({inner}) d WHERE {condition}") or 0)
    if total:
        found = sql.rows(f"SELECT line, first_line FROM ({inner}) d WHERE {condition} ORDER BY line LIMIT :cap",
                         cap=log.cap)
        log.merge([(int(line), "report_date", f"differs from line {first} for the same report")
                   for line, first in found], total)
