"""The app-token key ring: one ES256 signing key plus verification keys (next and previous ones).

Keys come from configuration (PEM): ``APP_TOKEN_SIGNING_KEY`` and ``APP_TOKEN_VERIFICATION_KEYS``.
A fleet rotates in two phases (infra/RUNBOOK.md): first every pod learns the new public key as a
verification key, only then do pods sign with it; the old public key stays until the longest
token lifetime has passed. ``KeyRing.phase`` and ``flask keys check`` say where a pod stands.
In development a key is generated once and kept under ``instance/`` so every worker and restart
shares it; production refuses to start without one.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask
from jwt.algorithms import ECAlgorithm
from jwt.utils import base64url_encode

from auth.dev_secrets import instance_secret
from mobile_service.config import ConfigError

ALGORITHM = "ES256"


@dataclass(frozen=True)
class KeyRing:
    """The signing key and every public key tokens may be verified with, by ``kid``."""

    signing_kid: str
    signing_key: ec.EllipticCurvePrivateKey
    public_keys: dict[str, ec.EllipticCurvePublicKey]

    def jwks(self) -> dict:
        """The public keys as a JWK Set (for ``/.well-known/jwks.json``)."""
        keys = []
        for kid, key in self.public_keys.items():
            jwk = json.loads(ECAlgorithm.to_jwk(key))
            jwk.update({"kid": kid, "use": "sig", "alg": ALGORITHM})
            keys.append(jwk)
        return {"keys": keys}

    def phase(self, new_kid: str, old_kid: str | None = None) -> str:
        """Where this ring stands in a rotation to ``new_kid`` (infra/RUNBOOK.md, the three phases).

        ``unaware``: the new key is unknown here (it must not sign anywhere yet);
        ``learned``: phase 1 done, the new key verifies while the old one still signs;
        ``signing``: phase 2, the new key signs and the old one (``old_kid``, or any other) verifies;
        ``retired``: the old key is gone (only after the longest token lifetime has passed).
        """
        if new_kid not in self.public_keys:
            return "unaware"
        if self.signing_kid != new_kid:
            return "learned"
        others = set(self.public_keys) - {new_kid}
        still_verifies = old_kid in others if old_kid else bool(others)
        return "signing" if still_verifies else "retired"


def thumbprint(public_key: ec.EllipticCurvePublicKey) -> str:
    """RFC 7638 JWK thumbprint, used as the ``kid``."""
    jwk = json.loads(ECAlgorithm.to_jwk(public_key))
    canonical = json.dumps({k: jwk[k] for k in ("crv", "kty", "x", "y")}, separators=(",", ":"))
    from hashlib import sha256

    return base64url_encode(sha256(canonical.encode()).digest()).decode()


def _load_private(pem: str) -> ec.EllipticCurvePrivateKey:
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise ConfigError("APP_TOKEN_SIGNING_KEY is not a readable PEM private key") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise ConfigError("APP_TOKEN_SIGNING_KEY must be an EC P-256 key (ES256)")
    return key


def _load_publics(pem_bundle: str | None) -> list[ec.EllipticCurvePublicKey]:
    keys = []
    marker = "-----END PUBLIC KEY-----"
    for chunk in (pem_bundle or "").split(marker):
        if "BEGIN PUBLIC KEY" not in chunk:
            continue
        try:
            key = serialization.load_pem_public_key((chunk.strip() + "\n" + marker + "\n").encode())
        except ValueError as exc:
            raise ConfigError("APP_TOKEN_VERIFICATION_KEYS holds an unreadable PEM public key") from exc
        if not isinstance(key, ec.EllipticCurvePublicKey):
            raise ConfigError("APP_TOKEN_VERIFICATION_KEYS must hold EC P-256 public keys")
        keys.append(key)
    return keys


def public_pem(private_pem: str) -> str:
    """The public half of a private key PEM, as PEM (an ``APP_TOKEN_VERIFICATION_KEYS`` entry)."""
    return _load_private(private_pem).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def kid_of(private_pem: str) -> str:
    """The ``kid`` tokens signed with this private key carry (its RFC 7638 thumbprint)."""
    return thumbprint(_load_private(private_pem).public_key())


def generate_pem() -> str:
    """Generate a new P-256 private key as PEM (``flask --app wsgi keys generate``)."""
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def _dev_key(app: Flask) -> str:
    return instance_secret(app, "dev-app-token-key.pem", lambda: generate_pem().encode()).decode()


def build_keyring(app: Flask) -> KeyRing:
    """Build the key ring from configuration (generating a dev key outside production)."""
    pem = app.config.get("APP_TOKEN_SIGNING_KEY")
    if not pem:
        if app.config["APP_ENV"] == "production":
            raise ConfigError("APP_TOKEN_SIGNING_KEY is required in production")
        pem = _dev_key(app)
    signing = _load_private(pem)
    publics = {thumbprint(signing.public_key()): signing.public_key()}
    for key in _load_publics(app.config.get("APP_TOKEN_VERIFICATION_KEYS")):
        publics.setdefault(thumbprint(key), key)
    return KeyRing(thumbprint(signing.public_key()), signing, publics)
