"""Turn a pilot summary into what the dashboard template shows: headline cards and charts."""
from __future__ import annotations

import datetime as dt
from typing import Any

from markupsafe import Markup

from mobile_service.pilot.domain import ISSUE_STATUSES
from web import charts

TAB_LABELS = {"demographics": "Demographics", "enrollments": "Enrollments", "attendance": "Attendance",
              "progress_reports": "Progress reports"}
STATUS_LABELS = {"new": "New", "triaged": "Triaged", "in_progress": "In progress", "resolved": "Resolved",
                 "wont_fix": "Won't fix"}


def pct(value: float | None) -> str:
    """A ratio as a percentage, or a dash."""
    return "–" if value is None else f"{value * 100:.1f}%"


def num(value: Any, suffix: str = "") -> str:
    """A number (or a dash when unknown)."""
    return "–" if value is None else f"{value:g}{suffix}" if isinstance(value, float) else f"{value}{suffix}"


def short_day(iso_date: str) -> str:
    day = dt.date.fromisoformat(iso_date)
    return f"{day.month}/{day.day}"


def cards(s: dict[str, Any]) -> list[dict[str, str]]:
    """Headline figures, each with a ``metric`` key the browser test compares with the JSON API."""
    people, act, feat, perf = s["participants"], s["activity"], s["feature_use"], s["performance"]["overall"]
    dau = act["daily"][-1]["active_users"] if act["daily"] else 0
    wau = act["weekly"][-1] if act["weekly"] else {"active_users": 0, "active_share": None}
    return [
        {"metric": "enrolled", "label": "Enrolled", "value": str(people["enrolled"]),
         "note": f"target {people['target']} ({pct(people['enrolled_share_of_target'])})"},
        {"metric": "activated", "label": "Activated", "value": str(people["activated"]),
         "note": f"{pct(people['activation_rate'])} of enrolled signed in"},
        {"metric": "dau", "label": "Active today", "value": str(dau), "note": "distinct participants"},
        {"metric": "wau", "label": "Active this week", "value": str(wau["active_users"]),
         "note": f"{pct(wau['active_share'])} of enrolled"},
        {"metric": "searches", "label": "Searches", "value": str(feat["searches"]),
         "note": f"{pct(feat['zero_result_rate'])} found nothing"},
        {"metric": "search_to_view_rate", "label": "Search → view", "value": pct(feat["search_to_view_rate"]),
         "note": "demographics views per search"},
        {"metric": "average_rating", "label": "Average rating", "value": num(s["feedback"]["average_rating"]),
         "note": f"{s['feedback']['count']} feedback"},
        {"metric": "sus", "label": "SUS score", "value": num(s["sus"]["mean"]),
         "note": f"{s['sus']['questionnaires']} questionnaires (benchmark 68)"},
        {"metric": "open_issues", "label": "Open issues", "value": str(s["issues"]["open"]),
         "note": f"{s['issues']['total']} reported"},
        {"metric": "p95_ms", "label": "API p95", "value": num(perf["p95_ms"], " ms"),
         "note": f"p50 {num(perf['p50_ms'], ' ms')}, {perf['requests']} requests"},
        {"metric": "error_rate", "label": "Server errors", "value": pct(perf["error_rate"]),
         "note": f"4xx {pct(perf['client_error_rate'])}"},
        {"metric": "days_left", "label": "Days left", "value": str(s["days_left"]),
         "note": f"day {s['days_elapsed']} of {s['cohort']['length_days']}"},
    ]


def chart_set(s: dict[str, Any]) -> dict[str, Markup]:
    """The dashboard's charts."""
    days = [short_day(d["date"]) for d in s["adoption"]]
    feat = s["feature_use"]
    perf_daily = s["performance"]["daily"]
    features = [("Caseload views", feat["caseload_views"]), ("Searches", feat["searches"]),
                ("Zero-result searches", feat["zero_result_searches"]),
                *[(f"{TAB_LABELS[t]} views", n) for t, n in feat["record_views"].items()],
                ("Caseload adds", feat["caseload_adds"]), ("Caseload removes", feat["caseload_removes"])]
    return {
        "adoption": charts.line_chart(
            "Cumulative activated participants per pilot day", days,
            [("Activated", [d["activated_cumulative"] for d in s["adoption"]])],
            target=s["participants"]["target"], target_label="Target participants"),
        "dau": charts.column_chart("Daily active users", days, [d["active_users"] for d in s["activity"]["daily"]]),
        "features": charts.bar_list("Feature use over the pilot", features),
        "ratings": charts.bar_list("Ratings distribution",
                                   [(f"{r} ★", n) for r, n in s["feedback"]["ratings"].items()]),
        "issues": charts.bar_list("Issues by status",
                                  [(STATUS_LABELS[k], s["issues"]["by_status"][k]) for k in ISSUE_STATUSES]),
        "latency": charts.line_chart(
            "API latency per day (ms)", days,
            [("p50", [d["p50_ms"] for d in perf_daily]), ("p95", [d["p95_ms"] for d in perf_daily])], unit=" ms"),
    }


def crash_free_chart(crash_free: dict[str, Any]) -> Markup:
    """Crash-free sessions per app version, in percent."""
    items = [(f"{v['app_version']} ({v['sessions']})", round(v["crash_free_rate"] * 100, 1))
             for v in crash_free["versions"] if v["crash_free_rate"] is not None]
    return charts.bar_list("Crash-free sessions per app version (%)", items, unit="%")


def report_charts(r: dict[str, Any], s: dict[str, Any]) -> dict[str, Markup]:
    """The report's charts: the dashboard's adoption and issues, latency with its target, weekly activity, crash-free."""
    dashboard = chart_set(s)
    weekly = {c["key"]: c for c in r["criteria"]}
    weeks = [f"Week {w['week']}" for w in r["weeks"]]

    def percent_series(key: str) -> list[float | None]:
        return [None if w["value"] is None else round(w["value"] * 100, 1) for w in weekly[key]["trend"]["weekly"]]

    return {
        "adoption": dashboard["adoption"],
        "latency": charts.line_chart(
            "API latency per day (ms)", [short_day(d["date"]) for d in s["performance"]["daily"]],
            [("p50", [d["p50_ms"] for d in s["performance"]["daily"]]),
             ("p95", [d["p95_ms"] for d in s["performance"]["daily"]])],
            target=weekly["api_p95_ms"]["target"], target_label="p95 target", unit=" ms"),
        "weekly_active": charts.line_chart(
            "Weekly active participants, share of enrolled (%)", weeks,
            [("Weekly active", percent_series("weekly_active_rate"))],
            target=weekly["weekly_active_rate"]["target"] * 100, target_label="target", unit="%"),
        "crash_free": crash_free_chart(r["app_health"]["crash_free"]),
        "issues": dashboard["issues"],
    }
