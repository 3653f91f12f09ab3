"""The caller's profile, read from the registry (the token carries no personal data)."""
from __future__ import annotations

from typing import Any

from auth.principal import Principal
from mobile_service.errors import APIError
from mobile_service.extensions import db
from mobile_service.models import ROLE_SCSW, User
from mobile_service.scoping import supervisees


def profile(principal: Principal) -> dict[str, Any]:
    """Return the allow-listed profile of the principal, with active supervisees for an SCSW."""
    user = db.session.get(User, principal.user_id)
    if user is None:  # deleted between authentication and now
        raise APIError(401, "session ended")
    # Only an SCSW supervises anyone: no query for the others (it could only return nothing).
    team = (db.session.execute(supervisees(principal).order_by(User.display_name, User.id)).scalars().unique().all()
            if principal.role == ROLE_SCSW else [])
    return {
        "id": user.id,
        "display_name": user.display_name,
        "email": user.email,
        "role": user.role,
        "office": user.office,
        "pilot_cohort": user.pilot_cohort,
        "dcfs_employee_id": user.dcfs_employee_id,
        "supervisees": [{"id": w.id, "display_name": w.display_name} for w in team if w.active],
    }
