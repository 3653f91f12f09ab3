"""A hand-computed pilot: known users, usage events, feedback and issues (see test_metrics.py).

Pilot ``pomona-2026`` starts 2026-10-01 (America/Los_Angeles, PDT = UTC-7), 30 days, target 50;
"now" is 2026-10-15 19:00Z (pilot day 15). Participants A (csw), B (csw2), C (scsw); E is a
deactivated participant; D (outsider) is not in the cohort and must never count.
"""
from __future__ import annotations

import datetime as dt

from mobile_service.extensions import db
from mobile_service.models import Feedback, IssueReport, UsageEvent, User
from tests.factories import make_student, make_user

UTC = dt.UTC
STUDENT_ID = 987_654
STUDENT_SSID = "4987654321"


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def seed(people: dict[str, int]) -> dict[str, int]:
    """Insert the fixture rows (inside an app context) and commit."""
    a, b, c, d = people["csw"], people["csw2"], people["scsw"], people["outsider"]
    db.session.get(User, a).activated_at = at("2026-09-28 18:00")  # before the start: counts from day 1
    db.session.get(User, b).activated_at = at("2026-10-03 17:00")  # Oct 3 local
    e = make_user("csw", pilot_cohort="pomona-2026", active=False, activated_at=at("2026-10-02 17:00"))
    student = make_student(id=STUDENT_ID, ssid=STUDENT_SSID)

    def event(user, when, name, **kw):
        db.session.add(UsageEvent(user_id=user, role="csw", occurred_at=at(when), event=name, **kw))

    event(a, "2026-09-30 20:00", "search", result_count=0, detail="name")      # before the pilot
    event(a, "2026-10-01 06:00", "search", result_count=0, detail="name")      # Sep 30 23:00 local
    event(a, "2026-10-01 16:00", "sign_in")                                     # day 1
    event(a, "2026-10-02 06:30", "search", result_count=0, detail="name")      # Oct 1 23:30 local: day 1
    event(a, "2026-10-05 17:00", "caseload_view")
    event(a, "2026-10-05 17:01", "search", result_count=3, detail="ssid")
    event(a, "2026-10-05 17:02", "record_view", detail="demographics")
    event(a, "2026-10-05 17:03", "record_view", detail="attendance")
    event(a, "2026-10-05 17:04", "caseload_add")
    event(b, "2026-10-05 18:00", "search", result_count=0, detail="name+dob")
    event(b, "2026-10-05 18:05", "search", result_count=2, detail="name")
    event(b, "2026-10-05 18:06", "record_view", detail="demographics")
    event(b, "2026-10-07 20:00", "caseload_remove")
    event(c, "2026-10-15 16:00", "caseload_view")
    event(d, "2026-10-05 17:00", "caseload_view")                              # outsider
    event(d, "2026-10-05 17:00", "request", route="/api/v1/caseload", status=500, latency_ms=9999.0)
    for latency, status in ((10, 200), (20, 200), (30, 404), (40, 200), (100, 500)):
        event(a, "2026-10-05 17:10", "request", route="/api/v1/caseload", status=status, latency_ms=float(latency),
              platform="ios", app_version="1.2.0")
    event(b, "2026-10-05 18:10", "request", route="/api/v1/students/search", status=200, latency_ms=50.0,
          platform="android", app_version="1.2.0")
    event(c, "2026-10-15 16:01", "request", route="/api/v1/caseload", status=200, latency_ms=12.5,
          platform="ios", app_version="1.3.0")

    def feedback(user, when, rating, category, comment=None, sus=None, score=None):
        db.session.add(Feedback(user_id=user, created_at=at(when), rating=rating, category=category,
                                comment=comment, sus_answers=sus, sus_score=score, platform="ios"))

    feedback(a, "2026-10-03 18:00", 5, "search", "Great", [5, 1] * 5, 100.0)
    feedback(b, "2026-10-06 18:00", 3, "performance", "=SUM(A1) slow on LTE", [3] * 10, 50.0)
    feedback(c, "2026-10-14 18:00", 4, "search")
    feedback(a, "2026-09-29 18:00", 1, "general", "before the pilot")
    feedback(d, "2026-10-05 18:00", 1, "general", "outsider")

    def issue(user, when, kind, status, student_id=None):
        db.session.add(IssueReport(user_id=user, created_at=at(when), kind=kind, status=status,
                                   description=f"{kind} from {user}", student_id=student_id))

    issue(a, "2026-10-04 18:00", "problem", "new")
    issue(b, "2026-10-06 18:00", "wrong_data", "triaged", student_id=student.id)
    issue(c, "2026-10-10 18:00", "problem", "resolved")
    issue(d, "2026-10-06 18:00", "problem", "new")
    db.session.commit()
    return {"deactivated": e.id, "student": student.id}
