"""The identity provider's signing keys: OpenID discovery, a cached JWKS, last-known-good.

One ``KeyClient`` per worker process (built by ``auth.init_app``). Why not ``PyJWKClient``:
it never serves stale keys (once its lifespan ends, an IdP outage becomes an auth outage),
holds its lock during a 30 s default fetch, and knows nothing of discovery. This small client
reuses PyJWT's ``PyJWKSet`` for parsing and adds what the spec asks for:

- discovery document -> ``issuer`` and ``jwks_uri``, fetched with a short timeout, no redirects,
  http(s) only, bounded size;
- keys cached for ``JWKS_CACHE_SECONDS``; an unknown ``kid`` refetches at most once per
  ``JWKS_COOLDOWN_SECONDS`` (a random-kid flood costs one fetch per window);
- when a refetch fails the cached keys keep serving for ``JWKS_STALE_SECONDS`` more;
- every successful fetch is shared through a store (``auth.key_store``: the database) with its
  fetch time, and a cold or expired client adopts newer stored keys before it fetches: a worker
  started during a provider outage serves on keys another worker fetched, within the window,
  and one fetch per cache period serves every worker and pod. The store is read at most once
  per cooldown; its faults are ignored (memory and fetch carry on);
- with no usable keys at all, ``KeysUnavailable`` (the endpoint answers 503, not 401).

Keys never come from the token (``jku``/``x5u``/``jwk``/``x5c`` are ignored). Time comes from
``mobile_service.clock`` so tests can move it.
"""
from __future__ import annotations

import json
import logging
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Protocol

from jwt import PyJWK, PyJWKSet
from jwt.exceptions import PyJWKError, PyJWKSetError

from auth import provider_health
from mobile_service import clock

log = logging.getLogger("mobile_service.auth.jwks")
MAX_DOCUMENT_BYTES = 512 * 1024


class KeysUnavailable(Exception):
    """No usable signing keys: the identity provider could not be reached and nothing is cached."""


class KeyNotFound(Exception):
    """The token's ``kid`` is not among the provider's current keys."""


class KeyStore(Protocol):
    """Where fetched keys are shared between processes (``auth.key_store.DatabaseKeyStore``)."""

    def load(self) -> Any:
        """The stored keys (``StoredKeys``) or None; never raises."""

    def save(self, keys: Any) -> None:
        """Store freshly fetched keys; never raises."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect, urllib.request.ProxyHandler({}))


def fetch_json(url: str, timeout: float) -> dict[str, Any]:
    """GET a JSON object over http(s) with a timeout, no redirects, no proxies, bounded size."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise ValueError("only http(s) URLs are fetched")
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    with _OPENER.open(request, timeout=timeout) as response:
        if response.status != 200:
            raise ValueError(f"HTTP {response.status}")
        body = response.read(MAX_DOCUMENT_BYTES + 1)
    if len(body) > MAX_DOCUMENT_BYTES:
        raise ValueError("document too large")
    data = json.loads(body)
    if not isinstance(data, dict):
        raise TypeError("not a JSON object")
    return data


@dataclass
class KeyState:
    """What the client holds: keys by kid, the issuer, and when it last fetched or failed."""

    keys: dict[str, PyJWK] = field(default_factory=dict)
    issuer: str | None = None
    jwks_uri: str | None = None
    fetched_at: float | None = None       # last successful fetch (epoch seconds)
    attempted_at: float | None = None     # last fetch attempt, successful or not
    last_error: str | None = None
    static: bool = False


