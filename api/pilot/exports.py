"""CSV exports of the pilot tables for coordinators: aggregates and reports, never student data.

Cells that a spreadsheet would run as a formula (starting with ``= + - @`` or a tab/CR) get a
leading apostrophe; nothing else is changed. Participants are listed by display name, office and
role, without e-mail addresses: enough to know who is enrolled and who has not started.
"""
from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

from flask import Response, current_app
from sqlalchemy import or_, select

from api.pilot.announcements.service import all_announcements
from api.pilot.service import coordinator_issues, issue_view
from auth.principal import Principal
from mobile_service import audit, clock
from mobile_service.errors import not_found
from mobile_service.extensions import db
from mobile_service.models import Feedback, IssueReport, UsageEvent, User
from mobile_service.pilot import kpis
from mobile_service.pilot.feedback_metrics import iso
from mobile_service.pilot.window import PilotWindow, resolve_cohort, window_for

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if hasattr(value, "isoformat"):
        return iso(value) if hasattr(value, "hour") else value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def participants(window: PilotWindow) -> tuple[list[str], Iterable[list[Any]]]:
    """One row per participant: who, office, role, activation and active days."""
    events = kpis._events(window, UsageEvent.user_id)
    active_days = Counter(user_id for _, user_id in db.session.execute(select(events.c.day, events.c.user_id).distinct()))
    users = db.session.execute(select(User).where(User.pilot_cohort == window.cohort.name)
                               .order_by(User.office, User.display_name, User.id)).scalars()
    header = ["display_name", "office", "role", "enrolled_active", "activated_at", "last_sign_in_at",
              "active_days"]
    return header, ([u.display_name, u.office, u.role, u.active, u.activated_at, u.last_sign_in_at,
                     active_days.get(u.id, 0)] for u in users)


def daily_metrics(window: PilotWindow) -> tuple[list[str], Iterable[list[Any]]]:
    """One row per pilot day: active users, cumulative activations, requests, latency and error rates."""
    _, adoption = kpis.participants(window)
    activity = kpis.activity(window, 0)["daily"]
    perf = kpis.performance(window)["daily"]
    header = ["date", "pilot_day", "active_users", "activated_cumulative", "requests", "p50_ms", "p95_ms",
              "errors_5xx", "error_rate", "client_errors_4xx", "client_error_rate"]
    return header, ([a["date"], a["pilot_day"], act["active_users"], a["activated_cumulative"], p["requests"],
                     p["p50_ms"], p["p95_ms"], p["errors"], p["error_rate"], p["client_errors"],
                     p["client_error_rate"]] for a, act, p in zip(adoption, activity, perf))


def feature_use(window: PilotWindow) -> tuple[list[str], Iterable[list[Any]]]:
    """One row per pilot day with each feature's event count."""
    days = kpis.feature_use_daily(window)
    header = ["date", "pilot_day", *[name for name, _, _ in kpis.FEATURE_COLUMNS], "zero_result_searches"]
    return header, ([day[name] for name in header] for day in days)


def feedback(window: PilotWindow) -> tuple[list[str], Iterable[list[Any]]]:
    """Participants' feedback since the start, oldest first."""
    rows = db.session.execute(
        select(Feedback, User.display_name, User.office).join(User, User.id == Feedback.user_id)
        .where(User.pilot_cohort == window.cohort.name, Feedback.created_at >= window.starts_at)
        .order_by(Feedback.created_at, Feedback.id)
    ).all()
    header = ["id", "created_at", "rating", "category", "comment", "screen", "app_version", "platform",
              "sus_score", "reporter", "office"]
    return header, ([f.id, f.created_at, f.rating, f.category, f.comment, f.screen, f.app_version, f.platform,
                     f.sus_score, name, office] for f, name, office in rows)


def issues(window: PilotWindow) -> tuple[list[str], Iterable[list[Any]]]:
    """Participants' issue reports since the start (whether each concerns a student, never which)."""
    rows = db.session.execute(
        select(IssueReport, User.display_name, User.office, User.role).join(User, User.id == IssueReport.user_id)
        .where(or_(User.pilot_cohort == window.cohort.name, IssueReport.cohort == window.cohort.name),
               IssueReport.created_at >= window.starts_at, coordinator_issues())
        .order_by(IssueReport.created_at, IssueReport.id)
    ).all()
    header = ["id", "created_at", "kind", "status", "status_changed_at", "triaged_at", "status_note", "description",
              "request_id", "concerns_student_record", "screen", "app_version", "platform", "reporter", "office"]

    def line(view: dict[str, Any]) -> list[Any]:
        return [view[h] for h in header[:-2]] + [view["reporter"]["display_name"], view["reporter"]["office"]]

    return header, (line(issue_view(*row)) for row in rows)


def announcements(window: PilotWindow) -> tuple[list[str], Iterable[list[Any]]]:
    """Every announcement, newest first."""
    header = ["id", "kind", "title", "body", "created_at", "published_at", "expires_at"]
    return header, ([a.id, a.kind, a.title, a.body, a.created_at, a.published_at, a.expires_at]
                    for a in all_announcements(limit=10000))


TABLES = {"participants": participants, "daily-metrics": daily_metrics, "feature-use": feature_use,
          "feedback": feedback, "issues": issues, "announcements": announcements}


def export_csv(principal: Principal, *, table: str, cohort: str | None = None) -> Response:
    """Render one pilot table as a CSV attachment and record the export in the audit log."""
    if table not in TABLES:
        raise not_found("No such export table.")
    window = window_for(resolve_cohort(cohort))
    header, rows = TABLES[table](window)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow([_cell(v) for v in row])
        count += 1
    audit.record(principal, "export", details={"table": f"pilot.{table}", "cohort": window.cohort.name,
                                               "rows": count})
    audit.commit()
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", window.cohort.name).strip("-") or "cohort"
    filename = f"pilot-{slug}-{table}-{clock.today().isoformat()}.csv"
    response = current_app.response_class(buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
