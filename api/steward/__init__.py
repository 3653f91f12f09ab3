"""The EPS support stewards' queue of data-quality reports (``/api/v1/steward``)."""
from api.steward.routes import blp

__all__ = ["blp"]
