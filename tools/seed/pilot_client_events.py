"""Pilot demo data: the app's error reports (crashes, failed calls, slow screens), merged by signature.

Derived from the demo usage events so that the dashboard's panels tell one story: 0.9.3 crashes
when opening announcements (the issue report says so), 0.9.4 less, 1.0.x rarely; most server
5xx answers come back as failed-call reports carrying the server's request id, and a few
failed calls never reached the server (timeouts in the field). No text names anyone.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import random
import uuid

from sqlalchemy import insert

from mobile_service.extensions import db
from mobile_service.models import ClientEvent, ClientEventSignature

CRASH_RATE = {"0.9.3": 0.012, "0.9.4": 0.004}  # per API call; other versions
CRASH_RATE_DEFAULT = 0.0006
CRASHES = {
    "0.9.3": (("announcements", "NSRangeException", "Index out of range in AnnouncementList"),
              ("student/attendance", "EXC_BAD_ACCESS", "Attendance card released too early")),
    "0.9.4": (("student/attendance", "EXC_BAD_ACCESS", "Attendance card released too early"),
              ("search", "IllegalStateException", "Results adapter out of sync")),
    "1.0": (("student/progress", "NullPointerException", "Progress report without marks"),),
}
SCREEN_OF_ROUTE = {"/api/v1/caseload": "caseload", "/api/v1/students/search": "search",
                   "/api/v1/students/<student_key>": "student/demographics",
                   "/api/v1/students/<student_key>/attendance": "student/attendance",
                   "/api/v1/students/<student_key>/enrollments": "student/enrollments",
                   "/api/v1/students/<student_key>/progress-reports": "student/progress"}
OS = {"ios": ("17.6.1", "18.1", "18.2"), "android": ("13", "14", "15")}


def _hash(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def seed_client_events(seed: int, events: list[dict], now: dt.datetime) -> int:
    """Insert client events derived from the demo's ``request`` usage events; return how many."""
    rng = random.Random(f"client-events-{seed}")
    reports: list[dict] = []
    for event in events:
        if event["event"] != "request" or event["user_id"] is None or not event["app_version"]:
            continue
        version, platform, at = event["app_version"], event["platform"], event["occurred_at"]
        screen = SCREEN_OF_ROUTE.get(event["route"], "caseload")
        base = {"user_id": event["user_id"], "app_version": version, "platform": platform,
                "os_version": rng.choice(OS.get(platform, ("14",)))}
        if (event["status"] or 0) >= 500 and event.get("request_id") and rng.random() < 0.85:
            reports.append({**base, "kind": "failed_call", "occurred_at": at, "screen": screen,
                            "error_code": str(event["status"]), "request_id": event["request_id"],
                            "signature": _hash("failed_call", event["route"], str(event["status"]))})
        if rng.random() < CRASH_RATE.get(version, CRASH_RATE_DEFAULT):
            crash_screen, code, message = rng.choice(CRASHES.get(version, CRASHES["1.0"]))
            reports.append({**base, "kind": "crash", "occurred_at": at + dt.timedelta(seconds=rng.uniform(5, 120)),
                            "screen": crash_screen, "error_code": code, "message": message,
                            "signature": _hash("crash", version[:3], crash_screen, code)})
        elif screen == "search" and event["latency_ms"] and rng.random() < 0.02:
            reports.append({**base, "kind": "slow_screen", "occurred_at": at, "screen": "search",
                            "duration_ms": rng.randint(3200, 9000), "signature": _hash("slow_screen", "search")})
    people = sorted({r["user_id"]: r for r in reports}.values(), key=lambda r: r["user_id"])[:6]
    for index, template in enumerate(people):  # calls that timed out in the field: the server never saw them
        at = template["occurred_at"] + dt.timedelta(hours=index + 1)
        if at < now:
            reports.append({**{k: template[k] for k in ("user_id", "app_version", "platform", "os_version")},
                            "kind": "failed_call", "occurred_at": at, "screen": "caseload", "error_code": "timeout",
                            "request_id": uuid.UUID(int=rng.getrandbits(128)).hex,
                            "signature": _hash("failed_call", "/api/v1/caseload", "timeout")})
    reports = [r for r in reports if r["occurred_at"] < now]
    if not reports:
        return 0
    signatures: dict[tuple[str, str], dict] = {}
    for r in sorted(reports, key=lambda r: r["occurred_at"]):
        merged = signatures.setdefault((r["kind"], r["signature"]), {
            "kind": r["kind"], "signature": r["signature"], "first_seen": r["occurred_at"], "occurrences": 0,
            "reports": 0, "issue_id": None})
        merged.update(last_seen=r["occurred_at"], error_code=r.get("error_code"), screen=r.get("screen"),
                      message=r.get("message"))
        merged["occurrences"] += 1
        merged["reports"] += 1
    rows = list(signatures.values())
    ids = db.session.execute(insert(ClientEventSignature).returning(ClientEventSignature.id,
                                                                    ClientEventSignature.kind,
                                                                    ClientEventSignature.signature), rows).all()
    by_key = {(kind, signature): id_ for id_, kind, signature in ids}
    db.session.execute(insert(ClientEvent), [
        {"signature_id": by_key[(r["kind"], r["signature"])], "user_id": r["user_id"],
         "report_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "kind": r["kind"],
         "occurred_at": r["occurred_at"], "received_at": r["occurred_at"] + dt.timedelta(minutes=rng.uniform(0, 30)),
         "app_version": r["app_version"], "platform": r["platform"], "os_version": r["os_version"],
         "screen": r.get("screen"), "error_code": r.get("error_code"), "request_id": r.get("request_id"),
         "duration_ms": r.get("duration_ms"), "count": 1}
        for r in reports])
    return len(reports)
