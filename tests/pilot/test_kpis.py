"""Pilot metrics against the hand-computed fixture in fixture_data.py (every figure exact)."""
from __future__ import annotations

import datetime as dt

import pytest

from mobile_service.pilot.kpis import percentile
from mobile_service.pilot.window import PilotWindow
from tests.pilot import fixture_data


@pytest.fixture
def summary(app, client, people, bearer):
    with app.app_context():
        fixture_data.seed(people)
    response = client.get("/api/v1/pilot/summary?cohort=pomona-2026", headers=bearer("coordinator"))
    assert response.status_code == 200, response.json
    return response.json


def test_window_and_participants(summary):
    assert summary["status"] == "running"
    assert (summary["days_elapsed"], summary["days_left"]) == (15, 15)
    assert summary["cohort"]["end_date"] == "2026-10-30"
    assert summary["participants"] == {
        "enrolled": 3, "target": 50, "enrolled_share_of_target": 0.06, "activated": 2, "activation_rate": 0.6667,
        "deactivated": 1, "by_office": {"LACOE FYS": 1, "Pomona": 2}}
    cumulative = [d["activated_cumulative"] for d in summary["adoption"]]
    assert cumulative == [1, 1] + [2] * 13
    assert summary["adoption"][0] == {"date": "2026-10-01", "pilot_day": 1, "activated_cumulative": 1}


def test_daily_and_weekly_active_users(summary):
    daily = {d["date"]: d["active_users"] for d in summary["activity"]["daily"]}
    assert len(daily) == 15
    # A's 23:30 local search on Oct 1 counts on Oct 1, not Oct 2; outsider D never counts.
    assert {k: v for k, v in daily.items() if v} == {"2026-10-01": 1, "2026-10-05": 2, "2026-10-07": 1,
                                                     "2026-10-15": 1}
    assert summary["activity"]["weekly"] == [
        {"week": "2026-W40", "start_date": "2026-10-01", "end_date": "2026-10-04", "pilot_days": 4,
         "active_users": 1, "active_share": 0.3333},
        {"week": "2026-W41", "start_date": "2026-10-05", "end_date": "2026-10-11", "pilot_days": 7,
         "active_users": 2, "active_share": 0.6667},
        {"week": "2026-W42", "start_date": "2026-10-12", "end_date": "2026-10-15", "pilot_days": 4,
         "active_users": 1, "active_share": 0.3333},
    ]
    assert summary["activity"]["ever_active"] == 3


def test_feature_use(summary):
    assert summary["feature_use"] == {
        "caseload_views": 2, "searches": 4, "zero_result_searches": 2, "zero_result_rate": 0.5,
        "zero_result_by_criteria": {"name": 1, "name+dob": 1},
        "record_views": {"demographics": 2, "enrollments": 0, "attendance": 1, "progress_reports": 0},
        "record_views_total": 3, "search_to_view_rate": 0.5, "caseload_adds": 1, "caseload_removes": 1,
    }


def test_feedback_and_sus(summary):
    feedback = summary["feedback"]
    assert feedback["count"] == 3
    assert feedback["average_rating"] == 4.0
    assert feedback["ratings"] == {"1": 0, "2": 0, "3": 1, "4": 1, "5": 1}
    assert feedback["by_category"] == {"search": 2, "performance": 1}
    assert [c["comment"] for c in feedback["recent_comments"]] == ["=SUM(A1) slow on LTE", "Great"]
    assert summary["sus"] == {"mean": 75.0, "questionnaires": 2, "respondents": 2, "benchmark": 68.0}


def test_issues(summary):
    assert summary["issues"] == {
        "total": 3, "open": 2,
        "by_status": {"new": 1, "triaged": 1, "in_progress": 0, "resolved": 1, "wont_fix": 0},
        "by_kind": {"problem": 2, "wrong_data": 1, "duplicate_ssid": 0, "multiple_ssids": 0}}


