"""Keyset pagination with opaque cursors, shared by every list.

``paginate(stmt, keys, ...)`` runs a keyset-ordered select and returns a :class:`Page` whose
``next_cursor`` is an opaque token, encrypted and authenticated (AES-GCM, key derived from
``SECRET_KEY`` with HKDF) and bound to the user and to the query ``scope``; it is ``None``
on the last page. Decoded, it reveals nothing (the keyset position holds names). A cursor only
says *where to resume*: the scoped query is rebuilt and authorization rechecked on every page,
so a cursor never grants access.
"""
from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import Integer, Select, bindparam, tuple_
from sqlalchemy.sql import ColumnElement

from mobile_service import clock
from mobile_service.errors import APIError
from mobile_service.extensions import db

CURSOR_MAX_AGE_SECONDS = 24 * 3600
_CURSOR_INFO = b"lacoe-mobile cursor encryption v2"
_NONCE_BYTES = 12


@dataclass
class Page:
    """One page of rows and the cursor of the next page (None on the last page)."""

    rows: list
    next_cursor: str | None


def _cursor_cipher() -> AESGCM:
    return derived_cipher(_CURSOR_INFO, "cursor_cipher")


def derived_cipher(info: bytes, slot: str) -> AESGCM:
    """An AES-GCM cipher whose key HKDF derives from ``SECRET_KEY`` for the purpose ``info`` (cached in ``slot``)."""
    cipher = current_app.extensions.get(slot)
    if cipher is None:
        secret = current_app.config.get("SECRET_KEY")
        if not secret:
            # Development/testing may run without SECRET_KEY: derive a stable secret from the
            # app-token signing key, which every worker shares.
            from cryptography.hazmat.primitives import serialization

            ring = current_app.extensions["app_token_keyring"]
            raw = ring.signing_key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                                 serialization.NoEncryption())
            secret = hashlib.sha256(b"lacoe-mobile cursor key\x00" + raw).hexdigest()
        material = secret.encode() if isinstance(secret, str) else bytes(secret)
        # A key of its own for cursors (HKDF, RFC 5869): the SECRET_KEY itself never encrypts data.
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(material)
        cipher = AESGCM(key)
        current_app.extensions[slot] = cipher
    return cipher


def _cursor_aad(scope: str, user_id: int | None) -> bytes:
    # Authenticated, not encrypted: a cursor opens only for the same user and the same query.
    return f"{user_id}\x00{_scope_hash(scope)}".encode()


def _scope_hash(scope: str) -> str:
    return hashlib.sha256(scope.encode()).hexdigest()[:16]


def _encode_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"t": "dt", "v": value.isoformat()}
    if isinstance(value, dt.date):
        return {"t": "d", "v": value.isoformat()}
    if isinstance(value, Decimal):
        return {"t": "n", "v": str(value)}
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict):
        kind, raw = value.get("t"), value.get("v")
        if not isinstance(raw, str):
            raise TypeError("bad cursor value")
        if kind == "dt":
            return dt.datetime.fromisoformat(raw)
        if kind == "d":
            return dt.date.fromisoformat(raw)
        if kind == "n":
            return Decimal(raw)
        raise ValueError("bad cursor value")
    if value is None or isinstance(value, (bool, int, str)):
        return value
    raise ValueError("bad cursor value")


def bad_cursor() -> APIError:
    """The 422 for a cursor that is malformed, expired, forged or from another user or query."""
    return APIError(422, "One or more fields are invalid; see errors.",
                    errors={"query": {"cursor": ["Invalid or expired cursor; start again without one."]}})


def encode_cursor(keys: Sequence[Any], *, scope: str, user_id: int | None) -> str:
    """Encrypt the keyset position ``keys`` for ``user_id`` and query ``scope`` (AES-GCM).

    The position holds names (the caseload is ordered by last and first name), so a cursor is
    ciphertext: decoded, it reveals nothing but its length.
    """
    plain = json.dumps({"t": int(clock.utcnow().timestamp()), "k": [_encode_value(k) for k in keys]},
                       separators=(",", ":")).encode()
    nonce = os.urandom(_NONCE_BYTES)
    sealed = _cursor_cipher().encrypt(nonce, plain, _cursor_aad(scope, user_id))
    return base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode()


