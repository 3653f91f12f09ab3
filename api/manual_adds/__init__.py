"""``/api/v1/admin/manual-adds`` and ``flask caseload manual-adds``: the report of manual adds."""
from api.manual_adds.routes import blp

__all__ = ["blp"]