class KeyClient:
    """Discovery + JWKS cache with kid-miss refetch, cooldown and last-known-good keys."""

    def __init__(self, metadata_url: str, *, cache_seconds: int, stale_seconds: int, cooldown_seconds: int,
                 timeout_seconds: float, fetcher=fetch_json, store: KeyStore | None = None):
        self.metadata_url = metadata_url
        self.cache_seconds = cache_seconds
        self.stale_seconds = stale_seconds
        self.cooldown_seconds = cooldown_seconds
        self.timeout_seconds = timeout_seconds
        self._fetch = fetcher
        self._store = store
        self._store_checked_at: float | None = None
        self._lock = threading.Lock()
        self.state = KeyState()

    @classmethod
    def static(cls, jwks: dict[str, Any], issuer: str) -> KeyClient:
        """A client seeded with fixed keys and issuer (the dev issuer): never fetches."""
        client = cls("", cache_seconds=1, stale_seconds=0, cooldown_seconds=0, timeout_seconds=1,
                     fetcher=_never_fetch)
        client.state = KeyState(keys=_parse_keys(jwks), issuer=issuer, fetched_at=_now(), static=True)
        return client

    # -- public API ---------------------------------------------------------------------
    def issuer(self) -> str:
        """The provider's ``issuer`` from discovery (may be Entra's ``{tenantid}`` template)."""
        self._ensure_fresh()
        if not self.state.issuer:
            raise KeysUnavailable("identity provider metadata unavailable")
        return self.state.issuer

    def get_signing_key(self, kid: str) -> PyJWK:
        """The key for ``kid``; refetches once per cooldown on a miss."""
        self._ensure_fresh()
        key = self.state.keys.get(kid)
        if key is not None:
            return key
        if self.state.static:
            raise KeyNotFound(kid)
        with self._lock:
            key = self.state.keys.get(kid)
            if key is None and self._cooldown_over():
                self._refresh(reason="unknown kid")
                key = self.state.keys.get(kid)
            if key is None and self._adopt_stored():
                key = self.state.keys.get(kid)  # another worker fetched the provider's rotated keys
        if key is not None:
            return key
        if not self.state.keys:
            raise KeysUnavailable("no signing keys available")
        raise KeyNotFound(kid)

    def readiness(self) -> str | None:
        """None when keys are usable (or the cache is merely cold), else a PII-free reason."""
        if self.state.keys and not self._expired_beyond_stale():
            return None
        if self.state.attempted_at is not None and self.state.last_error:
            # Another worker or pod may hold keys still within the window. Never wait for a
            # fetch in progress (up to JWKS_TIMEOUT_SECONDS): the probe has its own timeout.
            if self._lock.acquire(blocking=False):
                try:
                    self._adopt_stored()
                finally:
                    self._lock.release()
            if self.state.keys and not self._expired_beyond_stale():
                return None
            return "identity provider keys unavailable (last fetch failed)"
        return None

    def degraded(self) -> str | None:
        """A PII-free note while keys serve past their cache lifetime (provider unreachable), else None."""
        age = self._age()
        if self.state.static or age is None or age < self.cache_seconds or self._expired_beyond_stale():
            return None
        if not self.state.last_error:
            return None
        return (f"identity provider unreachable; serving last-known-good keys fetched {int(age)} s ago "
                f"(valid up to {self.cache_seconds + self.stale_seconds} s)")

    def key_age(self) -> float | None:
        """Seconds since the held keys were fetched (by this worker or another), None without keys."""
        return self._age()

    def keys_usable(self) -> bool:
        """True while the held keys may validate tokens (fresh, or last-known-good inside the window)."""
        return bool(self.state.keys) and not self._expired_beyond_stale()

    def describe(self) -> dict[str, Any]:
        """A summary for logs and readiness (no key material)."""
        return {"keys": len(self.state.keys), "fetched_at": self.state.fetched_at,
                "last_error": self.state.last_error, "static": self.state.static}

    # -- internals ------------------------------------------------------------------------
    def _age(self) -> float | None:
        return None if self.state.fetched_at is None else _now() - self.state.fetched_at

    def _expired_beyond_stale(self) -> bool:
        age = self._age()
        return age is None or age > self.cache_seconds + self.stale_seconds

    def _cooldown_over(self) -> bool:
        last = self.state.attempted_at
        return last is None or _now() - last >= self.cooldown_seconds

    def _ensure_fresh(self) -> None:
        if self.state.static:
            return
        age = self._age()
        if age is not None and age < self.cache_seconds:
            return
        with self._lock:
            age = self._age()
            if age is not None and age < self.cache_seconds:
                return
            if self._adopt_stored() and self._age() < self.cache_seconds:  # type: ignore[operator]
                return  # another worker or pod fetched them recently: no fetch of our own
            age = self._age()
            # Expired (or cold): refetch, but failures within the cooldown are not retried at
            # once; until the stale window closes the last-known-good keys keep serving.
            if self._cooldown_over():
                self._refresh(reason="cache expired" if age is not None else "cold cache")
        if self._expired_beyond_stale():
            raise KeysUnavailable("identity provider keys unavailable")

    def _refresh(self, *, reason: str) -> None:
        """Fetch discovery (when needed) and the JWKS; keep the old state on any failure."""
        now = _now()
        self.state.attempted_at = now
        try:
            issuer, jwks_uri = self.state.issuer, self.state.jwks_uri
            if not jwks_uri or reason != "unknown kid":
                metadata = self._fetch(self.metadata_url, self.timeout_seconds)
                issuer, jwks_uri = _read_metadata(metadata, self.metadata_url)
            raw = self._fetch(jwks_uri, self.timeout_seconds)
            keys = _parse_keys(raw)
        except Exception as exc:  # noqa: BLE001 - network, HTTP, JSON and JWK errors all mean "keep old keys"
            self.state.last_error = type(exc).__name__
            provider_health.record_fetch(False)
            log.warning("identity provider key fetch failed", extra={"event": "jwks_fetch", "outcome": "failed",
                                                                      "error_class": type(exc).__name__})
            return
        self.state = KeyState(keys=keys, issuer=issuer, jwks_uri=jwks_uri, fetched_at=now, attempted_at=now)
        provider_health.record_fetch(True)
        log.info("identity provider keys fetched", extra={"event": "jwks_fetch", "outcome": "ok", "count": len(keys)})
        if self._store is not None:
            from auth.key_store import StoredKeys

            self._store.save(StoredKeys(issuer=issuer, jwks_uri=jwks_uri, jwks=raw, fetched_at=now))
            self._store_checked_at = now

    def _adopt_stored(self) -> bool:
        """Take the shared store's keys when they are newer than ours (read once per cooldown)."""
        if self._store is None:
            return False
        now = _now()
        if self._store_checked_at is not None and now - self._store_checked_at < max(self.cooldown_seconds, 1):
            return False
        self._store_checked_at = now
        stored = self._store.load()
        if stored is None or (self.state.fetched_at is not None and stored.fetched_at <= self.state.fetched_at):
            return False
        if now - stored.fetched_at > self.cache_seconds + self.stale_seconds:
            return False  # too old to trust, however it got there
        try:
            keys = _parse_keys(stored.jwks)
            _read_metadata({"issuer": stored.issuer, "jwks_uri": stored.jwks_uri}, self.metadata_url)
        except Exception as exc:  # noqa: BLE001 - a damaged row is ignored like a missing one
            log.warning("stored identity provider keys unusable", extra={"event": "jwks_store", "outcome": "failed",
                                                                          "error_class": type(exc).__name__})
            return False
        self.state = KeyState(keys=keys, issuer=stored.issuer, jwks_uri=stored.jwks_uri, fetched_at=stored.fetched_at,
                              attempted_at=self.state.attempted_at, last_error=self.state.last_error)
        log.info("identity provider keys adopted from the shared cache",
                 extra={"event": "jwks_store", "outcome": "loaded", "count": len(keys)})
        return True


