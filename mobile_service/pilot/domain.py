"""Pilot vocabulary shared by the API, the dashboard and the metrics: categories, statuses, SUS."""
from __future__ import annotations

FEEDBACK_CATEGORIES = ("general", "caseload", "search", "student_record", "sign_in", "performance",
                       "data_quality", "idea")
PLATFORMS = ("ios", "android", "web")
# duplicate_ssid: two students under one SSID; multiple_ssids: one student under two SSIDs. These
# data-quality reports name students by key and are worked by EPS support stewards (issue 17).
DATA_QUALITY_KINDS = ("duplicate_ssid", "multiple_ssids")
ISSUE_KINDS = ("problem", "wrong_data", *DATA_QUALITY_KINDS)
# The kinds coordinators list and triage; data-quality reports reach them as counts only.
COORDINATOR_ISSUE_KINDS = ("problem", "wrong_data")
# How a steward resolves a data-quality report (the reporter sees it with the steward's note).
DATA_QUALITY_OUTCOMES = ("merged", "corrected_at_source", "not_a_duplicate")
# Students a data-quality report names: (fewest, most) per kind.
DATA_QUALITY_STUDENTS = {"duplicate_ssid": (1, 2), "multiple_ssids": (2, 2)}
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
