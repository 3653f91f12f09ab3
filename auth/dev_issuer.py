"""The development issuer (``AUTH_MODE=dev`` only): Entra-shaped v2 tokens for registered users.

Its RSA key is generated once and kept under ``instance/`` (like the dev app-token key) so every
worker and restart agrees. In dev mode ``auth.init_app`` seeds the one key client with this
issuer's public key, so dev tokens pass through exactly the same validator as Entra tokens
(and the app never fetches its own JWKS over HTTP). Production refuses ``AUTH_MODE=dev``.
"""
from __future__ import annotations

import hashlib
import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, current_app
from jwt.algorithms import RSAAlgorithm
from jwt.utils import base64url_encode

from auth.dev_secrets import instance_secret
from mobile_service.config import DEV_API_AUDIENCE, DEV_CLIENT_ID, DEV_TENANT_ID

__all__ = ["DEV_API_AUDIENCE", "DEV_CLIENT_ID", "DEV_TENANT_ID", "DevIssuer", "build_dev_issuer", "dev_issuer"]
KEY_FILE = "dev-entra-issuer-key.pem"
TOKEN_LIFETIME = 3600
OID_NAMESPACE = uuid.UUID("6f1c3a52-4e0b-4d55-9b7e-5d2f3d7c0a11")


@dataclass(frozen=True)
class DevIssuer:
    """Signs Entra-shaped v2 access tokens with a persisted development key."""

    private_key: rsa.RSAPrivateKey
    kid: str
    tenant_id: str
    audience: str
    client_id: str
    scope: str

    @property
    def issuer(self) -> str:
        """Entra's v2 issuer for the dev tenant."""
        return f"https://login.microsoftonline.com/{self.tenant_id}/v2.0"

    def jwks(self) -> dict:
        """The public key as a JWK Set (seeded into the key client, never served)."""
        jwk = json.loads(RSAAlgorithm.to_jwk(self.private_key.public_key()))
        jwk.update({"kid": self.kid, "use": "sig", "alg": "RS256"})
        return {"keys": [jwk]}

    def object_id_for(self, user) -> str:
        """The user's bound oid in the dev tenant, or a stable one derived from the e-mail."""
        if user.entra_object_id and (user.entra_tenant_id or "").lower() == self.tenant_id.lower():
            return user.entra_object_id
        return str(uuid.uuid5(OID_NAMESPACE, user.email.lower()))

    def token_for(self, user, *, lifetime: int = TOKEN_LIFETIME) -> str:
        """An RS256 token shaped like Entra's v2 access token for this API."""
        # The issuer stands in for Entra, whose clock is the real one (PyJWT checks exp/nbf
        # against time.time()), so this is deliberately not the service's test-movable clock.
        now = int(time.time())
        oid = self.object_id_for(user)
        claims = {
            "iss": self.issuer, "aud": self.audience, "tid": self.tenant_id, "oid": oid,
            "sub": hashlib.sha256(f"{oid}:{self.audience}".encode()).hexdigest()[:43],
            "ver": "2.0", "scp": self.scope, "azp": self.client_id, "azpacr": "0",
            "preferred_username": user.email, "name": user.display_name,
            "iat": now, "nbf": now, "exp": now + lifetime, "uti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers={"kid": self.kid, "typ": "JWT"})


def _load_or_create_key(app: Flask) -> rsa.RSAPrivateKey:
    def make() -> bytes:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption())

    loaded = serialization.load_pem_private_key(instance_secret(app, KEY_FILE, make), password=None)
    if not isinstance(loaded, rsa.RSAPrivateKey):
        raise TypeError(f"{Path(app.instance_path) / KEY_FILE} is not an RSA private key")
    return loaded


def build_dev_issuer(app: Flask) -> DevIssuer:
    """Build the dev issuer for the first configured tenant and API audience."""
    key = _load_or_create_key(app)
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    kid = base64url_encode(hashlib.sha256(der).digest()[:16]).decode()
    cfg = app.config
    clients = cfg["ENTRA_ALLOWED_CLIENT_IDS"]
    return DevIssuer(private_key=key, kid=kid,
                     tenant_id=(cfg["ENTRA_TENANT_IDS"] or [DEV_TENANT_ID])[0].lower(),
                     audience=(cfg["ENTRA_API_AUDIENCES"] or [DEV_API_AUDIENCE])[0],
                     client_id=clients[0] if clients else DEV_CLIENT_ID,
                     scope=cfg["ENTRA_REQUIRED_SCOPE"])


def dev_issuer() -> DevIssuer:
    """The app's dev issuer; raises outside dev mode."""
    issuer = current_app.extensions.get("dev_issuer")
    if issuer is None:
        raise RuntimeError("the development issuer exists only with AUTH_MODE=dev")
    return issuer
