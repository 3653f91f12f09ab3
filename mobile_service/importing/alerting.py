"""After a load's rows are applied, in its transaction: the alerts of the students it changed.

Only rows the load inserted, changed or (snapshot) removed count, so a re-load of the same file
touches no student and raises nothing (``mobile_service.alerts.refresh``).
"""
from __future__ import annotations

from mobile_service.alerts import refresh
from mobile_service.alerts.kinds import FAILING_MARKS
from mobile_service.importing import snapshot as snap
from mobile_service.importing.staging import Sql
from mobile_service.importing.tables import RESOLVED, STAGE

TABLE_KINDS = ("enrollments", "attendance", refresh.DCFS_KIND)
PROGRESS_KIND = "progress-reports"


def touched_students_sql(kind: str, snapshot: snap.Snapshot | None) -> str | None:
    """A query of the student ids the load of ``kind`` changed (None: a kind without alerts)."""
    if kind in TABLE_KINDS:
        query = f"SELECT DISTINCT student_id FROM {RESOLVED} WHERE target_id IS NULL OR changed"
        return query + (f" UNION SELECT student_id FROM {snap.GONE}" if snapshot is not None else "")
    if kind == PROGRESS_KIND:
        query = f"SELECT DISTINCT student_id FROM {STAGE} WHERE target_id IS NULL OR changed OR report_changed"
        # A snapshot may remove a student's latest report: recheck every open D/F alert too.
        return query + (f" UNION SELECT student_id FROM alerts WHERE kind = '{FAILING_MARKS}' "
                        "AND cleared_at IS NULL" if snapshot is not None else "")
    return None


def raise_alerts(sql: Sql, kind: str, snapshot: snap.Snapshot | None) -> None:
    """Refresh the stored alerts of the students this load changed (the caller commits)."""
    query = touched_students_sql(kind, snapshot)
    if query is None:
        return
    ids = [int(row[0]) for row in sql.rows(query) if row[0] is not None]
    if ids:
        refresh.after_load(kind, ids)
