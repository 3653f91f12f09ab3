"""The education rules in one place: mobility, current enrollment, attendance, marks, alerts.

Pure functions of the records and ``today``; the CALPADS codes they read are data in
``codes.py``, and each rule cites the CALPADS Data Guide v11.0 passage it follows. The caseload
card (mobile_service/caseload_cards.py), the record tabs (api/students/record_tabs.py) and search call only these.
"""
from mobile_service.education.alerts import (
    ALERT_CHRONIC_ABSENCE,
    ALERT_FAILING_MARKS,
    ALERT_NO_CURRENT_ENROLLMENT,
    ALERT_SCHOOL_CHANGE_30D,
    ALERTS,
    alerts,
)
from mobile_service.education.attendance import Attendance, days_absent, school_attendance, year_attendance
from mobile_service.education.codes import ENROLLMENT_STATUS_LABELS, EXIT_CODES, exit_code, exit_label
from mobile_service.education.enrollment import (
    Mobility,
    SchoolMove,
    academic_year,
    age,
    awaiting_next_school,
    current_enrollment,
    is_school_change,
    mobility,
    school_moves_this_year,
)
from mobile_service.education.marks import Marks, is_d_or_f, mark_points, term_marks

__all__ = [
    "ALERTS", "ALERT_CHRONIC_ABSENCE", "ALERT_FAILING_MARKS", "ALERT_NO_CURRENT_ENROLLMENT",
    "ALERT_SCHOOL_CHANGE_30D", "ENROLLMENT_STATUS_LABELS", "EXIT_CODES", "Attendance", "Marks", "Mobility",
    "SchoolMove",
    "academic_year", "age", "alerts", "awaiting_next_school", "current_enrollment", "days_absent", "exit_code",
    "exit_label", "is_d_or_f", "is_school_change", "mark_points", "mobility", "school_attendance",
    "school_moves_this_year", "term_marks",
    "year_attendance",
]
