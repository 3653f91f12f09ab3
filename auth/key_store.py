"""The shared last-known-good cache of the identity provider's keys (table ``idp_key_cache``).

``auth.jwks.KeyClient`` keeps keys in process memory; this store lets every worker and pod share
them with their fetch time, so a worker started during a provider outage (HUP, max-requests
recycle, a new pod) validates tokens on keys another worker fetched, within the stale window.

It runs on its own short connection, never the request's session: a sign-in's transaction is
not touched, and a database fault here is logged and counted (``mobile_idp_key_cache_events_total``,
event ``error``) and then ignored: the client carries on with its memory or a fetch. Nothing
in this path can turn a request into a 500.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from mobile_service import metrics
from mobile_service.extensions import db
from mobile_service.models import IdpKeyCache

log = logging.getLogger("mobile_service.auth.jwks")
_TABLE = IdpKeyCache.__table__


@dataclass(frozen=True)
class StoredKeys:
    """A provider's discovery results and JWK set as some worker last fetched them."""

    issuer: str
    jwks_uri: str
    jwks: dict[str, Any]
    fetched_at: float  # epoch seconds


class DatabaseKeyStore:
    """Load and save ``StoredKeys`` for one discovery URL; never raises."""

    def __init__(self, metadata_url: str):
        self.metadata_url = metadata_url

    def engine(self) -> Engine:
        """The app's engine; the store opens its own short connection on it."""
        return db.engine

    def load(self) -> StoredKeys | None:
        """The stored keys, or None when there are none or the database cannot be read."""
        try:
            with self.engine().connect() as conn:
                row = conn.execute(select(_TABLE).where(_TABLE.c.metadata_url == self.metadata_url)).first()
            if row is None:
                return None
            stored = StoredKeys(issuer=row.issuer, jwks_uri=row.jwks_uri, jwks=json.loads(row.jwks),
                                fetched_at=row.fetched_at.timestamp())  # UTCDateTime: aware on both engines
        except Exception as exc:  # noqa: BLE001 - database and decoding faults alike: carry on without it
            _fault("load", exc)
            return None
        metrics.record_idp_key_cache("loaded")
        return stored

    def save(self, keys: StoredKeys) -> None:
        """Store freshly fetched keys (insert or replace); a fault is logged and ignored."""
        values = {"issuer": keys.issuer, "jwks_uri": keys.jwks_uri, "jwks": json.dumps(keys.jwks),
                  "fetched_at": dt.datetime.fromtimestamp(keys.fetched_at, dt.UTC)}
        try:
            with self.engine().begin() as conn:
                changed = conn.execute(update(_TABLE).where(_TABLE.c.metadata_url == self.metadata_url)
                                       .values(**values)).rowcount
                if not changed:
                    conn.execute(insert(_TABLE).values(metadata_url=self.metadata_url, **values))
        except IntegrityError:
            return  # another worker stored the same fetch a moment ago
        except Exception as exc:  # noqa: BLE001 - the keys still serve from memory
            _fault("save", exc)
            return
        metrics.record_idp_key_cache("stored")


def _fault(operation: str, exc: Exception) -> None:
    metrics.record_idp_key_cache("error")
    log.warning("shared identity-provider key cache unavailable", extra={
        "event": "jwks_store", "outcome": "failed", "kind": operation, "error_class": type(exc).__name__})
