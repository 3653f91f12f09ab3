"""The identity provider's health: reported, never a readiness failure (issue 18).

The provider's keys only matter for token exchange, and the last-known-good keys keep serving
it through an outage (``auth.jwks``); app tokens, and so every data route, need the provider
not at all. Pulling pods for a provider fault would turn a degraded service into none, so its
state goes to ``/readyz``'s ``degraded`` list, ``/healthz/details`` and these metrics.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Flask
from prometheus_client import Counter, Gauge

if TYPE_CHECKING:
    from auth.jwks import KeyClient

KEYS_USABLE = Gauge(
    "mobile_idp_keys_usable",
    "1 while this worker holds identity-provider keys it may validate with (fresh or last-known-good), else 0.",
    multiprocess_mode="livemin",
)
KEYS_AGE = Gauge(
    "mobile_idp_keys_age_seconds", "Age of the identity-provider keys this worker holds (-1 when it holds none).",
    multiprocess_mode="livemax",
)
KEY_FETCHES = Counter(
    "mobile_idp_key_fetches_total", "Identity-provider discovery + JWKS fetches, by outcome (ok, failed).",
    ["outcome"],
)


def record_fetch(ok: bool) -> None:
    """Count one key fetch from the provider."""
    KEY_FETCHES.labels(outcome="ok" if ok else "failed").inc()


def status(client: KeyClient | None) -> dict[str, Any]:
    """A summary for ``/healthz/details``: state, key count and age, last fetch error class (no key material)."""
    if client is None:
        return {"state": "missing"}
    state = client.state
    age = client.key_age()
    if state.static:
        name = "static"
    elif not state.keys:
        name = "unavailable" if state.last_error else "cold"
    elif not client.keys_usable():
        name = "unavailable"
    elif age is not None and age >= client.cache_seconds:
        name = "stale"
    else:
        name = "ok"
    return {"state": name, "keys": len(state.keys), "key_age_seconds": None if age is None else int(age),
            "last_fetch_error": state.last_error, "cache_seconds": client.cache_seconds,
            "stale_seconds": client.stale_seconds}


def degraded_reason(client: KeyClient | None) -> str | None:
    """The ``/readyz`` degraded note: keys served past their lifetime, or none usable at all."""
    if client is None:
        return "identity provider key client missing"
    # readiness() also adopts keys another worker or pod stored meanwhile (recovery).
    return client.readiness() or client.degraded()


def refresh_gauges(app: Flask) -> None:
    """Set this worker's gauges from its key client (called on every ``/metrics`` scrape)."""
    client = app.extensions.get("entra_key_client")
    age = client.key_age() if client is not None else None
    KEYS_USABLE.set(1 if client is not None and client.keys_usable() else 0)
    KEYS_AGE.set(-1 if age is None else age)
