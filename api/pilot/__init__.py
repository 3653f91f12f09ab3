"""The pilot coordinators' API (``/api/v1/pilot``)."""
from __future__ import annotations

from api.pilot.routes import blp

__all__ = ["blp"]
