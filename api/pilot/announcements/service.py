"""Announcement use cases: the app's current list, the coordinators' full list and publishing."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select

from auth.principal import Principal
from mobile_service import audit, clock
from mobile_service.errors import APIError
from mobile_service.extensions import db
from mobile_service.models import Announcement


def current_announcements(*, limit: int) -> dict:
    """Published, unexpired announcements, newest first."""
    now = clock.utcnow()
    rows = db.session.execute(
        select(Announcement)
        .where(Announcement.published_at <= now, or_(Announcement.expires_at.is_(None), Announcement.expires_at > now))
        .order_by(Announcement.published_at.desc(), Announcement.id.desc()).limit(limit)
    ).scalars()
    return {"items": list(rows)}


def all_announcements(*, limit: int = 200) -> list[Announcement]:
    """Every announcement (scheduled and expired too), newest first: the coordinators' view."""
    return list(db.session.execute(
        select(Announcement).order_by(Announcement.published_at.desc(), Announcement.id.desc()).limit(limit)
    ).scalars())


def publish(principal: Principal, *, kind: str, title: str, body: str,
            published_at: dt.datetime | None = None, expires_at: dt.datetime | None = None) -> Announcement:
    """Publish (or schedule) an announcement; an expiry must lie in the future."""
    now = clock.utcnow()
    if expires_at is not None and expires_at <= now:
        raise APIError(422, "One or more fields are invalid; see errors.",
                       errors={"json": {"expires_at": ["Must be in the future."]}})
    row = Announcement(created_by=principal.user_id, created_at=now, kind=kind, title=title, body=body,
                       published_at=published_at or now, expires_at=expires_at)
    db.session.add(row)
    audit.commit()
    return row
