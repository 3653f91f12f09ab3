"""``/api/v1/admin/students/{ssid}/access-history``: the record of access (admin only)."""
from api.audit.routes import blp

__all__ = ["blp"]
