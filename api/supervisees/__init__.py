"""``/api/v1/supervisees``: an SCSW's team and their caseloads (read-only)."""
from api.supervisees.routes import blp

__all__ = ["blp"]