def test_latency_and_error_rates(summary):
    daily = {d["date"]: d for d in summary["performance"]["daily"]}
    # Oct 5: [10, 20, 30, 40, 50, 100] -> p50 = 3rd = 30, p95 = 6th = 100; one 500 and one 404 of 6.
    assert daily["2026-10-05"] == {"date": "2026-10-05", "pilot_day": 5, "requests": 6, "errors": 1,
                                   "client_errors": 1, "error_rate": 0.1667, "client_error_rate": 0.1667,
                                   "p50_ms": 30.0, "p95_ms": 100.0}
    assert daily["2026-10-15"]["p50_ms"] == daily["2026-10-15"]["p95_ms"] == 12.5
    assert daily["2026-10-02"] == {"date": "2026-10-02", "pilot_day": 2, "requests": 0, "errors": 0,
                                   "client_errors": 0, "error_rate": None, "client_error_rate": None,
                                   "p50_ms": None, "p95_ms": None}
    # Overall: [10, 12.5, 20, 30, 40, 50, 100] -> p50 = 4th = 30, p95 = 7th = 100.
    assert summary["performance"]["overall"] == {"requests": 7, "errors": 1, "client_errors": 1,
                                                 "error_rate": 0.1429, "client_error_rate": 0.1429,
                                                 "p50_ms": 30.0, "p95_ms": 100.0}


def test_clients(summary):
    assert summary["clients"] == {"platforms": {"android": 1, "ios": 2}, "app_versions": {"1.2.0": 2, "1.3.0": 1}}


@pytest.mark.parametrize("values, p50, p95", [
    ([], None, None), ([7.0], 7.0, 7.0), ([1.0, 2.0], 1.0, 2.0), (list(map(float, range(1, 101))), 50.0, 95.0),
    (list(map(float, range(1, 21))), 10.0, 19.0),
])
def test_nearest_rank_percentile(values, p50, p95):
    assert percentile(values, 50) == p50 and percentile(values, 95) == p95


class _Cohort:
    def __init__(self, start: dt.date, length: int = 30):
        self.start_date, self.length_days = start, length


def test_window_days_follow_daylight_saving():
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("America/Los_Angeles")
    window = PilotWindow(cohort=_Cohort(dt.date(2026, 10, 20)), tz=tz,
                         now=dt.datetime(2026, 11, 5, 12, tzinfo=dt.UTC))
    assert window.day_start(dt.date(2026, 10, 31)).hour == 7   # PDT
    assert window.day_start(dt.date(2026, 11, 2)).hour == 8    # PST after Nov 1
    assert window.days_elapsed == 17 and window.status == "running"


@pytest.mark.parametrize("now, status, elapsed, left", [
    (dt.datetime(2026, 9, 30, 12, tzinfo=dt.UTC), "not_started", 0, 30),
    (dt.datetime(2026, 10, 1, 6, 59, tzinfo=dt.UTC), "not_started", 0, 30),  # still Sep 30 in LA
    (dt.datetime(2026, 10, 30, 23, tzinfo=dt.UTC), "running", 30, 0),
    (dt.datetime(2026, 12, 1, tzinfo=dt.UTC), "ended", 30, 0),
])
def test_window_status(now, status, elapsed, left):
    from zoneinfo import ZoneInfo

    window = PilotWindow(cohort=_Cohort(dt.date(2026, 10, 1)), tz=ZoneInfo("America/Los_Angeles"), now=now)
    assert (window.status, window.days_elapsed, window.days_left) == (status, elapsed, left)


def test_summary_before_the_start_is_empty(app, client, people, bearer, service_clock):
    service_clock.freeze(dt.datetime(2026, 9, 20, tzinfo=dt.UTC))
    response = client.get("/api/v1/pilot/summary", headers=bearer("coordinator"))
    assert response.status_code == 200, response.json
    body = response.json
    assert body["status"] == "not_started" and body["adoption"] == [] and body["activity"]["daily"] == []
    assert body["performance"]["overall"]["requests"] == 0 and body["feature_use"]["search_to_view_rate"] is None
