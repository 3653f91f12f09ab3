"""Feedback use case: store it, record the usage event, one commit."""
from __future__ import annotations

from auth.principal import Principal
from mobile_service import audit, usage
from mobile_service.extensions import db
from mobile_service.models import Feedback
from mobile_service.pilot.domain import sus_score


def create_feedback(principal: Principal, *, rating: int, category: str, comment: str | None = None,
                    screen: str | None = None, app_version: str | None = None, platform: str | None = None,
                    sus_answers: list[int] | None = None) -> Feedback:
    """Save a worker's feedback (SUS score computed from the answers, if any)."""
    header_version, header_platform = usage.client_info()
    row = Feedback(
        user_id=principal.user_id, rating=rating, category=category, comment=comment or None, screen=screen,
        app_version=app_version or header_version,
        platform=platform or (header_platform if header_platform in ("ios", "android", "web") else None),
        sus_answers=list(sus_answers) if sus_answers else None,
        sus_score=sus_score(sus_answers) if sus_answers else None,
    )
    db.session.add(row)
    usage.record_event("feedback", principal, detail=category)
    audit.commit()
    return row

