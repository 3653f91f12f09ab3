"""The alert kinds, their audiences and how long a "new" event stays an open alert."""
from __future__ import annotations

from mobile_service import education
from mobile_service.education.enrollment import RECENT_CHANGE_DAYS

# The caseload card's four, by the same names and rule (mobile_service/education/alerts.py).
SCHOOL_CHANGE = education.ALERT_SCHOOL_CHANGE_30D
CHRONIC_ABSENCE = education.ALERT_CHRONIC_ABSENCE
NO_CURRENT_ENROLLMENT = education.ALERT_NO_CURRENT_ENROLLMENT
FAILING_MARKS = education.ALERT_FAILING_MARKS
EDUCATION_KINDS = education.ALERTS
# Events of the DCFS feed and of the caseload.
DCFS_ASSIGNMENT = "dcfs_assignment"              # a case newly assigned to me (the assigned worker only)
RIGHTS_HOLDER_CHANGED = "rights_holder_changed"  # the education rights holder is someone else now
ADD_APPROVED, ADD_DENIED, ADD_LAPSED = "add_approved", "add_denied", "add_lapsed"  # my manual add's outcome
ADD_DECISIONS = (ADD_APPROVED, ADD_DENIED, ADD_LAPSED)
ALL_KINDS = (*EDUCATION_KINDS, DCFS_ASSIGNMENT, RIGHTS_HOLDER_CHANGED, *ADD_DECISIONS)

# A new assignment and a holder change are news for as long as a school change is (30 days,
# the card's school_change_30d window); then the daily job clears them.
RECENT_DAYS = RECENT_CHANGE_DAYS

DESCRIPTIONS = {
    SCHOOL_CHANGE: "changed schools in the last 30 days (CALPADS mobility rules: promotions and summer breaks are not moves)",
    CHRONIC_ABSENCE: "newly chronically absent this school year (absent 10 % or more, enrolled more than 30 days)",
    NO_CURRENT_ENROLLMENT: "no current enrollment (not between schools after a promotion)",
    FAILING_MARKS: "D or F marks on the latest progress report",
    DCFS_ASSIGNMENT: "newly assigned to me in the DCFS feed (assignment started in the last 30 days)",
    RIGHTS_HOLDER_CHANGED: "the education rights holder changed (in the last 30 days)",
    ADD_APPROVED: "my manual add was approved",
    ADD_DENIED: "my manual add was denied",
    ADD_LAPSED: "my manual add lapsed unreviewed",
}