def decode_cursor(cursor: str, *, scope: str, user_id: int | None, width: int) -> list[Any]:
    """Decrypt and verify a cursor and return its keyset position; raise 422 if it is not ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        if len(raw) <= _NONCE_BYTES + 16:
            raise ValueError("cursor too short")
        plain = _cursor_cipher().decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], _cursor_aad(scope, user_id))
        data = json.loads(plain)
        if (not isinstance(data, dict) or not isinstance(data.get("t"), int)
                or not isinstance(data.get("k"), list) or len(data["k"]) != width):
            raise ValueError("malformed cursor")
        age = clock.utcnow().timestamp() - data["t"]
        if not -60 <= age <= CURSOR_MAX_AGE_SECONDS:
            raise ValueError("expired cursor")
        return [_decode_value(v) for v in data["k"]]
    except (InvalidTag, binascii.Error, ValueError, TypeError, UnicodeError) as exc:
        raise bad_cursor() from exc


class KeysetQuery:
    """A keyset-ordered select, built once with its page position and limit as bind parameters.

    ``keys`` are unique and non-null; they are selected as extra trailing columns ``_page_k0..``
    (callers read their own columns by position or name). A list whose statement does not depend
    on the request keeps one instance and pays for building it once (issue 14, the caseload).
    """

    def __init__(self, stmt: Select, keys: Sequence[ColumnElement], *, descending: bool = False):
        self.width = len(keys)
        self._stmt, self._keys, self._descending = stmt, list(keys), descending
        self._built: dict[bool, Select] = {}

    def statement(self, *, after: bool) -> Select:
        """The first page's statement, or (``after``) a later page's: the rows after ``_page_after0..``."""
        # Built on first use, without a lock: two threads building at once build the same thing.
        stmt = self._built.get(after)
        if stmt is None:
            stmt = self._built[after] = self._build(after)
        return stmt

    def _build(self, after: bool) -> Select:
        keys, stmt = self._keys, self._stmt
        if after:
            position = tuple_(*[bindparam(f"_page_after{i}", type_=key.type) for i, key in enumerate(keys)])
            stmt = stmt.where(tuple_(*keys) < position if self._descending else tuple_(*keys) > position)
        labelled = [key.label(f"_page_k{i}") for i, key in enumerate(keys)]
        return (stmt.add_columns(*labelled).order_by(*[k.desc() if self._descending else k.asc() for k in keys])
                .limit(bindparam("_page_limit", type_=Integer)))

    def page(self, *, limit: int, cursor: str | None, scope: str, user_id: int | None,
             params: dict[str, Any] | None = None) -> Page:
        """One page after ``cursor`` (see :func:`paginate`); ``params``: the statement's own parameters."""
        values = {**(params or {}), "_page_limit": limit + 1}
        if cursor:
            after = decode_cursor(cursor, scope=scope, user_id=user_id, width=self.width)
            values.update({f"_page_after{i}": value for i, value in enumerate(after)})
        stmt = self.statement(after=bool(cursor))
        rows = db.session.execute(stmt, values).all()
        more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = None
        if more and rows:
            last = rows[-1]
            next_cursor = encode_cursor([last._mapping[f"_page_k{i}"] for i in range(self.width)],
                                        scope=scope, user_id=user_id)
        return Page(rows=rows, next_cursor=next_cursor)


def paginate(stmt: Select, keys: Sequence[ColumnElement], *, limit: int, cursor: str | None, scope: str,
             user_id: int | None, descending: bool = False, params: dict[str, Any] | None = None) -> Page:
    """Run ``stmt`` ordered by the unique, non-null ``keys`` and return one page after ``cursor``.

    ``scope`` names the query (route plus every filter value) so a cursor cannot be replayed on
    another query. The keys are selected as extra trailing columns ``_page_k0..``; callers read
    their own columns by position or name. ``params``: values of bind parameters ``stmt`` declares.
    """
    return KeysetQuery(stmt, keys, descending=descending).page(limit=limit, cursor=cursor, scope=scope,
                                                               user_id=user_id, params=params)
