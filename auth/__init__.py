"""Sign-in: Entra token exchange, app tokens, the ``require_auth`` gate, dashboard web sign-in."""
from __future__ import annotations

from flask import Flask

from auth.decorators import current_principal, require_auth
from auth.dev_secrets import instance_secret
from auth.principal import Principal
from mobile_service.readiness import add_degraded_check, add_health_detail, add_readiness_check

__all__ = ["Principal", "build_key_client", "current_principal", "init_app", "require_auth"]


def init_app(app: Flask) -> None:
    """Build the per-process auth state and register its readiness checks (routes: ``create_app``).

    Per process: the app-token key ring, ONE identity-provider key client (seeded with the dev
    issuer's key in AUTH_MODE=dev, otherwise fed by OpenID discovery) and the MSAL holder. All
    live in ``app.extensions`` so tests can replace them.
    """
    from auth import provider_health
    from auth.graph import MsalClient
    from auth.jwks import KeyClient
    from auth.keys import build_keyring

    cfg = app.config
    app.extensions["app_token_keyring"] = build_keyring(app)
    if cfg["AUTH_MODE"] == "dev":
        from auth.dev_issuer import build_dev_issuer

        issuer = build_dev_issuer(app)
        app.extensions["dev_issuer"] = issuer
        app.extensions["entra_key_client"] = KeyClient.static(issuer.jwks(), issuer.issuer)
    else:
        app.extensions["entra_key_client"] = build_key_client(cfg)
    app.extensions["msal"] = MsalClient(cfg["ENTRA_CLIENT_ID"], cfg["ENTRA_CLIENT_SECRET"], cfg["ENTRA_AUTHORITY"],
                                        cfg["GRAPH_TIMEOUT_SECONDS"])
    if not cfg.get("SECRET_KEY"):
        cfg["SECRET_KEY"] = _dev_secret_key(app)
    # Readiness is this pod's own signing key; the identity provider is reported, never a
    # failed probe (issue 18): its cached keys keep serving, app tokens never need it.
    add_readiness_check(app, "signing_keys", _signing_keys_check(app))
    add_degraded_check(app, "identity_provider",
                       lambda: provider_health.degraded_reason(app.extensions.get("entra_key_client")))
    add_health_detail(app, "identity_provider", lambda: provider_health.status(app.extensions.get("entra_key_client")))
    app.extensions.setdefault("metrics_refreshers", []).append(lambda: provider_health.refresh_gauges(app))


def build_key_client(cfg):
    """The identity provider's key client for a config: discovery, JWKS, shared last-known-good."""
    from auth.jwks import KeyClient
    from auth.key_store import DatabaseKeyStore

    return KeyClient(cfg["OIDC_METADATA_URL"], cache_seconds=cfg["JWKS_CACHE_SECONDS"],
                     stale_seconds=cfg["JWKS_STALE_SECONDS"], cooldown_seconds=cfg["JWKS_COOLDOWN_SECONDS"],
                     timeout_seconds=cfg["JWKS_TIMEOUT_SECONDS"], store=DatabaseKeyStore(cfg["OIDC_METADATA_URL"]))


def _signing_keys_check(app: Flask):
    def check() -> str | None:
        ring = app.extensions.get("app_token_keyring")
        if ring is None or ring.signing_key is None:
            return "app-token signing key not loaded"
        return None

    return check


def _dev_secret_key(app: Flask) -> str:
    """Outside production (which refuses a missing SECRET_KEY), one persisted random key."""
    import secrets

    return instance_secret(app, "dev-secret-key", lambda: secrets.token_urlsafe(48).encode()).decode().strip()
