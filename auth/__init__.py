"""Sign-in: Entra token exchange, app tokens, the ``require_auth`` gate."""
from __future__ import annotations

from flask import Flask

from auth.decorators import current_principal, require_auth
from auth.principal import Principal

__all__ = ["Principal", "current_principal", "init_app", "require_auth"]


def init_app(app: Flask) -> None:
    """Build the per-process auth state (key ring) and register the auth routes."""
    from auth.keys import build_keyring

    app.extensions["app_token_keyring"] = build_keyring(app)
