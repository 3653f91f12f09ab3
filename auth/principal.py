"""The authenticated caller, as services see it. Imports nothing from the project."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    """A signed-in, registered, active user, loaded from the registry on every request."""

    user_id: int
    role: str
    sid: str
    dcfs_employee_id: str | None = None
    office: str | None = None
    pilot_cohort: str | None = None
    token_id: str | None = None
    token_version: int | None = None  # the token's ``tv`` (a one-statement view re-checks it in SQL)
