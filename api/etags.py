"""ETags and ``Cache-Control`` for student-data responses.

* ``etag_response(payload, schema)`` dumps ``payload`` through the (allow-listed) schema,
  serializes it once, sets a strong ``ETag`` (hash of the exact body bytes) and answers ``304``
  with no body when ``If-None-Match`` matches. The view returns the Response object as is
  (flask-smorest passes Responses through). Services still audit every request, 304 included:
  the record was requested and the client holds it.
* A service may answer ``Versioned(stamp, build)`` instead of a payload (the record tabs on
  PostgreSQL, ``api.students.one_trip``): the ETag is the hash of the stamp (everything the body
  is made of: row ids and versions, date, freshness) with the running code's ``release()`` and
  the app's JSON settings, so a matching ``If-None-Match`` is a 304 without building,
  dumping or serializing the body; ``build()`` runs for a 200 only.
* Every body with student data is ``Cache-Control: private, no-store``: ``etag_response`` sets
  it (304s included), ``@no_store`` sets it on the other views (outermost decorator).

How routes use it (flask-smorest views stay thin)::

    @blp.route("")
    class Things(MethodView):
        @require_auth(roles=FIELD_ROLES)
        @blp.arguments(ThingArgs, location="query")       # ThingArgs subclasses PaginationArgsSchema
        @blp.response(200, ThingPageSchema)               # documents the body; see etag_response
        @blp.alt_response(304, description=NOT_MODIFIED)
        def get(self, args):
            return etag_response(service.list_things(current_principal(), args), ThingPageSchema)
"""
from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, make_response, request
from marshmallow import Schema

from api.fast_dump import compiled

PRIVATE_NO_STORE = "private, no-store"
NOT_MODIFIED = "Not modified: the ETag sent in If-None-Match is still current (no body)."


def etag_for(body: bytes) -> str:
    """The strong ETag of a serialized body (quoted, as sent in the header)."""
    return '"' + hashlib.sha256(body).hexdigest()[:40] + '"'


class Versioned:
    """A body not built yet and its version stamp: equal stamps (same code) build byte-identical bodies."""

    __slots__ = ("stamp", "build")

    def __init__(self, stamp: tuple, build: Callable[[], Any]) -> None:
        self.stamp, self.build = stamp, build


# Libraries whose behaviour can change a body's bytes (rendering, row values, dumping).
_RENDERING_DISTRIBUTIONS = ("flask", "marshmallow", "sqlalchemy", "psycopg")


@functools.cache
def release() -> str:
    """The running code's identity: the project's modules and the rendering libraries' versions.

    A deploy that changes how any body is shaped or rendered changes it, so a version stamp
    never reuses a tag across such a deploy. Read once per process (about 1 MB of source).
    """
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(sys.version.encode())
    for name in _RENDERING_DISTRIBUTIONS:
        try:
            digest.update(f"{name}={importlib.metadata.version(name)};".encode())
        except importlib.metadata.PackageNotFoundError:
            digest.update(f"{name}=-;".encode())
    for package in ("api", "auth", "mobile_service"):
        for path in sorted((root / package).rglob("*.py")):
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def stamp_tag(stamp: tuple, schema: Schema | type[Schema] | None, app: Flask | None = None) -> str:
    """The strong ETag of a versioned body: its stamp, the schema, the code and the JSON settings."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    provider = app.json
    # How the app writes JSON changes the bytes (key order, escaping, indentation in debug).
    rendering = (type(provider).__qualname__, getattr(provider, "sort_keys", None), getattr(provider, "ensure_ascii", None),
                 getattr(provider, "compact", None), app.debug)
    name = schema.__qualname__ if isinstance(schema, type) else type(schema).__qualname__
    key = repr((release(), rendering, name, stamp)).encode()
    return '"' + hashlib.sha256(key).hexdigest()[:40] + '"'


def _matches(tag: str) -> bool:
    # RFC 9110: If-None-Match uses the weak comparison, and "*" matches any current representation.
    return request.method in ("GET", "HEAD") and (request.if_none_match.star_tag
                                                  or request.if_none_match.contains_weak(tag.strip('"')))


def _dump(app: Flask, payload: Any, schema: Schema | type[Schema] | None) -> bytes:
    if schema is not None:
        # A schema class: its precompiled dump (the same output as marshmallow's, api.fast_dump).
        payload = compiled(schema)(payload) if isinstance(schema, type) else schema.dump(payload)
    return (app.json.dumps(payload) + "\n").encode()


def etag_response(payload: Any, schema: Schema | type[Schema] | None = None, *, status: int = 200,
                  headers: dict[str, str] | None = None) -> Response:
    """Dump ``payload`` through ``schema``, set a strong ETag, answer 304 when If-None-Match matches.

    A ``Versioned`` payload is tagged by its stamp and built only when the answer is a 200.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if isinstance(payload, Versioned):
        tag = stamp_tag(payload.stamp, schema, app)
        body = None if _matches(tag) else _dump(app, payload.build(), schema)
    else:
        body = _dump(app, payload, schema)
        tag = etag_for(body)
        body = None if _matches(tag) else body
    if body is None:
        response = app.response_class(status=304)
        response.headers.pop("Content-Type", None)
    else:
        response = app.response_class(body, status=status, mimetype="application/json")
    response.headers["ETag"] = tag
    # Student data (and the lists around it) must not rest in any shared or browser cache;
    # a 304 carries the same header, so revalidation never turns caching back on.
    response.headers["Cache-Control"] = PRIVATE_NO_STORE
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def json_response(payload: Any, schema: type[Schema], *, status: int = 200) -> Response:
    """``payload`` dumped by ``schema``'s precompiled dump, as a JSON response (no ETag)."""
    body = (current_app.json.dumps(compiled(schema)(payload)) + "\n").encode()
    return current_app.response_class(body, status=status, mimetype="application/json")


def no_store(view: Callable) -> Callable:
    """Decorate a view whose body carries student data (search, caseload add): ``private, no-store``."""
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        response = make_response(view(*args, **kwargs))
        response.headers["Cache-Control"] = PRIVATE_NO_STORE
        return response
    return wrapper
