"""Pilot vocabulary shared by the API, the dashboard and the metrics: categories, statuses, SUS."""
from __future__ import annotations

from mobile_service.models.data_quality import (  # noqa: F401  (re-exported: the pilot vocabulary)
    DATA_QUALITY_KINDS,
    DATA_QUALITY_OUTCOMES,
    DATA_QUALITY_STUDENTS,
)

FEEDBACK_CATEGORIES = ("general", "caseload", "search", "student_record", "sign_in", "performance",
                       "data_quality", "idea")
PLATFORMS = ("ios", "android", "web")
ISSUE_KINDS = ("problem", "wrong_data", *DATA_QUALITY_KINDS)
# The kinds coordinators list and triage; data-quality reports reach them as counts only.
COORDINATOR_ISSUE_KINDS = ("problem", "wrong_data")
ISSUE_STATUSES = ("new", "triaged", "in_progress", "resolved", "wont_fix")
OPEN_ISSUE_STATUSES = ("new", "triaged", "in_progress")
# Allowed status changes; a closed issue can be reopened (back to triaged).
ISSUE_TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"triaged", "in_progress", "resolved", "wont_fix"}),
    "triaged": frozenset({"in_progress", "resolved", "wont_fix"}),
    "in_progress": frozenset({"triaged", "resolved", "wont_fix"}),
    "resolved": frozenset({"triaged"}),
    "wont_fix": frozenset({"triaged"}),
}
ANNOUNCEMENT_KINDS = ("whats_new", "known_issue")
# App error reports from the app's development tools (POST /api/v1/client-events).
CLIENT_EVENT_KINDS = ("crash", "failed_call", "slow_screen")
CLIENT_PLATFORMS = ("ios", "android")
SUS_ITEMS = 10
COMMENT_MAX = 2000
DESCRIPTION_MAX = 4000
NOTE_MAX = 2000


def sus_score(answers: list[int]) -> float:
    """System Usability Scale score (0–100) of ten 1–5 answers: odd items x−1, even items 5−x, sum × 2.5."""
    if len(answers) != SUS_ITEMS or any(not 1 <= a <= 5 for a in answers):
        raise ValueError("SUS needs exactly ten answers from 1 to 5")
    contributions = [(a - 1) if index % 2 == 0 else (5 - a) for index, a in enumerate(answers)]
    return sum(contributions) * 2.5


def can_transition(current: str, new: str) -> bool:
    """Whether an issue may move from ``current`` to ``new`` status."""
    return new in ISSUE_TRANSITIONS.get(current, frozenset())
