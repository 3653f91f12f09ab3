"""Pilot metrics from server-side usage events, the registry, feedback and issue reports.

Every figure is an aggregate over the cohort's participants (registry users whose
``pilot_cohort`` is the cohort's name) and the pilot days observed so far. Nothing here reads a
student table or returns a student identifier. Definitions are documented in the README
("Pilot metrics") and mirrored in the docstrings below.
"""
from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import case, func, select

from mobile_service.extensions import db
from mobile_service.models import UsageEvent, User
from mobile_service.pilot.feedback_metrics import feedback_summary, issue_summary, sus_summary
from mobile_service.pilot.window import PilotWindow

RECORD_TABS = ("demographics", "enrollments", "attendance", "progress_reports")
# Per-day feature-use columns: (column name, event, detail or None for any).
FEATURE_COLUMNS = (
    ("caseload_views", "caseload_view", None),
    ("searches", "search", None),
    *[(f"record_views_{tab}", "record_view", tab) for tab in RECORD_TABS],
    ("caseload_adds", "caseload_add", None),
    ("caseload_removes", "caseload_remove", None),
    ("feedback", "feedback", None),
    ("issue_reports", "issue_report", None),
)


def participant_ids(window: PilotWindow):
    """Select the ids of the cohort's participants (deactivated ones included: they took part)."""
    return select(User.id).where(User.pilot_cohort == window.cohort.name)


