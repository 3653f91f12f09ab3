"""What each load tells the sync change log: which students' records changed, in which tabs.

Called by the loaders after classification and before the rows are applied (a snapshot's
removals still in the table), so old and new values are both at hand. Set-based: one
INSERT ... SELECT per (table, tab) into the load's change stage, whatever the file's size;
``changelog.finish_import`` folds them to one row per student and tab.
"""
from __future__ import annotations

from mobile_service import changelog
from mobile_service.importing import snapshot as snap
from mobile_service.importing.staging import Sql

# Which record tabs a table's rows show in (demographics shows the current school and grade).
TABLE_TABS = {
    "enrollments": ("enrollments", "demographics"),
    "attendance_summaries": ("attendance",),
    # A case shows only through the student's status, case type and rights holder, which
    # recompute_foster_status re-derives and notes when they really change.
    "dcfs_cases": (),
}
# Which tabs name a school's columns (schools load): via the rows that point at the school.
_SCHOOL_ROWS = (("enrollments", ("enrollments", "demographics"), "student_id"),
                ("attendance_summaries", ("attendance",), "student_id"),
                ("progress_reports", ("progress_reports",), "student_id"))


def note_table(sql: Sql, table: str, resolved: str, gone: bool) -> None:
    """A row-per-record load of ``table``: its new, changed and (snapshot) removed rows' students."""
    touched = f"SELECT student_id FROM {resolved} WHERE target_id IS NULL OR changed"
    if table == "schools":
        changed = f"SELECT target_id FROM {resolved} WHERE changed"
        for rows, tabs, column in _SCHOOL_ROWS:
            changelog.stage_import(sql, tabs, f"SELECT {column} AS student_id FROM {rows} WHERE school_id IN ({changed})")
        return
    tabs = TABLE_TABS[table]
    changelog.stage_import(sql, tabs, touched)
    if gone:
        changelog.stage_import(sql, tabs, f"SELECT student_id FROM {snap.GONE}")
    if table == "dcfs_cases":
        _note_assignments(sql, resolved, gone)


def _note_assignments(sql: Sql, resolved: str, gone: bool) -> None:
    # Whose caseload a case touches: the worker it names now and the one it named before.
    worker = "JOIN users u ON u.dcfs_employee_id = {column}"
    changelog.stage_import_users(sql, "caseload", f"SELECT r.student_id, u.id AS user_id FROM {resolved} r "
                                 f"{worker.format(column='r.csw_employee_id')} WHERE r.target_id IS NULL OR r.changed")
    changelog.stage_import_users(sql, "caseload", f"SELECT t.student_id, u.id AS user_id FROM dcfs_cases t "
                                 f"JOIN {resolved} r ON r.target_id = t.id AND r.changed "
                                 f"{worker.format(column='t.csw_employee_id')}")
    if gone:
        # A case withdrawn at the source (deleted by the county-wide snapshot), not ended.
        changelog.stage_import(sql, ("record_deleted",), f"SELECT student_id FROM {snap.GONE}")
        changelog.stage_import_users(sql, "caseload", f"SELECT t.student_id, u.id AS user_id FROM dcfs_cases t "
                                     f"JOIN {snap.GONE} g ON g.id = t.id {worker.format(column='t.csw_employee_id')}")


def note_marks(sql: Sql, stage: str) -> None:
    """A progress-reports load: students with new or changed marks or report dates."""
    changelog.stage_import(sql, ("progress_reports",),
                           f"SELECT student_id FROM {stage} WHERE target_id IS NULL OR changed OR report_changed")


def note_removed_marks(sql: Sql, reports_in_scope: str, stage: str, **params) -> None:
    """A progress-reports snapshot: students whose marks or reports the file no longer lists."""
    changelog.stage_import(sql, ("progress_reports",),
                           f"SELECT r.student_id FROM {snap.GONE} g JOIN progress_marks m ON m.id = g.id "
                           "JOIN progress_reports r ON r.id = m.progress_report_id")
    changelog.stage_import(sql, ("progress_reports",),
                           f"SELECT r.student_id FROM progress_reports r WHERE {reports_in_scope} "
                           f"AND NOT EXISTS (SELECT 1 FROM {stage} s WHERE s.report_id = r.id)", **params)


def note_students(sql: Sql, students_sql: str, **params) -> None:
    """Students whose own row changes (names, birth date, status derived from cases)."""
    changelog.stage_import(sql, ("demographics",), students_sql, **params)
