"""The pilot coordinators' web dashboard (``/pilot``) and the EPS support stewards' queue (``/pilot/steward``)."""
from __future__ import annotations

from web import report as _report  # noqa: F401  (adds the report routes to the blueprint)
from web import steward  # noqa: F401  (registers the steward pages on the dashboard's blueprint)
from web.dashboard import bp

__all__ = ["bp"]
