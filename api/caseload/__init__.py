"""``/api/v1/caseload``: the worker's own mobile caseload (list, add, remove)."""
from api.caseload.routes import blp

__all__ = ["blp"]
