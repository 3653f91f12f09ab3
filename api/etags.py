"""ETags and ``Cache-Control`` for student-data responses.

* ``etag_response(payload, schema)`` dumps ``payload`` through the (allow-listed) schema,
  serializes it once, sets a strong ``ETag`` (hash of the exact body bytes) and answers ``304``
  with no body when ``If-None-Match`` matches. The view returns the Response object as is
  (flask-smorest passes Responses through). Services still audit every request, 304 included:
  the record was requested and the client holds it.
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
from collections.abc import Callable
from typing import Any

from flask import Response, current_app, make_response, request
from marshmallow import Schema

from api.fast_dump import compiled

PRIVATE_NO_STORE = "private, no-store"
NOT_MODIFIED = "Not modified: the ETag sent in If-None-Match is still current (no body)."


def etag_for(body: bytes) -> str:
    """The strong ETag of a serialized body (quoted, as sent in the header)."""
    return '"' + hashlib.sha256(body).hexdigest()[:40] + '"'


def etag_response(payload: Any, schema: Schema | type[Schema] | None = None, *, status: int = 200,
                  headers: dict[str, str] | None = None) -> Response:
    """Dump ``payload`` through ``schema``, set a strong ETag, answer 304 when If-None-Match matches."""
    if schema is not None:
        # A schema class: its precompiled dump (the same output as marshmallow's, api.fast_dump).
        payload = compiled(schema)(payload) if isinstance(schema, type) else schema.dump(payload)
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
