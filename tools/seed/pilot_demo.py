"""Pilot demo data: the "Pomona pilot" cohort 18 days in, with usage, feedback, issues, app errors, news.

Written with the models after the imports, in bulk, and committed once. Usage events carry
route templates and criteria kinds only, never a student identifier (like the real events).
Participants are the registry users whose ``pilot_cohort`` the users file set.
"""
from __future__ import annotations

import datetime as dt
import math
import random
import uuid
from dataclasses import dataclass

from sqlalchemy import insert, select, update

from mobile_service import clock
from mobile_service.extensions import db
from mobile_service.models import (
    ROLE_COORDINATOR,
    Announcement,
    CaseloadEntry,
    Feedback,
    IssueReport,
    PilotCohort,
    Student,
    UsageEvent,
    User,
)
from mobile_service.pilot.domain import FEEDBACK_CATEGORIES, sus_score
from tools.seed.demo import DEMO_STUDENTS
from tools.seed.pilot_client_events import seed_client_events
from tools.seed.pilot_content import (
    COMMENTS,
    ISSUES,
    ROUTES,
    SCREENS,
    SEARCH_KINDS,
    STATUS_NOTES,
    TABS,
)
from tools.seed.workforce import DEMO_COORDINATOR, DEMO_CSW2, PILOT_COHORT, PILOT_OFFICES

PILOT_DAYS_ELAPSED = 18
PILOT_LENGTH = 30
PILOT_TARGET = 50
# Field hours 08:00-18:00 Pacific, as UTC hours (PDT offset; close enough for demo data).
WORKDAY_UTC = (15, 25)
@dataclass
class _Participant:
    id: int
    role: str
    platform: str
    engagement: float
    activated_at: dt.datetime | None


def seed_pilot(seed: int) -> dict[str, int] | None:
    """Create the demo pilot; ``None`` (nothing written) when the cohort already exists."""
    if db.session.execute(select(PilotCohort.id).where(PilotCohort.name == PILOT_COHORT)).first():
        return None
    rng = random.Random(f"pilot-{seed}")
    now = clock.utcnow()
    start = clock.today() - dt.timedelta(days=PILOT_DAYS_ELAPSED)
    db.session.add(PilotCohort(name=PILOT_COHORT, start_date=start, length_days=PILOT_LENGTH,
                               target_participants=PILOT_TARGET, offices=list(PILOT_OFFICES)))
    users = db.session.execute(select(User.id, User.role, User.email).where(User.pilot_cohort == PILOT_COHORT)
                               .order_by(User.id)).all()
    start_at = dt.datetime.combine(start, dt.time(16, 0), tzinfo=dt.UTC)
    people: list[_Participant] = []
    for user_id, role, email in users:
        demo = email.endswith(".demo@dcfs.lacounty.gov")
        activated = None
        if demo or rng.random() < 0.87:
            activated = min(now - dt.timedelta(hours=2), start_at + dt.timedelta(hours=rng.uniform(0, 24 * 9)))
        people.append(_Participant(user_id, role, "ios" if rng.random() < 0.6 else "android",
                                   rng.uniform(0.35, 0.95), activated))
    events = _usage_events(rng, people, start, now)
    last_seen: dict[int, dt.datetime] = {}
    for event in events:
        if event["event"] == "sign_in":
            last_seen[event["user_id"]] = max(last_seen.get(event["user_id"], event["occurred_at"]),
                                              event["occurred_at"])
    activations = [{"id": p.id, "activated_at": p.activated_at, "last_sign_in_at": last_seen.get(p.id, p.activated_at)}
                   for p in people if p.activated_at]
    if activations:
        db.session.execute(update(User), activations)
    feedback, feedback_events = _feedback(rng, people, now)
    issues, issue_events = _issues(rng, people, now)
    events += feedback_events + issue_events
    events.sort(key=lambda e: (e["occurred_at"], e["user_id"] or 0))
    for chunk in range(0, len(events), 5000):
        db.session.execute(insert(UsageEvent), events[chunk:chunk + 5000])
    if feedback:
        db.session.execute(insert(Feedback), feedback)
    if issues:
        db.session.execute(insert(IssueReport), issues)
    client_events = seed_client_events(seed, events, now)
    announcements = _announcements(start_at, now)
    db.session.execute(insert(Announcement), announcements)
    covering = _covering_add(now)
    db.session.commit()
    return {"participants": len(people), "activated": len(activations), "usage_events": len(events),
            "feedback": len(feedback), "issue_reports": len(issues), "client_events": client_events,
            "announcements": len(announcements),
            "flagged_caseload_adds": covering}


