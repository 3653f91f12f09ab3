"""End-of-pilot evaluation and app health for coordinators (``/api/v1/pilot/...``)."""
from api.pilot.evaluation.routes import blp

__all__ = ["blp"]
