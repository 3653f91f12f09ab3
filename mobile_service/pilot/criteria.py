"""End-of-pilot success criteria: their definitions, defaults and the rules for editing them.

A cohort stores ``{criterion: target}`` in ``pilot_cohorts.success_criteria``; a criterion it
does not store takes the default below. Values are computed by ``mobile_service.pilot.evaluation``
(definitions in the README, "Pilot evaluation").
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mobile_service.models import PilotCohort

# perf.md: p95 <= 20 ms for record tabs and <= 30 ms for caseload and search (8 connections,
# PostgreSQL). The criterion covers every participant call, so its default is the looser bound.
PERF_MD_P95_MS = 30.0


@dataclass(frozen=True)
class Criterion:
    """One success criterion: how it is compared, its unit, default and the range a target may take."""

    key: str
    label: str
    comparison: str  # ">=" (at least) or "<=" (at most)
    unit: str  # "count", "ratio", "score" or "ms"
    default: float
    minimum: float
    maximum: float

    def met(self, value: float | None, target: float) -> bool | None:
        """Whether ``value`` meets ``target`` (None when there is no value yet)."""
        if value is None:
            return None
        return value >= target if self.comparison == ">=" else value <= target

    def show(self, value: float | None) -> str:
        """``value`` as the report prints it."""
        if value is None:
            return "–"
        if self.unit == "ratio":
            return f"{value * 100:.1f}%"
        if self.unit == "ms":
            return f"{value:g} ms"
        return f"{value:g}"


CRITERIA: tuple[Criterion, ...] = (
    Criterion("enrolled", "Participants enrolled", ">=", "count", 50, 1, 100_000),
    Criterion("activation_rate", "Activated (signed in at least once), share of enrolled", ">=", "ratio", 0.80, 0, 1),
    Criterion("weekly_active_rate", "Weekly active, share of enrolled, each of the last two weeks", ">=", "ratio",
              0.60, 0, 1),
    Criterion("sus_mean", "System Usability Scale, mean score", ">=", "score", 68, 0, 100),
    Criterion("triaged_in_time_rate", "Issues triaged within 2 working days", ">=", "ratio", 0.95, 0, 1),
    Criterion("api_p95_ms", "API latency p95 (server-measured, participants' calls)", "<=", "ms", PERF_MD_P95_MS,
              1, 60_000),
    Criterion("crash_free_rate", "Crash-free sessions", ">=", "ratio", 0.99, 0, 1),
)
BY_KEY = {c.key: c for c in CRITERIA}


def targets(cohort: PilotCohort) -> dict[str, float]:
    """Every criterion's target for ``cohort``: what it stores, else the default."""
    stored = cohort.success_criteria or {}
    return {c.key: float(stored[c.key]) if c.key in stored else float(c.default) for c in CRITERIA}


def invalid_targets(changes: dict[str, Any]) -> dict[str, list[str]]:
    """Field errors of a criteria change (unknown criterion, not a number, out of range); empty if valid."""
    errors: dict[str, list[str]] = {}
    for key, value in changes.items():
        criterion = BY_KEY.get(key)
        if criterion is None:
            errors[key] = ["Unknown criterion."]
        elif isinstance(value, bool) or not isinstance(value, int | float) or value != value:
            errors[key] = ["Must be a number."]
        elif not criterion.minimum <= value <= criterion.maximum:
            errors[key] = [f"Must be between {criterion.minimum:g} and {criterion.maximum:g}."]
        elif criterion.unit == "count" and value != int(value):
            errors[key] = ["Must be a whole number."]
    return errors


def apply_targets(cohort: PilotCohort, changes: dict[str, float]) -> dict[str, float]:
    """Store the changed targets on the cohort (the caller commits); return every target."""
    stored = dict(cohort.success_criteria or {})
    stored.update({key: float(value) for key, value in changes.items()})
    cohort.success_criteria = stored  # a new dict, so the JSON column is seen as changed
    return targets(cohort)