def _covering_add(now: dt.datetime) -> int:
    """csw2.demo covers one of csw.demo's students: a flagged add their SCSW sees."""
    worker = db.session.execute(select(User.id).where(User.email == DEMO_CSW2.email)).scalar()
    first, last = DEMO_STUDENTS[4][1], DEMO_STUDENTS[4][3]
    student = db.session.execute(select(Student.id).where(
        Student.legal_first_name == first, Student.legal_last_name == last).order_by(Student.id)).scalar()
    if worker is None or student is None:
        return 0
    db.session.add(CaseloadEntry(user_id=worker, student_id=student, origin="added", flagged=True,
                                 added_at=now - dt.timedelta(days=3),
                                 added_reason="Covering for a colleague's home visits this week"))
    return 1


def _version(day_index: int, rng: random.Random) -> str:
    """0.9.x in the first week and a half, then the 1.0 release rolls out."""
    if day_index < 10:
        return rng.choice(("0.9.3", "0.9.4", "0.9.4"))
    return rng.choice(("1.0.0", "1.0.1", "1.0.1")) if rng.random() < 0.85 else "0.9.4"


def _latency(rng: random.Random, route: str) -> float:
    base = 25.0 if route == ROUTES["search"] else 12.0
    return round(base * math.exp(rng.gauss(0.0, 0.55)), 2)


def _status(rng: random.Random, get: bool) -> int:
    roll = rng.random()
    if roll < 0.004:
        return 503 if rng.random() < 0.5 else 500
    if roll < 0.03:
        return 404
    if roll < 0.04:
        return 422 if not get else 401
    if get and roll < 0.14:
        return 304
    return 200


def _usage_events(rng: random.Random, people: list[_Participant], start: dt.date, now: dt.datetime) -> list[dict]:
    """Sessions of activated participants on each pilot day so far."""
    events: list[dict] = []
    days = (now.date() - start).days + 1
    for p in people:
        if p.activated_at is None:
            continue
        for day_index in range(days):
            day = start + dt.timedelta(days=day_index)
            weekend = day.weekday() >= 5
            first_day = day == p.activated_at.date()
            if day < p.activated_at.date() or (not first_day and rng.random() > p.engagement * (0.15 if weekend else 1)):
                continue
            version = _version(day_index, rng)
            for session in range(1 if weekend else rng.choice((1, 1, 2, 2, 3))):
                hour = rng.uniform(*WORKDAY_UTC)
                at = dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC) + dt.timedelta(hours=hour)
                if first_day and session == 0:
                    at = max(at, p.activated_at)
                if at >= now:
                    break
                _session(rng, p, at, version, events, sign_in=session == 0 or rng.random() < 0.3)
    # A few failed sign-ins: people not (yet) in the registry and one deactivated account.
    for _ in range(6):
        at = dt.datetime.combine(start, dt.time(16), tzinfo=dt.UTC) + dt.timedelta(
            hours=rng.uniform(0, 24 * max(1, days - 1)))
        if at < now:
            events.append(_event(at, None, None, "sign_in_failed", None, rng.choice(("ios", "android")),
                                 detail=rng.choice(("not_enrolled", "not_enrolled", "deactivated"))))
    return events


