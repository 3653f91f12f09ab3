"""Caseload alerts: each fires only where the education rules say it is true."""
from __future__ import annotations

from mobile_service.education.attendance import Attendance
from mobile_service.education.enrollment import Mobility, recent_school_change
from mobile_service.education.marks import Marks

ALERT_SCHOOL_CHANGE_30D = "school_change_30d"
ALERT_CHRONIC_ABSENCE = "chronic_absence"
ALERT_NO_CURRENT_ENROLLMENT = "no_current_enrollment"
ALERT_FAILING_MARKS = "failing_marks"
ALERTS = (ALERT_SCHOOL_CHANGE_30D, ALERT_CHRONIC_ABSENCE, ALERT_NO_CURRENT_ENROLLMENT, ALERT_FAILING_MARKS)


def alerts(*, mobility_figures: Mobility, attendance_figures: Attendance | None,
           marks_figures: Marks | None) -> list[str]:
    """Caseload alerts, in a stable order (see ``ALERTS``)."""
    found = []
    if recent_school_change(mobility_figures):
        found.append(ALERT_SCHOOL_CHANGE_30D)
    if attendance_figures is not None and attendance_figures.chronically_absent:
        found.append(ALERT_CHRONIC_ABSENCE)
    if mobility_figures.current is None and not mobility_figures.awaiting_next_school:
        found.append(ALERT_NO_CURRENT_ENROLLMENT)
    if marks_figures is not None and marks_figures.df_count > 0:
        found.append(ALERT_FAILING_MARKS)
    return found
