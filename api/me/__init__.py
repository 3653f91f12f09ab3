"""``GET /api/v1/me``: the signed-in user's own profile."""
from api.me.routes import blp

__all__ = ["blp"]
