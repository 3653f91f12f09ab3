"""A hand-computed app-health fixture (see test_app_health.py): API calls, crashes and failed calls.

Pilot ``pomona-2026`` (tests/pilot/conftest.py), now 2026-10-15 19:00Z. A = csw, B = csw2, D = outsider.

Sessions (a participant's calls on one version, gaps ≤ 30 min):
- A on 1.0.0: 10:00, 10:10, 10:20 (session 1); 12:00 (session 2). A crash at 10:45 falls within
  30 minutes of session 1's last call: session 1 crashed.
- A on 1.0.1: 14:00 (session 3); a crash at 09:00 that day precedes every 1.0.1 call: a crashed
  session of its own.
- B on 1.0.0: no calls; one crash report with count 2: two crashed sessions.
- D's crash (outsider) never counts.
=> 1.0.0: 4 sessions, 3 crashed (25 % crash-free); 1.0.1: 2 sessions, 1 crashed (50 %); all: 6 / 4.
"""
from __future__ import annotations

import datetime as dt

from mobile_service.extensions import db
from mobile_service.models import ClientEvent, ClientEventSignature, UsageEvent

DAY = "2026-10-12"
MATCHED_ID = "5e0c3a1b2d4e4f5a8b9c0d1e2f3a4b5c"
UNMATCHED_ID = "7f0c3a1b2d4e4f5a8b9c0d1e2f3a4b5c"


def at(clock: str, day: str = DAY) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day} {clock}").replace(tzinfo=dt.UTC)


def seed(people: dict[str, int]) -> dict[str, int]:
    """Insert the rows (inside an app context) and commit; return the signature ids."""
    a, b, d = people["csw"], people["csw2"], people["outsider"]
    for user, clock, version in ((a, "10:00", "1.0.0"), (a, "10:10", "1.0.0"), (a, "10:20", "1.0.0"),
                                 (a, "12:00", "1.0.0"), (a, "14:00", "1.0.1")):
        db.session.add(UsageEvent(user_id=user, role="csw", occurred_at=at(clock), event="request",
                                  route="/api/v1/caseload", status=200, latency_ms=10.0, app_version=version))
    db.session.add(UsageEvent(user_id=a, role="csw", occurred_at=at("14:05"), event="request",
                              route="/api/v1/students/<student_key>", status=503, latency_ms=250.0,
                              app_version="1.0.1", request_id=MATCHED_ID))
    crash = ClientEventSignature(kind="crash", signature="c0ffee0000000001", error_code="EXC_BAD_ACCESS",
                                 screen="student/attendance", first_seen=at("09:00", "2026-10-02"),
                                 last_seen=at("10:45"), occurrences=5, reports=4)
    failed = ClientEventSignature(kind="failed_call", signature="fa11ed0000000001", error_code="503",
                                  first_seen=at("14:05"), last_seen=at("15:00"), occurrences=2, reports=2)
    db.session.add_all([crash, failed])
    db.session.flush()

    def report(user, kind, when, version, count=1, signature=crash, request_id=None, report="0"):
        db.session.add(ClientEvent(signature_id=signature.id, user_id=user, report_id=f"{report}-{user}-{when:%H%M}",
                                   kind=kind, occurred_at=when, received_at=when, app_version=version,
                                   platform="ios", os_version="17.6", error_code=signature.error_code,
                                   request_id=request_id, count=count))

    report(a, "crash", at("10:45"), "1.0.0")
    report(a, "crash", at("09:00"), "1.0.1")
    report(b, "crash", at("11:00"), "1.0.0", count=2)
    report(d, "crash", at("11:00"), "1.0.0", count=9)  # outsider
    report(a, "failed_call", at("14:05"), "1.0.1", signature=failed, request_id=MATCHED_ID)
    report(b, "failed_call", at("15:00"), "1.0.0", signature=failed, request_id=UNMATCHED_ID)
    db.session.commit()
    return {"crash": crash.id, "failed": failed.id}
