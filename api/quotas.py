"""Per-user request quotas (flask-limiter) for the routes a signed-in worker could hammer.

Keyed by the signed-in user (``require_auth`` runs first), so one office behind a shared NAT is
not one bucket; the limits are settings (``config.py``). A refusal is a 429 problem document
with ``Retry-After`` (``errors.py``), and nothing behind it runs: no disclosure, no audit row.

They share the limiter's storage and its faults: with Redis (``REDIS_URL``) down, each worker
counts them in its own memory (``mobile_service/ratelimit.py``), so they still refuse, per
worker, and never turn a request into a 500.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import current_app, g

from mobile_service.extensions import limiter


def per_user(kind: str, setting: str) -> Callable:
    """A flask-limiter decorator: at most ``config[setting]`` requests of ``kind`` per user.

    Every route decorated with the same ``kind`` draws on the same quota (a shared limit).
    """
    return limiter.shared_limit(lambda: current_app.config[setting], scope=kind,
                                key_func=lambda: f"{kind}:user:{g.principal.user_id}")


def per_key(kind: str, setting: str, key_func: Callable[[], str]) -> Callable:
    """A flask-limiter decorator: at most ``config[setting]`` requests of ``kind`` per ``key_func()``.

    For quotas on something other than the user (the reporting device of a client event).
    """
    return limiter.shared_limit(lambda: current_app.config[setting], scope=kind, key_func=key_func)
