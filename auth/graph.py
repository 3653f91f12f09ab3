"""MSAL on the server: one ConfidentialClientApplication per process, and the optional
on-behalf-of Graph profile sync at exchange time.

MSAL acquires tokens; it never validates them (validation is ``auth.entra``). Building a
``ConfidentialClientApplication`` performs authority discovery over the network, so the holder
stored in ``app.extensions["msal"]`` builds it once, on first use, under a lock: a Microsoft
outage at boot never stops the service, and tests replace the holder or intercept HTTP with
``responses``.
"""
from __future__ import annotations

import logging
import threading
from typing import Any

import msal
import requests
from flask import current_app

from mobile_service.extensions import db
from mobile_service.models import User

log = logging.getLogger("mobile_service.auth.graph")
GRAPH_ME_URL = "https://graph.microsoft.com/v1.0/me?$select=displayName,officeLocation"
GRAPH_SCOPES = ["User.Read"]


class MsalUnavailable(Exception):
    """MSAL is not configured (no ENTRA_CLIENT_ID / secret / authority) or could not start."""


class MsalClient:
    """Lazily builds, once per process, the service's ``msal.ConfidentialClientApplication``."""

    def __init__(self, client_id: str | None, client_secret: str | None, authority: str | None, timeout: int):
        self.client_id = client_id
        self.client_secret = client_secret
        self.authority = authority
        self.timeout = timeout
        self._app: msal.ConfidentialClientApplication | None = None
        self._lock = threading.Lock()

    @property
    def configured(self) -> bool:
        """Whether the service has its own Entra registration configured."""
        return bool(self.client_id and self.client_secret and self.authority)

    def get(self) -> msal.ConfidentialClientApplication:
        """The application object, built on first use (raises ``MsalUnavailable``)."""
        if self._app is not None:
            return self._app
        if not self.configured:
            raise MsalUnavailable("ENTRA_CLIENT_ID, ENTRA_CLIENT_SECRET and ENTRA_AUTHORITY are required")
        with self._lock:
            if self._app is None:
                try:
                    self._app = msal.ConfidentialClientApplication(
                        self.client_id, client_credential=self.client_secret, authority=self.authority,
                        timeout=self.timeout,
                    )
                except Exception as exc:
                    log.warning("MSAL client could not start", extra={"error_class": type(exc).__name__})
                    raise MsalUnavailable("identity provider unreachable") from exc
        return self._app


def msal_client() -> MsalClient:
    """The per-process MSAL holder built by ``auth.init_app``."""
    return current_app.extensions["msal"]


def _clean(value: Any, limit: int) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.replace("\x00", "").strip()
    return value[:limit] or None


def sync_profile(user: User, assertion: str) -> bool:
    """Refresh display name and office from Graph ``/me`` on behalf of the user; never raises.

    Commits its own small change; any failure is logged and ignored (sign-in already succeeded).
    """
    cfg = current_app.config
    if not cfg["GRAPH_PROFILE_SYNC"] or cfg["AUTH_MODE"] != "entra":
        return False
    try:
        result = msal_client().get().acquire_token_on_behalf_of(assertion, GRAPH_SCOPES)
        token = result.get("access_token") if isinstance(result, dict) else None
        if not token:
            log.warning("graph profile sync: no OBO token", extra={"event": "graph_sync", "outcome": "failed",
                                                                   "kind": str(result.get("error", ""))[:40]})
            return False
        response = requests.get(GRAPH_ME_URL, headers={"Authorization": f"Bearer {token}"},
                                timeout=cfg["GRAPH_TIMEOUT_SECONDS"], allow_redirects=False)
        if response.status_code != 200:
            log.warning("graph profile sync: HTTP error", extra={"event": "graph_sync", "outcome": "failed",
                                                                 "status": response.status_code})
            return False
        profile = response.json()
        if not isinstance(profile, dict):
            return False
        name = _clean(profile.get("displayName"), 200)
        office = _clean(profile.get("officeLocation"), 100)
        changed = False
        if name and name != user.display_name:
            user.display_name, changed = name, True
        if office and office != user.office:
            user.office, changed = office, True
        if changed:
            db.session.commit()
        return changed
    except Exception as exc:  # noqa: BLE001 - a Graph problem must never block sign-in
        db.session.rollback()
        log.warning("graph profile sync failed", extra={"event": "graph_sync", "outcome": "failed",
                                                        "error_class": type(exc).__name__})
        return False