def _event(at: dt.datetime, user_id: int | None, role: str | None, name: str, version: str | None, platform: str,
           **values) -> dict:
    row = {"occurred_at": at, "user_id": user_id, "role": role, "event": name, "route": None, "status": None,
           "latency_ms": None, "result_count": None, "detail": None, "app_version": version, "platform": platform,
           "request_id": None}
    row.update(values)
    return row


def _session(rng: random.Random, p: _Participant, at: dt.datetime, version: str, out: list[dict],
             sign_in: bool) -> None:
    """One field session: sign in, open the caseload, search, open record tabs."""
    clock_at = [at]

    def emit(name: str, route_key: str | None = None, get: bool = True, **values) -> int:
        clock_at[0] += dt.timedelta(seconds=rng.uniform(4, 90))
        when = clock_at[0]
        status = 200
        if route_key:
            route = ROUTES[route_key]
            status = _status(rng, get)
            out.append(_event(when, p.id, p.role, "request", version, p.platform, route=route, status=status,
                              latency_ms=_latency(rng, route),
                              request_id=uuid.UUID(int=rng.getrandbits(128)).hex if status >= 400 else None))
        if name and status < 400:
            out.append(_event(when, p.id, p.role, name, version, p.platform, **values))
        return status

    if sign_in:
        out.append(_event(at, p.id, p.role, "sign_in", version, p.platform))
        emit("", "me")
        if rng.random() < 0.3:
            emit("", "announcements")
    emit("caseload_view", "caseload", result_count=rng.randint(6, 24), detail="own")
    if p.role == "scsw" and rng.random() < 0.7:
        emit("", "supervisees")
        emit("caseload_view", "supervisee_caseload", result_count=rng.randint(8, 20), detail="supervisee")
    for _ in range(rng.choice((0, 1, 1, 2, 3))):
        kinds = rng.choices([k for k, _ in SEARCH_KINDS], [w for _, w in SEARCH_KINDS])[0]
        zero = rng.random() < (0.25 if "ssid" in kinds else 0.12)
        count = 0 if zero else (1 if "dob" in kinds or kinds == "ssid" and rng.random() < 0.6 else rng.randint(1, 25))
        emit("search", "search", get=False, result_count=count, detail=kinds)
        if count and rng.random() < 0.72:
            _record_tabs(rng, emit)
            if rng.random() < 0.08:
                emit("caseload_add", "caseload", get=False, detail="flagged" if rng.random() < 0.5 else "assigned")
    for _ in range(rng.choice((0, 1, 1, 2))):  # straight from the caseload into a record
        _record_tabs(rng, emit)
    if rng.random() < 0.03:
        emit("caseload_remove", "caseload_item", get=False)


def _record_tabs(rng: random.Random, emit) -> None:
    if emit("record_view", "demographics", detail="demographics") >= 400:
        return
    for tab in TABS:
        if rng.random() < 0.55:
            emit("record_view", tab, detail=tab)


def _spread(rng: random.Random, first: dt.datetime, now: dt.datetime) -> dt.datetime:
    return first + dt.timedelta(seconds=rng.uniform(0, max(60.0, (now - first).total_seconds() - 60)))


