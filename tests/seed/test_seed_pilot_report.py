"""The end-of-pilot report on the seeded pilot: every criterion's value checked by a direct query.

The seeded "Pomona pilot" is 18 days in (``tools/seed/pilot_demo.py``) with usage, feedback,
issues with triage times, and the app's error reports (``tools/seed/pilot_client_events.py``).
Each expected value below is computed here from the tables with plain SQL and the README's
definition, independently of ``mobile_service.pilot.evaluation``.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections import defaultdict
from zoneinfo import ZoneInfo

from sqlalchemy import text

from mobile_service.extensions import db
from mobile_service.models import User
from tests.factories import app_token_for

LA = ZoneInfo("America/Los_Angeles")
COHORT = "Pomona pilot"


def _rows(sql: str, **params):
    return db.session.execute(text(sql), params).all()


def _utc(value) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=LA).astimezone(dt.UTC)


def _expected(frozen_clock: dt.datetime) -> dict[str, float | None]:
    """Every criterion of the seeded cohort, from the tables."""
    (start, length), = _rows("SELECT start_date, length_days FROM pilot_cohorts WHERE name = :c", c=COHORT)
    start = start if isinstance(start, dt.date) else dt.date.fromisoformat(start)
    today = frozen_clock.astimezone(LA).date()
    since = _midnight(start)
    until = _midnight(min(today, start + dt.timedelta(days=length - 1)) + dt.timedelta(days=1))
    ids = [r[0] for r in _rows("SELECT id FROM users WHERE pilot_cohort = :c", c=COHORT)]
    people = _rows("SELECT id, activated_at FROM users WHERE pilot_cohort = :c AND active = :t", c=COHORT, t=True)
    enrolled = len(people)
    activated = sum(1 for _, at in people if at is not None and _utc(at) < until)

    def share(lo, hi):
        n = db.session.execute(text(
            "SELECT COUNT(DISTINCT e.user_id) FROM usage_events e JOIN users u ON u.id = e.user_id "
            "WHERE u.pilot_cohort = :c AND e.occurred_at >= :lo AND e.occurred_at < :hi"),
            {"c": COHORT, "lo": lo, "hi": hi}).scalar()
        return round(n / enrolled, 4)

    week = dt.timedelta(days=7)
    weekly_active = min(share(until - week, until), share(until - 2 * week, until - week))
    (sus,), = _rows("SELECT AVG(f.sus_score) FROM feedback f JOIN users u ON u.id = f.user_id "
                    "WHERE u.pilot_cohort = :c AND f.sus_score IS NOT NULL AND f.created_at >= :s", c=COHORT, s=since)
    counted = in_time = 0
    for created, triaged in _rows(
            "SELECT i.created_at, i.triaged_at FROM issue_reports i LEFT JOIN users u ON u.id = i.user_id "
            "WHERE (u.pilot_cohort = :c OR i.cohort = :c) AND i.created_at >= :s AND i.created_at < :u "
            "AND i.kind NOT IN ('duplicate_ssid', 'multiple_ssids')",
            c=COHORT, s=since, u=until):
        day, working = _utc(created).astimezone(LA).date(), 0
        while working < 2:
            day += dt.timedelta(days=1)
            working += 1 if day.isoweekday() <= 5 else 0
        deadline = _midnight(day + dt.timedelta(days=1))
        if triaged is None and frozen_clock < deadline:
            continue
        counted += 1
        in_time += 1 if triaged is not None and _utc(triaged) < deadline else 0
    latencies = sorted(r[0] for r in _rows(
        "SELECT e.latency_ms FROM usage_events e JOIN users u ON u.id = e.user_id WHERE u.pilot_cohort = :c "
        "AND e.event = 'request' AND e.latency_ms IS NOT NULL AND e.occurred_at >= :s AND e.occurred_at < :u",
        c=COHORT, s=since, u=until))
    p95 = round(latencies[math.ceil(0.95 * len(latencies)) - 1], 1)
    return {"enrolled": enrolled, "activation_rate": round(activated / enrolled, 4),
            "weekly_active_rate": weekly_active, "sus_mean": round(float(sus), 1),
            "triaged_in_time_rate": round(in_time / counted, 4), "api_p95_ms": p95,
            "crash_free_rate": _crash_free(ids, since, until)}


def _crash_free(ids: list[int], since, until) -> float:
    """Sessions: a user's calls on one version, split where two calls are more than 30 minutes apart."""
    gap = dt.timedelta(minutes=30)
    sessions: dict[tuple, list[list]] = defaultdict(list)
    for user, version, at in _rows(
            "SELECT user_id, app_version, occurred_at FROM usage_events WHERE event = 'request' "
            "AND app_version IS NOT NULL AND occurred_at >= :s AND occurred_at < :u ORDER BY occurred_at",
            s=since, u=until):
        if user not in ids:
            continue
        at = _utc(at)
        runs = sessions[(user, version)]
        if runs and at - runs[-1][1] <= gap:
            runs[-1][1] = at
        else:
            runs.append([at, at, False])
    total = sum(len(r) for r in sessions.values())
    crashed = 0
    for user, version, at, count in _rows(
            "SELECT user_id, app_version, occurred_at, count FROM client_events WHERE kind = 'crash' "
            "AND occurred_at >= :s AND occurred_at < :u", s=since, u=until):
        if user not in ids:
            continue
        at = _utc(at)
        hit = [r for r in sessions.get((user, version), []) if r[0] <= at <= r[1] + gap]
        if hit:
            hit[-1][2] = True
        else:
            total += 1
            crashed += 1
        total += count - 1
        crashed += count - 1
    crashed += sum(1 for runs in sessions.values() for r in runs if r[2])
    return round((total - crashed) / total, 4)


def test_seeded_report_criteria_match_direct_queries(app, client, seeded, frozen_clock, runner):
    with app.app_context():
        expected = _expected(frozen_clock)
        (client_events,), = _rows("SELECT COUNT(*) FROM client_events")
        kinds = {k for (k,) in _rows("SELECT DISTINCT kind FROM client_events")}
        (triaged,), = _rows("SELECT COUNT(*) FROM issue_reports WHERE triaged_at IS NOT NULL")
        coordinator = db.session.query(User).filter_by(email="coordinator.demo@lacoe.edu").one()
        token = app_token_for(coordinator)
    assert client_events > 20 and kinds == {"crash", "failed_call", "slow_screen"} and triaged >= 10
    report = client.get("/api/v1/pilot/report", headers={"Authorization": f"Bearer {token}"})
    assert report.status_code == 200, report.json
    found = {c["key"]: c["value"] for c in report.json["criteria"]}
    assert found == expected
    assert {g["label"] for g in report.json["groups"]} == {"DCFS Pomona", "LACOE FYS"}
    health = report.json["app_health"]
    assert health["failed_calls"]["matched"] > 0 and health["failed_calls"]["unmatched"] > 0
    assert {v["app_version"] for v in health["crash_free"]["versions"]} >= {"0.9.3", "1.0.1"}
    # The CLI prints the same values.
    output = runner.invoke(args=["pilot", "report", "--cohort", COHORT, "--format", "csv"])
    assert output.exit_code == 0, output.output
    rows = {r["item"]: r["value"] for r in csv.DictReader(io.StringIO(output.output)) if r["section"] == "criteria"}
    assert {k: float(v) for k, v in rows.items()} == {k: float(v) for k, v in expected.items()}
