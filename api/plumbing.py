"""Plumbing shared by every student-data route: ETags, cursor pagination, freshness, input fields.

How routes use it (flask-smorest views stay thin)::

    @blp.route("")
    class Things(MethodView):
        @require_auth(roles=FIELD_ROLES)
        @blp.arguments(ThingArgs, location="query")       # ThingArgs subclasses PaginationArgsSchema
        @blp.response(200, ThingPageSchema)               # documents the body; see etag_response
        @blp.alt_response(304, description=NOT_MODIFIED)
        def get(self, args):
            return etag_response(service.list_things(current_principal(), args), ThingPageSchema)

* ``etag_response(payload, schema)`` dumps ``payload`` through the (allow-listed) schema,
  serializes it once, sets a strong ``ETag`` (hash of the exact body bytes) and answers ``304``
  with no body when ``If-None-Match`` matches. The view returns the Response object as is
  (flask-smorest passes Responses through). Services still audit every request, 304 included:
  the record was requested and the client holds it.
* ``paginate(stmt, keys, ...)`` runs a keyset-ordered select and returns a :class:`Page` whose
  ``next_cursor`` is an opaque token, encrypted and authenticated (AES-GCM, key derived from
  ``SECRET_KEY`` with HKDF) and bound to the user and to the query ``scope``; it is ``None``
  on the last page. Decoded, it reveals nothing (the keyset position holds names). A cursor only says *where to resume*: the scoped query is rebuilt
  and authorization rechecked on every page, so a cursor never grants access.
* ``FreshnessSchema`` / ``mobile_service.freshness.freshness()`` stamp every student-data body
  with ``"freshness": {"calpads": ..., "dcfs": ..., "district": ...}``.
* Every body with student data is ``Cache-Control: private, no-store``: ``etag_response`` sets
  it (304s included), ``@no_store`` sets it on the other views (outermost decorator).
"""
from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import hashlib
import json
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Response, current_app, make_response, request
from marshmallow import Schema, ValidationError, fields, post_load, validate
from sqlalchemy import Select, literal, tuple_
from sqlalchemy.sql import ColumnElement

from api.common import Text
from mobile_service import clock, identifiers
from mobile_service.errors import APIError
from mobile_service.extensions import db

PRIVATE_NO_STORE = "private, no-store"
NOT_MODIFIED = "Not modified: the ETag sent in If-None-Match is still current (no body)."
CURSOR_MAX_AGE_SECONDS = 24 * 3600
_CURSOR_INFO = b"lacoe-mobile cursor encryption v2"
_NONCE_BYTES = 12
SSID_ERROR = "Must be a 10-digit SSID."
# models.new_student_key: 16 random bytes, base64url without padding.
STUDENT_KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{22}$")
STUDENT_KEY_EXAMPLE = "q3Vd9fK2LmX0aB7cR1sT4w"
STUDENT_KEY_ERROR = "Must be a student key."


# --- fields -------------------------------------------------------------------------------------

