"""The pilot coordinators' web dashboard (``/pilot``): server-rendered pages with SVG charts."""
from __future__ import annotations

from web.dashboard import bp

__all__ = ["bp"]
