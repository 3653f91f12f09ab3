"""Feedback, SUS and issue figures of a cohort (participants' reports since the pilot start).

Feedback and issues are counted from the pilot's first day with no upper bound, so the day-30
SUS questionnaire answered a day late still counts.
"""
from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import func, or_, select

from mobile_service.extensions import db
from mobile_service.models import Feedback, IssueReport, User
from mobile_service.pilot.domain import FEEDBACK_CATEGORIES, ISSUE_KINDS, ISSUE_STATUSES
from mobile_service.pilot.window import PilotWindow

RECENT_COMMENTS = 10


def _participants(window: PilotWindow):
    return select(User.id).where(User.pilot_cohort == window.cohort.name)


def iso(instant) -> str | None:
    """An ISO 8601 UTC timestamp with ``Z``."""
    return instant.isoformat().replace("+00:00", "Z") if instant else None


def feedback_summary(window: PilotWindow) -> dict[str, Any]:
    """Count, average rating, ratings 1–5, counts by category and the most recent comments."""
    scope = (Feedback.user_id.in_(_participants(window)), Feedback.created_at >= window.starts_at)
    rows = db.session.execute(
        select(Feedback.rating, Feedback.category, func.count()).where(*scope)
        .group_by(Feedback.rating, Feedback.category)
    ).all()
    ratings: Counter = Counter()
    categories: Counter = Counter()
    for rating, category, count in rows:
        ratings[int(rating)] += count
        categories[category] += count
    total = sum(ratings.values())
    recent = db.session.execute(
        select(Feedback).where(*scope, Feedback.comment.is_not(None), Feedback.comment != "")
        .order_by(Feedback.created_at.desc(), Feedback.id.desc()).limit(RECENT_COMMENTS)
    ).scalars()
    return {
        "count": total,
        "average_rating": round(sum(r * n for r, n in ratings.items()) / total, 2) if total else None,
        "ratings": {str(r): ratings[r] for r in range(1, 6)},
        "by_category": {c: categories[c] for c in FEEDBACK_CATEGORIES if categories[c]} | {
            c: n for c, n in categories.items() if c not in FEEDBACK_CATEGORIES},
        "recent_comments": [
            {"id": f.id, "created_at": iso(f.created_at), "rating": f.rating, "category": f.category,
             "comment": f.comment, "screen": f.screen, "platform": f.platform, "app_version": f.app_version}
            for f in recent
        ],
    }


def sus_summary(window: PilotWindow) -> dict[str, Any]:
    """Mean SUS score of the questionnaires answered, their number and the distinct respondents."""
    rows = db.session.execute(
        select(Feedback.user_id, Feedback.sus_score).where(
            Feedback.user_id.in_(_participants(window)), Feedback.created_at >= window.starts_at,
            Feedback.sus_score.is_not(None))
    ).all()
    scores = [float(score) for _, score in rows]
    return {
        "mean": round(sum(scores) / len(scores), 1) if scores else None,
        "questionnaires": len(scores),
        "respondents": len({user_id for user_id, _ in rows}),
        "benchmark": 68.0,
    }


def issue_summary(window: PilotWindow) -> dict[str, Any]:
    """Participants' issue reports (and those opened from app errors) since the start, by status and kind."""
    rows = db.session.execute(
        select(IssueReport.status, IssueReport.kind, func.count())
        .where(or_(IssueReport.user_id.in_(_participants(window)), IssueReport.cohort == window.cohort.name),
               IssueReport.created_at >= window.starts_at)
        .group_by(IssueReport.status, IssueReport.kind)
    ).all()
    statuses: Counter = Counter()
    kinds: Counter = Counter()
    for status, kind, count in rows:
        statuses[status] += count
        kinds[kind] += count
    return {
        "total": sum(statuses.values()),
        "open": sum(statuses[s] for s in ("new", "triaged", "in_progress")),
        "by_status": {s: statuses[s] for s in ISSUE_STATUSES},
        "by_kind": {k: kinds[k] for k in ISSUE_KINDS},
    }
