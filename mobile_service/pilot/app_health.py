"""App health of a cohort from the app's error reports: crash-free sessions, top signatures, failed calls.

**Session.** The app does not announce sessions; the service derives them from what the app
sends. A session is one participant's run of authenticated API calls on one app version
(``X-App-Version``, recorded on every call's ``request`` usage event) in which no two consecutive
calls are more than ``SESSION_GAP`` (30 minutes) apart. A crash report (its ``occurred_at`` and
``app_version``) belongs to that participant's session on that version which it falls in or ends
at most ``SESSION_GAP`` before it (a crash ends the session; the app sends the report at its next
launch, with the time of the crash). A crash in no session (before any call) is a session of its
own. A report with ``count`` n > 1 stands for n crashes: the n − 1 earlier ones are counted as
further crashed sessions of that version. Crash-free rate = sessions without a crash / sessions.

Everything is an aggregate over the participants given; no student table is read.
"""
from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import Select, func, select

from mobile_service.extensions import db
from mobile_service.models import ClientEvent, ClientEventSignature, UsageEvent
from mobile_service.pilot.window import PilotWindow

SESSION_GAP = dt.timedelta(minutes=30)
TOP_SIGNATURES = 10
FAILED_CALLS = 20


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def crash_free(users: Select, since: dt.datetime, until: dt.datetime) -> dict[str, Any]:
    """Sessions, crashed sessions and the crash-free rate per app version and overall, in [since, until)."""
    calls = db.session.execute(
        select(UsageEvent.user_id, UsageEvent.app_version, UsageEvent.occurred_at)
        .where(UsageEvent.event == "request", UsageEvent.user_id.in_(users), UsageEvent.app_version.is_not(None),
               UsageEvent.occurred_at >= since, UsageEvent.occurred_at < until)
        .order_by(UsageEvent.user_id, UsageEvent.app_version, UsageEvent.occurred_at)
    ).all()
    spans: dict[tuple[int, str], list[list]] = defaultdict(list)  # [start, end, crashed]
    for user_id, version, at in calls:
        runs = spans[(user_id, version)]
        if runs and at - runs[-1][1] <= SESSION_GAP:
            runs[-1][1] = at
        else:
            runs.append([at, at, False])
    extra: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # version -> [sessions, crashed]
    crashes = db.session.execute(
        select(ClientEvent.user_id, ClientEvent.app_version, ClientEvent.occurred_at, ClientEvent.count)
        .where(ClientEvent.kind == "crash", ClientEvent.user_id.in_(users),
               ClientEvent.occurred_at >= since, ClientEvent.occurred_at < until)
    ).all()
    for user_id, version, at, count in crashes:
        runs = spans.get((user_id, version), [])
        index = bisect.bisect_right([run[0] for run in runs], at) - 1
        if index >= 0 and at - runs[index][1] <= SESSION_GAP:
            runs[index][2] = True
        else:
            extra[version][0] += 1
            extra[version][1] += 1
        extra[version][0] += count - 1
        extra[version][1] += count - 1
    per_version: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (_, version), runs in spans.items():
        per_version[version][0] += len(runs)
        per_version[version][1] += sum(1 for run in runs if run[2])
    for version, (sessions, crashed) in extra.items():
        per_version[version][0] += sessions
        per_version[version][1] += crashed
    versions = [{"app_version": version, "sessions": sessions, "crashed_sessions": crashed,
                 "crash_free_rate": _ratio(sessions - crashed, sessions)}
                for version, (sessions, crashed) in sorted(per_version.items())]
    total = sum(v["sessions"] for v in versions)
    crashed_total = sum(v["crashed_sessions"] for v in versions)
    return {"versions": versions, "sessions": total, "crashed_sessions": crashed_total,
            "crash_free_rate": _ratio(total - crashed_total, total)}


def top_signatures(users: Select, since: dt.datetime, until: dt.datetime, limit: int = TOP_SIGNATURES) -> list[dict]:
    """The signatures reported most often by ``users`` in the period, with first and last seen (overall)."""
    occurrences = func.sum(ClientEvent.count).label("period_occurrences")
    rows = db.session.execute(
        select(ClientEventSignature, occurrences, func.count(func.distinct(ClientEvent.user_id)),
               func.min(ClientEvent.app_version), func.max(ClientEvent.app_version))
        .join(ClientEvent, ClientEvent.signature_id == ClientEventSignature.id)
        .where(ClientEvent.user_id.in_(users), ClientEvent.occurred_at >= since, ClientEvent.occurred_at < until)
        .group_by(ClientEventSignature.id)
        .order_by(occurrences.desc(), ClientEventSignature.id).limit(limit)
    ).all()
    return [{"id": sig.id, "kind": sig.kind, "signature": sig.signature, "error_code": sig.error_code,
             "screen": sig.screen, "message": sig.message, "first_seen": sig.first_seen, "last_seen": sig.last_seen,
             "occurrences": int(count or 0), "participants": people,
             "app_versions": lowest if lowest == highest else f"{lowest} – {highest}", "issue_id": sig.issue_id}
            for sig, count, people, lowest, highest in rows]


def failed_calls(users: Select, since: dt.datetime, until: dt.datetime, limit: int = FAILED_CALLS) -> dict[str, Any]:
    """The app's failed-call reports joined to the server's record of the call by request id.

    ``server_status`` None: the server has no failed request with that id (the call never
    reached the app service, e.g. no network or a timeout at the device, or the id is wrong).
    """
    server = (select(UsageEvent.request_id, UsageEvent.user_id, UsageEvent.status, UsageEvent.route,
                     UsageEvent.latency_ms)
              .where(UsageEvent.event == "request", UsageEvent.request_id.is_not(None)).subquery())
    # The same request id AND the same user: a report cannot claim another worker's request.
    base = (select(ClientEvent, server.c.status, server.c.route, server.c.latency_ms)
            .outerjoin(server, (server.c.request_id == ClientEvent.request_id)
                       & (server.c.user_id == ClientEvent.user_id))
            .where(ClientEvent.kind == "failed_call", ClientEvent.user_id.in_(users),
                   ClientEvent.occurred_at >= since, ClientEvent.occurred_at < until))
    counted = base.subquery()
    matched = db.session.execute(select(func.count(), func.count(counted.c.status)).select_from(counted)).one()
    rows = db.session.execute(base.order_by(ClientEvent.occurred_at.desc(), ClientEvent.id.desc()).limit(limit)).all()
    return {
        "total": matched[0], "matched": matched[1], "unmatched": matched[0] - matched[1],
        "recent": [{"occurred_at": event.occurred_at, "request_id": event.request_id, "app_error": event.error_code,
                    "screen": event.screen, "app_version": event.app_version, "platform": event.platform,
                    "server_status": status, "server_route": route, "server_latency_ms": latency}
                   for event, status, route, latency in rows],
    }


def summary(window: PilotWindow, users: Select) -> dict[str, Any]:
    """The dashboard's three app-health panels for the cohort's observed days."""
    since, until = window.starts_at, window.observed_until
    return {"crash_free": crash_free(users, since, until), "top_signatures": top_signatures(users, since, until),
            "failed_calls": failed_calls(users, since, until)}