def _feedback(rng: random.Random, people: list[_Participant], now: dt.datetime) -> tuple[list[dict], list[dict]]:
    """About three dozen feedback rows, mostly positive; a third with SUS answers."""
    field = [p for p in people if p.activated_at and p.role in ("csw", "scsw")]
    rows, events = [], []
    for i in range(36 if field else 0):
        p = rng.choice(field)
        at = _spread(rng, p.activated_at, now)
        rating = rng.choices((1, 2, 3, 4, 5), (0.04, 0.07, 0.17, 0.40, 0.32))[0]
        category = rng.choice(FEEDBACK_CATEGORIES)
        answers = score = None
        if i % 3 == 0:
            # Positive users agree with odd (positive) items and disagree with even (negative) ones.
            lean = (rating - 3) / 2
            answers = [max(1, min(5, round(3 + (lean if k % 2 == 0 else -lean) * 1.6 + rng.gauss(0, 0.7))))
                       for k in range(10)]
            score = sus_score(answers)
        version = _version(max(0, (at.date() - p.activated_at.date()).days), rng)
        rows.append({"user_id": p.id, "created_at": at, "rating": rating, "category": category,
                     "comment": rng.choice(COMMENTS.get(category, COMMENTS["general"])) if rng.random() < 0.8 else None,
                     "screen": rng.choice(SCREENS), "app_version": version, "platform": p.platform,
                     "sus_answers": answers, "sus_score": score})
        events.append(_event(at, p.id, p.role, "feedback", version, p.platform, detail=category))
    return rows, events


def _issues(rng: random.Random, people: list[_Participant], now: dt.datetime) -> tuple[list[dict], list[dict]]:
    """Fifteen issue reports in every status; wrong-data ones point at demo students."""
    field = [p for p in people if p.activated_at and p.role in ("csw", "scsw")]
    if not field:
        return [], []
    demo_ids = [row[0] for row in db.session.execute(
        select(Student.id).where(Student.legal_last_name.in_([s[3] for s in DEMO_STUDENTS])).order_by(Student.id)
    ).all()]
    rows, events = [], []
    for kind, description, status in ISSUES:
        p = rng.choice(field)
        at = _spread(rng, p.activated_at, now)
        changed = None if status == "new" else min(now, at + dt.timedelta(hours=rng.uniform(2, 96)))
        version = "0.9.3" if "0.9.3" in description else _version(10 if rng.random() < 0.5 else 0, rng)
        rows.append({
            "user_id": p.id, "created_at": at, "kind": kind, "description": description,
            "request_id": uuid.UUID(int=rng.getrandbits(128)).hex if kind == "problem" else None,
            "student_id": rng.choice(demo_ids) if kind == "wrong_data" and demo_ids else None,
            "screen": rng.choice(SCREENS), "app_version": version, "platform": p.platform, "status": status,
            "status_note": STATUS_NOTES.get(status), "status_changed_at": changed, "triaged_at": changed,
        })
        events.append(_event(at, p.id, p.role, "issue_report", version, p.platform, detail=kind))
    return rows, events


def _announcements(start_at: dt.datetime, now: dt.datetime) -> list[dict]:
    """Welcome note, the 1.0 release notes and one known issue."""
    author = db.session.execute(select(User.id).where(User.email == DEMO_COORDINATOR.email)).scalar()
    if author is None:
        author = db.session.execute(select(User.id).where(User.role == ROLE_COORDINATOR).order_by(User.id)).scalar()
    release = min(now, start_at + dt.timedelta(days=10))
    return [
        {"created_by": author, "created_at": start_at - dt.timedelta(days=1), "kind": "whats_new",
         "title": "Welcome to the Pomona pilot",
         "body": "Thank you for trying the EPS mobile app. Use Feedback in the menu to tell us what works "
                 "and what does not; your coordinator reads every message.",
         "published_at": start_at - dt.timedelta(days=1), "expires_at": None},
        {"created_by": author, "created_at": release, "kind": "whats_new", "title": "Version 1.0 is available",
         "body": "New in 1.0: school-change and chronic-absence alerts on the caseload, partial SSID search, "
                 "and faster record tabs. Update from the App Store or Google Play.",
         "published_at": release, "expires_at": None},
        {"created_by": author, "created_at": now - dt.timedelta(days=2), "kind": "known_issue",
         "title": "Some progress reports arrive a week late",
         "body": "Progress reports from a few Pomona Unified middle schools reach EPS one week after the "
                 "report date. The dates on each report are correct.",
         "published_at": now - dt.timedelta(days=2), "expires_at": now + dt.timedelta(days=14)},
    ]
