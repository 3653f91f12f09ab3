"""Data-quality demo reports: duplicate / multiple SSIDs on demo students, one resolved by the steward.

Written after the pilot demo data, once (skipped when any data-quality report exists). The
reporters name students on their own caseload or their supervisee's (no exact lookup needed);
each report's steward notice is in the outbox as already sent.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from mobile_service import clock
from mobile_service.extensions import db
from mobile_service.models import IssueReport, IssueReportStudent, OutboxMessage, Student, User
from mobile_service.notify.outbox import SENT, TOPIC_DQ_REPORT
from mobile_service.pilot.domain import DATA_QUALITY_KINDS
from tools.seed.demo import DEMO_STUDENTS
from tools.seed.workforce import DEMO_CSW, DEMO_SCSW, DEMO_STEWARD

_NAMES = {key: (first, last) for key, first, _middle, last, *_rest in DEMO_STUDENTS}
# (reporter, kind, students, basis, description, days ago, outcome, steward's note)
REPORTS = (
    (DEMO_CSW, "multiple_ssids", ("twin_1", "twin_2"), "dcfs_assignment",
     "Two records with the same birth date and last name: is this one girl under two SSIDs?", 9,
     "not_a_duplicate", "These are twin sisters: two children, two records, both correct. Nothing to merge."),
    (DEMO_SCSW, "duplicate_ssid", ("no_current_enrollment",), "supervision",
     "The enrollment history mixes in another boy's school: the district may have reused his SSID.", 5,
     "corrected_at_source", "Pomona Unified re-sent the other student's enrollment under his own SSID; "
                            "this record is his alone again from the next weekly load."),
    (DEMO_CSW, "duplicate_ssid", ("retired_ssid",), "dcfs_assignment",
     "Searching his old SSID brings up attendance from a school he never attended.", 1, None, None),
)


def seed_data_quality() -> int | None:
    """Write the demo data-quality reports; ``None`` (nothing written) when some already exist."""
    if db.session.execute(select(IssueReport.id).where(IssueReport.kind.in_(DATA_QUALITY_KINDS))).first():
        return None
    users = dict(db.session.execute(select(User.email, User.id).where(
        User.email.in_([DEMO_CSW.email, DEMO_SCSW.email, DEMO_STEWARD.email]))).all())
    now = clock.utcnow()
    written = 0
    for reporter, kind, keys, basis, description, days, outcome, note in REPORTS:
        ids = [_student_id(*_NAMES[key]) for key in keys]
        if reporter.email not in users or None in ids:
            continue
        at = now - dt.timedelta(days=days, hours=2)
        resolved_at = at + dt.timedelta(days=1, hours=3) if outcome else None
        issue = IssueReport(user_id=users[reporter.email], created_at=at, kind=kind, description=description,
                            screen="student_demographics", app_version="1.0.2", platform="ios",
                            status="resolved" if outcome else "new", outcome=outcome, status_note=note,
                            status_changed_at=resolved_at,
                            resolved_by=users.get(DEMO_STEWARD.email) if outcome else None)
        db.session.add(issue)
        db.session.flush()
        db.session.add_all(IssueReportStudent(issue_id=issue.id, student_id=sid, position=n, basis=basis)
                           for n, sid in enumerate(ids))
        db.session.add(OutboxMessage(topic=TOPIC_DQ_REPORT, issue_id=issue.id, created_at=at, status=SENT,
                                     attempts=1, next_attempt_at=at, last_attempt_at=at + dt.timedelta(minutes=1),
                                     sent_at=at + dt.timedelta(minutes=1)))
        written += 1
    db.session.commit()
    return written


def _student_id(first: str, last: str) -> int | None:
    return db.session.execute(select(Student.id).where(Student.legal_first_name == first,
                                                       Student.legal_last_name == last)
                              .order_by(Student.id)).scalar()
