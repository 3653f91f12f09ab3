"""The travel plan's life cycle (DCFS 0900-520.20, Procedure and Approvals), as a table.

The CSW drafts the DCFS 63B / FCSS Auto 280 and submits them "to the SCSW for approval"; the
SCSW approves ("sign and return to the CSW") or, if incomplete, returns them "to the CSW for
corrective action"; when the child "stops attending their school-of-origin", a 280 stops the ETR.
"""
from __future__ import annotations

from mobile_service.models.travel import PLAN_APPROVED, PLAN_DRAFT, PLAN_RETURNED, PLAN_STOPPED, PLAN_SUBMITTED

EDIT, SUBMIT, APPROVE, RETURN, STOP = "edit", "submit", "approve", "return", "stop"
# action -> (states it may start from, state it leads to)
TRANSITIONS = {
    EDIT: ((PLAN_DRAFT, PLAN_RETURNED), None),  # stays in its state
    SUBMIT: ((PLAN_DRAFT, PLAN_RETURNED), PLAN_SUBMITTED),
    APPROVE: ((PLAN_SUBMITTED,), PLAN_APPROVED),
    RETURN: ((PLAN_SUBMITTED,), PLAN_RETURNED),
    STOP: ((PLAN_APPROVED,), PLAN_STOPPED),
}
PAST = {EDIT: "edited", SUBMIT: "submitted", APPROVE: "approved", RETURN: "returned", STOP: "stopped"}
# Plans that still speak for the child's school of origin (a new draft waits until these end).
OPEN_STATES = (PLAN_DRAFT, PLAN_SUBMITTED, PLAN_RETURNED, PLAN_APPROVED)


def refusal(action: str, status: str) -> str | None:
    """Why ``action`` cannot happen to a plan in ``status`` (None: it can)."""
    allowed, _ = TRANSITIONS[action]
    if status in allowed:
        return None
    return f"A {status} plan cannot be {PAST[action]}."


def next_state(action: str, status: str) -> str:
    """The state a plan in ``status`` is in after ``action`` (call :func:`refusal` first)."""
    _, target = TRANSITIONS[action]
    return status if target is None else target


def submission_problems(*, eligible: bool | None, failing: tuple[str, ...], unknown: tuple[str, ...],
                        mileage_source: str | None) -> list[str]:
    """What keeps a plan from going to the SCSW: a failing or open checklist item, or no mapped mileage."""
    problems = []
    if failing:
        problems.append(f"not eligible: {', '.join(failing)} fails")
    if unknown:
        problems.append(f"answer the checklist first: {', '.join(unknown)}")
    if mileage_source != "mapping_service":
        problems.append("the policy asks for the mileage of a web-based mapping service, not an estimate")
    if eligible is not True and not problems:
        problems.append("not eligible")
    return problems