def _now() -> float:
    return clock.utcnow().timestamp()


def _never_fetch(url: str, timeout: float) -> dict[str, Any]:
    raise KeysUnavailable("static key client does not fetch")


def _read_metadata(metadata: dict[str, Any], metadata_url: str) -> tuple[str, str]:
    issuer = metadata.get("issuer")
    jwks_uri = metadata.get("jwks_uri")
    if not isinstance(issuer, str) or not issuer or not isinstance(jwks_uri, str):
        raise ValueError("discovery document lacks issuer or jwks_uri")
    scheme = urllib.parse.urlsplit(jwks_uri).scheme
    if scheme not in ("http", "https") or (metadata_url.startswith("https://") and scheme != "https"):
        raise ValueError("jwks_uri must be https (or http only for a loopback provider)")
    return issuer, jwks_uri


def _parse_keys(jwks: dict[str, Any]) -> dict[str, PyJWK]:
    """Usable RSA signing keys by kid; anything else in the set is ignored."""
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
        raise TypeError("not a JWK set")
    usable = [k for k in jwks["keys"] if isinstance(k, dict) and k.get("kty") == "RSA"
              and isinstance(k.get("kid"), str) and k.get("use", "sig") == "sig"
              and k.get("alg", "RS256") == "RS256"]
    try:
        keyset = PyJWKSet(usable)
    except (PyJWKSetError, PyJWKError) as exc:
        raise ValueError("no usable signing keys in the JWK set") from exc
    return {key.key_id: key for key in keyset.keys if key.key_id}
