"""The end-of-pilot report: each criterion's value, target, met or missed and trend; the offices
compared; feedback themes beside the issues; app health. Aggregates only, never student data
(no free text from the field either: comments and descriptions may name a child).
"""
from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import func, select

from mobile_service.extensions import db
from mobile_service.models import Feedback, IssueReport, User
from mobile_service.pilot import app_health, evaluation, kpis
from mobile_service.pilot.criteria import CRITERIA, targets
from mobile_service.pilot.domain import FEEDBACK_CATEGORIES, OPEN_ISSUE_STATUSES
from mobile_service.pilot.feedback_metrics import iso
from mobile_service.pilot.window import PilotWindow

# Offices as the deck names the two groups.
GROUP_LABELS = {"Pomona": "DCFS Pomona", "LACOE FYS": "LACOE FYS"}
# Where an issue report belongs among the feedback categories: wrong data is data quality; a
# problem goes by the screen it came from.
SCREEN_THEMES = (("caseload", "caseload"), ("search", "search"), ("student", "student_record"),
                 ("sign", "sign_in"), ("login", "sign_in"))


def issue_theme(kind: str, screen: str | None) -> str:
    """The feedback category an issue report is shown beside."""
    if kind != "problem":
        return "data_quality"
    for prefix, theme in SCREEN_THEMES:
        if screen and screen.startswith(prefix):
            return theme
    return "general"


def _trend(criterion, weekly: list[dict[str, Any]]) -> dict[str, Any]:
    series = [{"week": w["week"], "value": w[criterion.key]} for w in weekly]
    known = [s["value"] for s in series if s["value"] is not None]
    direction = improving = None
    if len(known) >= 2:
        delta = known[-1] - known[-2]
        direction = "up" if delta > 0 else "down" if delta < 0 else "flat"
        improving = None if delta == 0 else (delta > 0) == (criterion.comparison == ">=")
    return {"weekly": series, "direction": direction, "improving": improving}


def _rows(found: dict[str, Any], goal: dict[str, float], weekly: list[dict[str, Any]] | None) -> list[dict]:
    rows = []
    for c in CRITERIA:
        row = {"key": c.key, "label": c.label, "comparison": c.comparison, "unit": c.unit, "value": found[c.key],
               "display": c.show(found[c.key]), "target": goal[c.key], "target_display": c.show(goal[c.key]),
               "met": c.met(found[c.key], goal[c.key])}
        if weekly is not None:
            row["trend"] = _trend(c, weekly)
        rows.append(row)
    return rows


def _groups(window: PilotWindow, goal: dict[str, float]) -> list[dict[str, Any]]:
    offices = list(window.cohort.offices or []) or sorted(
        o for o in db.session.execute(select(User.office).where(User.pilot_cohort == window.cohort.name)
                                      .distinct()).scalars() if o)
    groups = []
    for office in offices:
        users = select(User.id).where(User.pilot_cohort == window.cohort.name, User.office == office)
        rows = _rows(evaluation.overall(window, users), goal, None)
        for row in rows:
            if row["key"] == "enrolled":  # the enrolment target is the whole cohort's, not an office's
                row["met"], row["note"] = None, "cohort-wide target"
        groups.append({"office": office, "label": GROUP_LABELS.get(office, office), "criteria": rows})
    return groups


def _themes(window: PilotWindow, users) -> list[dict[str, Any]]:
    feedback = db.session.execute(
        select(Feedback.category, func.count(), func.avg(Feedback.rating))
        .where(Feedback.user_id.in_(users), Feedback.created_at >= window.starts_at).group_by(Feedback.category)
    ).all()
    issues = db.session.execute(
        select(IssueReport.kind, IssueReport.screen, IssueReport.status)
        .where(IssueReport.user_id.in_(users), IssueReport.created_at >= window.starts_at)
    ).all()
    total: Counter = Counter()
    still_open: Counter = Counter()
    for kind, screen, status in issues:
        theme = issue_theme(kind, screen)
        total[theme] += 1
        still_open[theme] += status in OPEN_ISSUE_STATUSES
    by_category = {category: (count, avg) for category, count, avg in feedback}
    names = [c for c in FEEDBACK_CATEGORIES if c in by_category or total[c]]
    return [{"theme": name, "feedback": by_category.get(name, (0, None))[0],
             "average_rating": round(float(by_category[name][1]), 2) if name in by_category else None,
             "issues": total[name], "open_issues": still_open[name]} for name in names]


def build(window: PilotWindow) -> dict[str, Any]:
    """The whole report of one cohort as of the window's instant."""
    cohort = window.cohort
    users = kpis.participant_ids(window)
    goal = targets(cohort)
    weekly = evaluation.weekly(window, users, cohort_issues=True)
    criteria = _rows(evaluation.overall(window, users, cohort_issues=True), goal, weekly)
    health = app_health.summary(window, users)
    return {
        "cohort": {"name": cohort.name, "start_date": cohort.start_date.isoformat(),
                   "end_date": window.end_date.isoformat(), "length_days": cohort.length_days,
                   "offices": list(cohort.offices or []), "timezone": window.tz.key},
        "as_of": iso(window.now), "status": window.status, "days_elapsed": window.days_elapsed,
        "criteria": criteria,
        "met": sum(1 for c in criteria if c["met"]), "missed": sum(1 for c in criteria if c["met"] is False),
        "weeks": [{"week": w["week"], "start_date": w["start_date"], "end_date": w["end_date"]} for w in weekly],
        "groups": _groups(window, goal),
        "themes": _themes(window, users),
        "app_health": {"crash_free": health["crash_free"],
                       "top_signatures": [{k: (iso(v) if k in ("first_seen", "last_seen") else v)
                                           for k, v in s.items()} for s in health["top_signatures"]],
                       "failed_calls": {k: health["failed_calls"][k] for k in ("total", "matched", "unmatched")}},
    }
