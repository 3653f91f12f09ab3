"""Problem and wrong-data reports from the field (``/api/v1/issues``)."""
from api.pilot.issues.routes import blp

__all__ = ["blp"]