def percentile(sorted_values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least ``pct`` % of values at or below it."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return round(sorted_values[rank - 1], 1)


def ratio(numerator: int, denominator: int, digits: int = 4) -> float | None:
    """``numerator / denominator`` rounded, or None when there is nothing to divide by."""
    return round(numerator / denominator, digits) if denominator else None


def _events(window: PilotWindow, *columns):
    """A subquery of the participants' events in the window with their pilot day number."""
    return (
        select(window.bucket(UsageEvent.occurred_at).label("day"), *columns)
        .where(window.in_window(UsageEvent.occurred_at), UsageEvent.user_id.in_(participant_ids(window)))
        .subquery()
    )


def participants(window: PilotWindow) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Enrolled vs target, activated (first successful sign-in) and the cumulative adoption curve."""
    rows = db.session.execute(
        select(User.office, User.active, User.activated_at).where(User.pilot_cohort == window.cohort.name)
    ).all()
    enrolled = [row for row in rows if row.active]
    activated_days = sorted(window.local_date(row.activated_at) for row in enrolled if row.activated_at)
    by_office = Counter(row.office or "(none)" for row in enrolled)
    figures = {
        "enrolled": len(enrolled),
        "target": window.cohort.target_participants,
        "enrolled_share_of_target": ratio(len(enrolled), window.cohort.target_participants),
        "activated": len(activated_days),
        "activation_rate": ratio(len(activated_days), len(enrolled)),
        "deactivated": len(rows) - len(enrolled),
        "by_office": dict(sorted(by_office.items())),
    }
    adoption = [
        {"date": day.isoformat(), "pilot_day": index + 1,
         "activated_cumulative": sum(1 for activated in activated_days if activated <= day)}
        for index, day in enumerate(window.days)
    ]
    return figures, adoption


def activity(window: PilotWindow, enrolled: int) -> dict[str, Any]:
    """Daily and weekly active users: distinct participants with any event that day / ISO week."""
    events = _events(window, UsageEvent.user_id)
    rows = db.session.execute(select(events.c.day, events.c.user_id).distinct()).all()
    users_by_day: dict[int, set[int]] = defaultdict(set)
    for day, user_id in rows:
        if day is not None:
            users_by_day[int(day)].add(user_id)
    daily = [{"date": day.isoformat(), "pilot_day": index + 1, "active_users": len(users_by_day[index])}
             for index, day in enumerate(window.days)]
    weeks: dict[tuple[int, int], dict[str, Any]] = {}
    for index, day in enumerate(window.days):
        year, week, _ = day.isocalendar()
        entry = weeks.setdefault((year, week), {"week": f"{year}-W{week:02d}", "start_date": day.isoformat(),
                                                 "end_date": day.isoformat(), "pilot_days": 0, "users": set()})
        entry["end_date"] = day.isoformat()
        entry["pilot_days"] += 1
        entry["users"] |= users_by_day[index]
    weekly = []
    for entry in weeks.values():
        users = entry.pop("users")
        weekly.append({**entry, "active_users": len(users), "active_share": ratio(len(users), enrolled)})
    all_users = set().union(*users_by_day.values()) if users_by_day else set()
    return {"daily": daily, "weekly": weekly, "ever_active": len(all_users)}


def feature_use_daily(window: PilotWindow) -> list[dict[str, Any]]:
    """Per pilot day: counts of each feature event, record views by tab and zero-result searches."""
    events = _events(window, UsageEvent.event, UsageEvent.detail, UsageEvent.result_count)
    zero = func.sum(case((events.c.result_count == 0, 1), else_=0))
    rows = db.session.execute(
        select(events.c.day, events.c.event, events.c.detail, func.count(), zero)
        .where(events.c.event != "request")
        .group_by(events.c.day, events.c.event, events.c.detail)
    ).all()
    days = [{"date": day.isoformat(), "pilot_day": index + 1, **{name: 0 for name, _, _ in FEATURE_COLUMNS},
             "zero_result_searches": 0} for index, day in enumerate(window.days)]
    for day, event, detail, count, zeros in rows:
        if day is None:
            continue
        target = days[int(day)]
        for name, wanted_event, wanted_detail in FEATURE_COLUMNS:
            if event == wanted_event and (wanted_detail is None or detail == wanted_detail):
                target[name] += count
        if event == "search":
            target["zero_result_searches"] += int(zeros or 0)
    return days


def feature_use(window: PilotWindow, daily: list[dict[str, Any]]) -> dict[str, Any]:
    """Totals over the observed days, search→view rate and zero-result searches by criteria kinds.

    search→view rate = record_view events with detail ``demographics`` / search events. Opening a
    student from the results loads demographics first; demographics opened from the caseload
    count too, so the rate can exceed 1 (events carry no student id to pair them exactly).
    """
    totals = {name: sum(day[name] for day in daily) for name, _, _ in FEATURE_COLUMNS}
    totals["zero_result_searches"] = sum(day["zero_result_searches"] for day in daily)
    events = _events(window, UsageEvent.event, UsageEvent.detail, UsageEvent.result_count)
    zero_rows = db.session.execute(
        select(events.c.detail, func.count())
        .where(events.c.event == "search", events.c.result_count == 0)
        .group_by(events.c.detail)
    ).all()
    record_views = {tab: totals[f"record_views_{tab}"] for tab in RECORD_TABS}
    return {
        "caseload_views": totals["caseload_views"],
        "searches": totals["searches"],
        "zero_result_searches": totals["zero_result_searches"],
        "zero_result_rate": ratio(totals["zero_result_searches"], totals["searches"]),
        "zero_result_by_criteria": {detail or "(unknown)": count for detail, count in sorted(zero_rows, key=lambda r: r[0] or "")},
        "record_views": record_views,
        "record_views_total": sum(record_views.values()),
        "search_to_view_rate": ratio(record_views["demographics"], totals["searches"]),
        "caseload_adds": totals["caseload_adds"],
        "caseload_removes": totals["caseload_removes"],
    }


def performance(window: PilotWindow) -> dict[str, Any]:
    """Per day and overall: requests, p50/p95 latency (nearest rank), 5xx and 4xx rates."""
    events = _events(window, UsageEvent.event, UsageEvent.status, UsageEvent.latency_ms)
    rows = db.session.execute(
        select(events.c.day, events.c.status, events.c.latency_ms).where(events.c.event == "request")
    ).all()
    latencies: dict[int, list[float]] = defaultdict(list)
    counts: dict[int, Counter] = defaultdict(Counter)
    for day, status, latency in rows:
        if day is None:
            continue
        day = int(day)
        counts[day]["requests"] += 1
        counts[day]["errors"] += int(status is not None and status >= 500)
        counts[day]["client_errors"] += int(status is not None and 400 <= status < 500)
        if latency is not None:
            latencies[day].append(float(latency))

    def figures(count: Counter, values: list[float]) -> dict[str, Any]:
        values = sorted(values)
        return {"requests": count["requests"], "errors": count["errors"], "client_errors": count["client_errors"],
                "error_rate": ratio(count["errors"], count["requests"]),
                "client_error_rate": ratio(count["client_errors"], count["requests"]),
                "p50_ms": percentile(values, 50), "p95_ms": percentile(values, 95)}

    daily = [{"date": day.isoformat(), "pilot_day": index + 1, **figures(counts[index], latencies[index])}
             for index, day in enumerate(window.days)]
    overall = figures(sum(counts.values(), Counter()), [v for values in latencies.values() for v in values])
    return {"daily": daily, "overall": overall}


def clients(window: PilotWindow) -> dict[str, Any]:
    """Distinct participants seen on each platform and app version (one user may count in several)."""
    events = _events(window, UsageEvent.user_id, UsageEvent.platform, UsageEvent.app_version)
    rows = db.session.execute(select(events.c.user_id, events.c.platform, events.c.app_version).distinct()).all()
    platforms: dict[str, set[int]] = defaultdict(set)
    versions: dict[str, set[int]] = defaultdict(set)
    for user_id, platform, version in rows:
        if platform:
            platforms[platform].add(user_id)
        if version:
            versions[version].add(user_id)
    return {"platforms": {k: len(v) for k, v in sorted(platforms.items())},
            "app_versions": {k: len(v) for k, v in sorted(versions.items())}}


def summary(window: PilotWindow) -> dict[str, Any]:
    """Every coordinator figure for one cohort, as of the window's instant."""
    cohort = window.cohort
    people, adoption = participants(window)
    daily_features = feature_use_daily(window)
    return {
        "cohort": {"name": cohort.name, "start_date": cohort.start_date.isoformat(),
                   "end_date": window.end_date.isoformat(), "length_days": cohort.length_days,
                   "target_participants": cohort.target_participants, "offices": list(cohort.offices or []),
                   "timezone": window.tz.key},
        "as_of": window.now.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "status": window.status,
        "days_elapsed": window.days_elapsed,
        "days_left": window.days_left,
        "participants": people,
        "adoption": adoption,
        "activity": activity(window, people["enrolled"]),
        "feature_use": feature_use(window, daily_features),
        "feedback": feedback_summary(window),
        "sus": sus_summary(window),
        "issues": issue_summary(window),
        "performance": performance(window),
        "clients": clients(window),
    }
