"""Helpers of the sign-in tests: the loopback identity provider, token minting, request helpers."""
from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from werkzeug.wrappers import Request, Response

from mobile_service.extensions import db

TENANT = "11111111-1111-1111-1111-111111111111"
OTHER_TENANT = "33333333-3333-3333-3333-333333333333"
API_AUDIENCE = "22222222-2222-2222-2222-222222222222"
MOBILE_CLIENT = "44444444-4444-4444-4444-444444444444"
GRAPH_AUDIENCE = "00000003-0000-0000-c000-000000000000"
ISSUER = f"https://login.microsoftonline.com/{TENANT}/v2.0"
EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TYPE = "urn:ietf:params:oauth:token-type:access_token"


def b64(data: bytes | str) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


_KEY_POOL: list[rsa.RSAPrivateKey] = []


def _pooled_key(index: int) -> rsa.RSAPrivateKey:
    """RSA keys generated once per run (generation is slow); each provider gets distinct ones."""
    while len(_KEY_POOL) <= index:
        _KEY_POOL.append(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    return _KEY_POOL[index]


class IdP:
    """The loopback identity provider: keys by kid, which of them the JWKS serves, hit counters."""

    def __init__(self, server):
        self.server = server
        self.keys: dict[str, rsa.RSAPrivateKey] = {}
        self.published: list[str] = []
        self.issuer = ISSUER
        self.down = False
        self.hits = {"metadata": 0, "jwks": 0}

    @property
    def metadata_url(self) -> str:
        return self.server.url_for(f"/{TENANT}/v2.0/.well-known/openid-configuration")

    def new_key(self, kid: str | None = None, *, publish: bool = True) -> str:
        kid = kid or uuid.uuid4().hex[:16]
        self.keys[kid] = _pooled_key(len(self.keys))
        if publish:
            self.published.append(kid)
        return kid

    def jwks(self) -> dict[str, Any]:
        keys = []
        for kid in self.published:
            jwk = json.loads(RSAAlgorithm.to_jwk(self.keys[kid].public_key()))
            jwk.update({"kid": kid, "use": "sig", "kty": "RSA"})
            keys.append(jwk)
        return {"keys": keys}

    def _metadata(self, request: Request) -> Response:
        self.hits["metadata"] += 1
        if self.down:
            return Response("down", status=503)
        body = {"issuer": self.issuer, "jwks_uri": self.server.url_for(f"/{TENANT}/discovery/v2.0/keys"),
                "token_endpoint": self.server.url_for("/token"), "id_token_signing_alg_values_supported": ["RS256"]}
        return Response(json.dumps(body), content_type="application/json")

    def _jwks(self, request: Request) -> Response:
        self.hits["jwks"] += 1
        if self.down:
            return Response("down", status=503)
        return Response(json.dumps(self.jwks()), content_type="application/json")

    def install(self) -> None:
        self.server.expect_request(f"/{TENANT}/v2.0/.well-known/openid-configuration").respond_with_handler(self._metadata)
        self.server.expect_request(f"/{TENANT}/discovery/v2.0/keys").respond_with_handler(self._jwks)

    def claims(self, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())  # PyJWT checks exp/nbf/iat against the real clock
        claims = {"iss": self.issuer.replace("{tenantid}", TENANT), "aud": API_AUDIENCE, "tid": TENANT,
                  "oid": str(uuid.uuid4()), "sub": uuid.uuid4().hex, "ver": "2.0", "scp": "access_as_user",
                  "azp": MOBILE_CLIENT, "preferred_username": "someone@dcfs.lacounty.gov",
                  "iat": now - 5, "nbf": now - 5, "exp": now + 3600}
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not DROP}

    def token(self, *, kid: str | None = None, headers: dict[str, Any] | None = None, **claims: Any) -> str:
        kid = kid or self.published[0]
        head = {"kid": kid}
        head.update(headers or {})
        head = {k: v for k, v in head.items() if v is not DROP}
        return self.sign_raw({"alg": "RS256", "typ": "JWT", **head}, self.claims(**claims), kid)

    def sign_raw(self, header: dict[str, Any], payload: dict[str, Any] | str, kid: str | None = None) -> str:
        """RS256-sign any header/payload, bypassing PyJWT's own checks (hostile-input tests)."""
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        body = payload if isinstance(payload, str) else json.dumps(payload)
        signing_input = f"{b64(json.dumps(header))}.{b64(body)}"
        key = self.keys[kid if isinstance(kid, str) and kid in self.keys else self.published[0]]
        return f"{signing_input}.{b64(key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256()))}"

    def token_for(self, user, **claims: Any) -> str:
        values = {"tid": user.entra_tenant_id or TENANT, "oid": user.entra_object_id or str(uuid.uuid4()),
                  "preferred_username": user.email}
        values.update(claims)
        return self.token(**values)


DROP = object()


def exchange(client, token: str, **extra: str):
    data = {"grant_type": EXCHANGE, "subject_token": token, "subject_token_type": ACCESS_TYPE}
    data.update(extra)
    return client.post("/auth/token", data=data)


def refresh(client, token: str):
    return client.post("/auth/token", data={"grant_type": "refresh_token", "refresh_token": token})


def register(application, role: str = "csw", *, bound: bool = True, **overrides):
    """Create and commit a registered user (bound to the test tenant unless told otherwise)."""
    from tests.factories import make_user

    with application.app_context():
        if bound:
            overrides.setdefault("entra_tenant_id", TENANT)
            overrides.setdefault("entra_object_id", str(uuid.uuid4()))
        user = make_user(role, **overrides)
        db.session.commit()
        db.session.refresh(user)
        db.session.expunge(user)
        return user
