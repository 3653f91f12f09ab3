"""The values of the end-of-pilot success criteria for a set of participants (a cohort or an office).

Definitions (README, "Pilot evaluation"):

- ``enrolled``: active registry users of the set.
- ``activation_rate``: of those, the share with a first successful sign-in (``activated_at``)
  before the end of the period.
- ``weekly_active_rate``: the share of enrolled participants with any usage event in a 7-day
  period. For the whole pilot: the LOWER of the last two 7-day periods ending on the last
  observed day ("≥ 60 % in each of the last two weeks"); for a pilot week: that week.
- ``sus_mean``: mean SUS score of the questionnaires answered in the period.
- ``triaged_in_time_rate``: of the issues reported in the period (by the set; for the whole
  cohort also those a coordinator opened from an app error signature), the share whose
  ``triaged_at`` (first move out of ``new``) is no later than the end of the second working day
  (Monday to Friday, pilot time zone) after the day of the report. An untriaged issue whose
  deadline has not passed yet is left out; one whose deadline passed counts as missed.
  Data-quality reports (``duplicate_ssid``, ``multiple_ssids``) are left out: EPS support
  stewards work them, not the pilot team.
- ``api_p95_ms``: nearest-rank 95th percentile of the server-measured latency (``latency_ms`` of
  the ``request`` usage events: the service's own in-process timing of each authenticated
  ``/api/v1`` call, network excluded) of the set's calls in the period.
- ``crash_free_rate``: ``mobile_service.pilot.app_health.crash_free`` (its session definition).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, func, or_, select

from mobile_service.extensions import db
from mobile_service.models import Feedback, IssueReport, UsageEvent, User
from mobile_service.models.data_quality import DATA_QUALITY_KINDS
from mobile_service.pilot import app_health
from mobile_service.pilot.kpis import percentile, ratio
from mobile_service.pilot.window import PilotWindow

WEEK = dt.timedelta(days=7)


def triage_deadline(window: PilotWindow, created_at: dt.datetime) -> dt.datetime:
    """End (exclusive, UTC) of the second working day after the day ``created_at`` falls on."""
    day, counted = window.local_date(created_at), 0
    while counted < 2:
        day += dt.timedelta(days=1)
        counted += day.weekday() < 5
    return window.day_start(day + dt.timedelta(days=1))


def _enrolled(users: Select) -> list[tuple[int, dt.datetime | None]]:
    return list(db.session.execute(select(User.id, User.activated_at).where(User.id.in_(users),
                                                                           User.active.is_(True))).all())


def _active_share(users: Select, enrolled: int, since: dt.datetime, until: dt.datetime) -> float | None:
    active = db.session.execute(select(func.count(func.distinct(UsageEvent.user_id))).where(
        UsageEvent.user_id.in_(users), UsageEvent.occurred_at >= since, UsageEvent.occurred_at < until)).scalar()
    return ratio(int(active or 0), enrolled)


def _triage(window: PilotWindow, users: Select, since: dt.datetime, until: dt.datetime, cohort_issues: bool) -> float | None:
    who = IssueReport.user_id.in_(users)
    if cohort_issues:
        who = or_(who, IssueReport.cohort == window.cohort.name)
    # Data-quality reports go to the EPS support stewards' queue, not to the pilot team's triage.
    rows = db.session.execute(select(IssueReport.created_at, IssueReport.triaged_at).where(
        who, IssueReport.kind.notin_(DATA_QUALITY_KINDS), IssueReport.created_at >= since,
        IssueReport.created_at < until)).all()
    counted = in_time = 0
    for created, triaged in rows:
        deadline = triage_deadline(window, created)
        if triaged is None and window.now < deadline:
            continue  # still within its two working days
        counted += 1
        in_time += int(triaged is not None and triaged < deadline)
    return ratio(in_time, counted)


def values(window: PilotWindow, users: Select, since: dt.datetime, until: dt.datetime, *,
           cohort_issues: bool = False, enrolled_too: bool = True) -> dict[str, Any]:
    """Every criterion's value over [since, until) for the participants selected by ``users``."""
    people = _enrolled(users)
    enrolled = len(people)
    activated = sum(1 for _, at in people if at is not None and at < until)
    scores = [float(s) for s in db.session.execute(select(Feedback.sus_score).where(
        Feedback.user_id.in_(users), Feedback.sus_score.is_not(None),
        Feedback.created_at >= since, Feedback.created_at < until)).scalars()]
    latencies = sorted(float(v) for v in db.session.execute(select(UsageEvent.latency_ms).where(
        UsageEvent.event == "request", UsageEvent.user_id.in_(users), UsageEvent.latency_ms.is_not(None),
        UsageEvent.occurred_at >= since, UsageEvent.occurred_at < until)).scalars())
    return {
        "enrolled": enrolled if enrolled_too else None,
        "activation_rate": ratio(activated, enrolled),
        "weekly_active_rate": _active_share(users, enrolled, since, until),
        "sus_mean": round(sum(scores) / len(scores), 1) if scores else None,
        "triaged_in_time_rate": _triage(window, users, since, until, cohort_issues),
        "api_p95_ms": percentile(latencies, 95),
        "crash_free_rate": app_health.crash_free(users, since, until)["crash_free_rate"],
    }


def overall(window: PilotWindow, users: Select, *, cohort_issues: bool = False) -> dict[str, Any]:
    """The criteria over the observed pilot days (weekly activity: the lower of the last two weeks)."""
    found = values(window, users, window.starts_at, window.observed_until, cohort_issues=cohort_issues)
    if not window.days:  # not started: nobody could have been active yet
        found["weekly_active_rate"] = None
        return found
    end = window.observed_until
    last = _active_share(users, found["enrolled"], max(window.starts_at, end - WEEK), end)
    if end - 2 * WEEK >= window.starts_at:
        previous = _active_share(users, found["enrolled"], end - 2 * WEEK, end - WEEK)
        candidates = [v for v in (last, previous) if v is not None]
        found["weekly_active_rate"] = min(candidates) if candidates else None
    else:  # less than two weeks observed: the last (partial) week only
        found["weekly_active_rate"] = last
    return found


def weeks(window: PilotWindow) -> list[tuple[int, dt.date, dt.date]]:
    """The observed pilot weeks: (number, first day, last day), 7-day blocks from the first day."""
    days = window.days
    return [(index // 7 + 1, days[index], days[min(index + 6, len(days) - 1)]) for index in range(0, len(days), 7)]


def weekly(window: PilotWindow, users: Select, *, cohort_issues: bool = False) -> list[dict[str, Any]]:
    """Each observed pilot week's values (the trend); ``enrolled`` has no history and stays None."""
    result = []
    for number, first, last in weeks(window):
        since, until = window.day_start(first), window.day_start(last + dt.timedelta(days=1))
        result.append({"week": number, "start_date": first.isoformat(), "end_date": last.isoformat(),
                       **values(window, users, since, until, cohort_issues=cohort_issues, enrolled_too=False)})
    return result
