"""Flask extensions, created unbound and bound to the app in ``create_app``."""
from __future__ import annotations

import time

import flask_limiter
from flask import Flask
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from mobile_service.models.base import Base


class Limiter(flask_limiter.Limiter):
    """flask-limiter, with whether it has fallen back to per-process memory made readable.

    flask-limiter (4.x) keeps that state in ``_storage_dead``: set when the storage raises
    (it then counts in memory), cleared when a later health check of the storage succeeds.
    """

    def init_app(self, app: Flask) -> None:
        """Bind to ``app``; a freshly bound app starts on its configured storage."""
        # The limiter is module-global and tests bind several apps to it: each starts healthy,
        # with flask-limiter's storage re-check back-off (1 s doubling to 32 s) from its start.
        self._storage_dead = False
        self._Limiter__check_backend_count = 0
        self._Limiter__last_check_backend = time.time()
        super().init_app(app)

    @property
    def storage_degraded(self) -> bool:
        """True while limits are counted in this process's memory (shared storage failed)."""
        return bool(getattr(self, "_storage_dead", False))


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
# Storage, fallback and defaults come from RATELIMIT_* config keys set in config.py.
limiter = Limiter(key_func=get_remote_address)