class UTCDateTime(fields.DateTime):
    """A timezone-aware datetime rendered as ISO 8601 UTC with ``Z`` (``2026-10-15T16:00:00Z``)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def ssid_field(**kwargs: Any) -> fields.String:
    """A full 10-digit SSID in a request body."""
    # The Regexp documents the rule in OpenAPI (ECMA syntax); _strict_ssid enforces it exactly
    # (a Python "$" would also accept a trailing newline).
    return Text(strict=True, validate=[validate.Regexp(identifiers.SSID_OPENAPI_PATTERN, error=SSID_ERROR),
                                       _strict_ssid],
                metadata={"description": "Statewide Student Identifier, 10 digits", "example": "4000000001"},
                **kwargs)


def _strict_ssid(value: str) -> None:
    if not identifiers.is_ssid(value):
        raise ValidationError(SSID_ERROR)


def free_text_field(minimum: int, maximum: int, **kwargs: Any) -> fields.String:
    """Multi-line free text (stripped) of ``minimum``..``maximum`` characters (see :class:`Text`)."""
    return Text(multiline=True, trim=True, validate=validate.Length(min=minimum, max=maximum), **kwargs)


def student_key_field(**kwargs: Any) -> fields.String:
    """An opaque student key (from a caseload card or a search result) in a request body."""
    # The Regexp documents the shape in OpenAPI; _strict_key also refuses a trailing newline.
    return Text(strict=True, validate=[validate.Regexp(STUDENT_KEY_PATTERN, error=STUDENT_KEY_ERROR), _strict_key],
                metadata={"description": "Opaque student key, from a caseload card or a search result",
                          "example": STUDENT_KEY_EXAMPLE}, **kwargs)


def _strict_key(value: str) -> None:
    if not valid_student_key(value):
        raise ValidationError(STUDENT_KEY_ERROR)


def valid_student_key(value: str) -> bool:
    """Whether a path segment is a well-formed student key (anything else answers 404, like a miss)."""
    return bool(STUDENT_KEY_PATTERN.fullmatch(value or ""))


def valid_ssid(value: str) -> bool:
    """Whether a path segment is a well-formed SSID (anything else answers 404, like a miss)."""
    return identifiers.is_ssid(value)


# --- freshness ----------------------------------------------------------------------------------

class FreshnessSchema(Schema):
    """When each source was last loaded (UTC), or null if never."""

    calpads = UTCDateTime(allow_none=True, required=True)
    dcfs = UTCDateTime(allow_none=True, required=True)
    district = UTCDateTime(allow_none=True, required=True)


# --- ETag ---------------------------------------------------------------------------------------

def etag_for(body: bytes) -> str:
    """The strong ETag of a serialized body (quoted, as sent in the header)."""
    return '"' + hashlib.sha256(body).hexdigest()[:40] + '"'


@functools.cache
def _schema_instance(schema: type[Schema]) -> Schema:
    # One instance per schema class: dump() keeps no per-call state, and building a schema
    # (deep copies of its declared fields, then of each nested schema) cost more than the dump.
    return schema()


def etag_response(payload: Any, schema: Schema | type[Schema] | None = None, *, status: int = 200,
                  headers: dict[str, str] | None = None) -> Response:
    """Dump ``payload`` through ``schema``, set a strong ETag, answer 304 when If-None-Match matches."""
    if schema is not None:
        instance = _schema_instance(schema) if isinstance(schema, type) else schema
        payload = instance.dump(payload)
    body = (current_app.json.dumps(payload) + "\n").encode()
    tag = etag_for(body)
    # RFC 9110: If-None-Match uses the weak comparison, and "*" matches any current representation.
    if request.method in ("GET", "HEAD") and (request.if_none_match.star_tag
                                              or request.if_none_match.contains_weak(tag.strip('"'))):
        response = current_app.response_class(status=304)
        response.headers.pop("Content-Type", None)
    else:
        response = current_app.response_class(body, status=status, mimetype="application/json")
    response.headers["ETag"] = tag
    # Student data (and the lists around it) must not rest in any shared or browser cache;
    # a 304 carries the same header, so revalidation never turns caching back on.
    response.headers["Cache-Control"] = PRIVATE_NO_STORE
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def no_store(view: Callable) -> Callable:
    """Decorate a view whose body carries student data (search, caseload add): ``private, no-store``."""
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        response = make_response(view(*args, **kwargs))
        response.headers["Cache-Control"] = PRIVATE_NO_STORE
        return response
    return wrapper


# --- cursor pagination --------------------------------------------------------------------------

class PaginationArgsSchema(Schema):
    """``limit`` and ``cursor`` query arguments; subclasses set LIMIT_DEFAULT / LIMIT_MAX."""

    LIMIT_DEFAULT = 25
    LIMIT_MAX = 100

    limit = fields.Integer(load_default=None, validate=validate.Range(min=1),
                           metadata={"description": "Page size; values above the cap are clamped to it."})
    cursor = Text(strict=True, load_default=None, validate=validate.Length(min=1, max=1024),
                           metadata={"description": "Opaque `next_cursor` from the previous page."})

    @post_load
    def _apply_caps(self, data: dict, **_: Any) -> dict:
        limit = data.get("limit")
        data["limit"] = self.LIMIT_DEFAULT if limit is None else min(limit, self.LIMIT_MAX)
        return data


@dataclass
class Page:
    """One page of rows and the cursor of the next page (None on the last page)."""

    rows: list
    next_cursor: str | None


def _cursor_cipher() -> AESGCM:
    cipher = current_app.extensions.get("cursor_cipher")
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
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_CURSOR_INFO).derive(material)
        cipher = AESGCM(key)
        current_app.extensions["cursor_cipher"] = cipher
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


def paginate(stmt: Select, keys: Sequence[ColumnElement], *, limit: int, cursor: str | None, scope: str,
             user_id: int | None, descending: bool = False) -> Page:
    """Run ``stmt`` ordered by the unique, non-null ``keys`` and return one page after ``cursor``.

    ``scope`` names the query (route plus every filter value) so a cursor cannot be replayed on
    another query. The keys are selected as extra trailing columns ``_page_k0..``; callers read
    their own columns by position or name.
    """
    if cursor:
        after = decode_cursor(cursor, scope=scope, user_id=user_id, width=len(keys))
        position = tuple_(*[literal(value, type_=key.type) for key, value in zip(keys, after)])
        stmt = stmt.where(tuple_(*keys) < position if descending else tuple_(*keys) > position)
    labelled = [key.label(f"_page_k{i}") for i, key in enumerate(keys)]
    stmt = stmt.add_columns(*labelled).order_by(*[k.desc() if descending else k.asc() for k in keys])
    rows = db.session.execute(stmt.limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        next_cursor = encode_cursor([last._mapping[f"_page_k{i}"] for i in range(len(keys))],
                                    scope=scope, user_id=user_id)
    return Page(rows=rows, next_cursor=next_cursor)

