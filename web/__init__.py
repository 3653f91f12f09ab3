"""The pilot coordinators' web dashboard (``/pilot``): server-rendered pages with SVG charts."""
from __future__ import annotations

from web import report as _report  # noqa: F401  (adds the report routes to the blueprint)
from web.dashboard import bp

__all__ = ["bp"]
