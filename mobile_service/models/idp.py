"""The identity provider's last-known-good signing keys, shared by every worker and pod."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mobile_service.models.base import Base, UTCDateTime


class IdpKeyCache(Base):
    """One row per discovery URL: its issuer, JWKS URL and the JWK set, as last fetched.

    Public key material only (a JWKS is published to anyone). ``fetched_at`` is when some
    worker last fetched it successfully: the stale window (``JWKS_STALE_SECONDS``) counts from it.
    """

    __tablename__ = "idp_key_cache"

    metadata_url: Mapped[str] = mapped_column(String(500), primary_key=True)
    issuer: Mapped[str] = mapped_column(String(500))
    jwks_uri: Mapped[str] = mapped_column(String(500))
    jwks: Mapped[str] = mapped_column(Text)
    fetched_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
