"""``POST /api/v1/admin/access-history``: the record of access (admin only; the student in the body)."""
from api.audit.routes import blp

__all__ = ["blp"]
