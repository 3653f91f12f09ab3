"""Flask extensions, created unbound and bound to the app in ``create_app``."""
from __future__ import annotations

import time
from functools import partial

import flask_limiter
from flask import Flask, Response
from flask.globals import request_ctx
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
        _replace_hooks(app, self)

    def middleware_has_limits(self) -> bool:
        """Whether the before-request check could apply any limit (else it is a no-op).

        Every quota of this service is a decorator on its view (``api/quotas.py``, ``auth/routes.py``),
        checked by the decorator itself. The before-request hook adds only application, default,
        blueprint and meta limits, and while the storage is down the fallback limits and the
        storage's recovery check: with none of those, it would resolve an empty list of limits
        on every request.
        """
        # flask-limiter's own attributes (4.x); one it no longer has counts as a limit (full check).
        manager = self.limit_manager
        return bool(getattr(self, "_storage_dead", True) or getattr(manager, "_application_limits", True)
                    or getattr(manager, "_default_limits", True) or getattr(manager, "_blueprint_limits", True)
                    or getattr(self, "_meta_limits", True) or getattr(self, "_in_memory_fallback", True))

    def _check_request_limit(self, callable_name: str | None = None, in_middleware: bool = True) -> None:
        # The before-request hook and every decorated limit come through here.
        if in_middleware and not self.middleware_has_limits():
            return
        super()._check_request_limit(callable_name, in_middleware)

    def _limits_evaluated(self) -> bool:
        # flask-limiter keeps a request's limit state on the request context, created on first use:
        # without it no limit was evaluated, so there are no headers to add and nothing to reset.
        evaluated = getattr(request_ctx._get_current_object(), "_limiter_request_context", None)  # type: ignore[attr-defined]
        return evaluated is not None and self in evaluated

    def _inject_headers_if_limited(self, response: Response) -> Response:
        if not self._limits_evaluated():
            return response
        return self._Limiter__inject_headers(response)  # type: ignore[attr-defined]

    def _release_context_if_limited(self, exc: BaseException | None = None) -> None:
        if self._limits_evaluated():
            self._Limiter__release_context(exc)  # type: ignore[attr-defined]

    @property
    def storage_degraded(self) -> bool:
        """True while limits are counted in this process's memory (shared storage failed)."""
        return bool(getattr(self, "_storage_dead", False))


def _replace_hooks(app: Flask, limiter: Limiter) -> None:
    """Swap flask-limiter's after-request and teardown hooks for ones that return at once when the
    request evaluated no limit (most requests: only decorated routes have quotas)."""
    # Found by identity: if a flask-limiter release renames them, its own hooks simply stay.
    inject = getattr(flask_limiter.Limiter, "_Limiter__inject_headers", None)
    release = getattr(flask_limiter.Limiter, "_Limiter__release_context", None)
    after = app.after_request_funcs.get(None, [])
    for i, hook in enumerate(after):
        if inject is not None and isinstance(hook, partial) and hook.func is inject and hook.args == (limiter,):
            after[i] = limiter._inject_headers_if_limited
    teardown = app.teardown_request_funcs.get(None, [])
    for i, hook in enumerate(teardown):
        if release is not None and getattr(hook, "__func__", None) is release and getattr(hook, "__self__", None) is limiter:
            teardown[i] = limiter._release_context_if_limited


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
# Storage, fallback and defaults come from RATELIMIT_* config keys set in config.py.
limiter = Limiter(key_func=get_remote_address)
