"""``GET /api/v1/me``."""
from __future__ import annotations

from api.me import service
from api.me.schemas import MeSchema
from api.smorest import Blueprint
from auth import current_principal, require_auth

blp = Blueprint("me", __name__, url_prefix="/api/v1", description="The signed-in user")


@blp.get("/me")
@require_auth()
@blp.response(200, MeSchema)
@blp.doc(operationId="getMe")
def me():
    """Return the signed-in user's profile, role, office, pilot cohort and supervisees."""
    return service.profile(current_principal())
