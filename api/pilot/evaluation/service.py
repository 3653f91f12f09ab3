"""Evaluation use cases: the report, the criteria (read, change, audited), app health, and a
signature turned into a tracked issue. Coordinators only; aggregates, never student data."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from api.pilot.service import issue_view
from auth.principal import Principal
from mobile_service import audit, clock
from mobile_service.errors import APIError, not_found
from mobile_service.extensions import db
from mobile_service.models import ClientEventSignature, IssueReport, User
from mobile_service.pilot import app_health, kpis, report
from mobile_service.pilot.criteria import CRITERIA, apply_targets, targets
from mobile_service.pilot.window import resolve_cohort, window_for


def get_report(*, cohort: str | None = None) -> dict[str, Any]:
    """The end-of-pilot report of one cohort (default: the latest)."""
    return report.build(window_for(resolve_cohort(cohort)))


def criteria(*, cohort: str | None = None) -> dict[str, Any]:
    """Every criterion of a cohort with its target and default."""
    found = resolve_cohort(cohort)
    goal = targets(found)
    return {"cohort": found.name, "items": [{"key": c.key, "label": c.label, "comparison": c.comparison,
                                             "unit": c.unit, "target": goal[c.key], "default": float(c.default)}
                                            for c in CRITERIA]}


def change_criteria(principal: Principal, *, changes: dict[str, float], cohort: str | None = None) -> dict[str, Any]:
    """Store new targets on the cohort, audited; answer every criterion."""
    found = resolve_cohort(cohort)
    before = targets(found)
    after = apply_targets(found, changes)
    audit.record(principal, "pilot.criteria.change",
                 details={"cohort": found.name, "changes": {k: [before[k], after[k]] for k in changes}})
    audit.commit()
    return criteria(cohort=found.name)


def health(*, cohort: str | None = None) -> dict[str, Any]:
    """The three app-health panels of a cohort."""
    window = window_for(resolve_cohort(cohort))
    return app_health.summary(window, kpis.participant_ids(window))


def _description(sig: ClientEventSignature) -> str:
    kind = sig.kind.replace("_", " ")
    parts = [f"App {kind} reported by the app's development tools: signature {sig.signature}"]
    if sig.error_code:
        parts.append(f"error {sig.error_code}")
    if sig.screen:
        parts.append(f"screen {sig.screen}")
    parts.append(f"{sig.occurrences} occurrence(s) in {sig.reports} report(s), first seen "
                 f"{sig.first_seen:%Y-%m-%d %H:%M} UTC, last seen {sig.last_seen:%Y-%m-%d %H:%M} UTC")
    if sig.message:
        parts.append(f"message: {sig.message}")
    return "; ".join(parts) + "."


def track_signature(principal: Principal, *, signature_id: int, cohort: str | None = None) -> dict[str, Any]:
    """Open a tracked issue (status triaged) for an error signature, in one step; 409 if it has one."""
    found = resolve_cohort(cohort)
    sig = db.session.execute(select(ClientEventSignature).where(ClientEventSignature.id == signature_id)
                             .with_for_update()).scalar_one_or_none()
    if sig is None:
        raise not_found("No such error signature.")
    if sig.issue_id is not None:
        raise APIError(409, f"This signature is already tracked as issue #{sig.issue_id}.")
    now = clock.utcnow()
    issue = IssueReport(user_id=principal.user_id, kind="problem", description=_description(sig), screen=sig.screen,
                        status="triaged", status_changed_at=now, triaged_at=now, cohort=found.name,
                        status_note=f"Opened from app error signature {sig.signature}.", created_at=now)
    db.session.add(issue)
    db.session.flush()
    sig.issue_id = issue.id
    audit.commit()
    user = db.session.get(User, principal.user_id)
    return issue_view(issue, user.display_name, user.office, user.role)
