"""Completes the OpenAPI document flask-smorest builds from the route decorators.

Every error response gets its body schema (problem+json), every response its headers
(``X-Request-ID`` always, ``Cache-Control``, ``Retry-After`` on 429/503, ``ETag`` where a 304 is
possible), and every schema and every request/response body an example: the field examples
the schemas declare, filled in from each field's type, format, enum and bounds
(tests/api/test_openapi_document.py validates each example against its schema).
The routes that are plain Flask views (OAuth, JWKS, probes, the HTML dashboard) are
described in :mod:`api.plain_routes_doc`.
"""
from __future__ import annotations

import copy
import http
from typing import Any

from apispec import BasePlugin

from mobile_service.errors import PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE, TITLES

REQUEST_ID_EXAMPLE = "4831f0578d284e0e9dce930dca4f6de0"
HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-ID": {"description": "This request's id (the client's, when well formed); quote it to support.",
                     "required": True, "schema": {"type": "string", "example": REQUEST_ID_EXAMPLE}},
    "Cache-Control": {"description": "`private, no-store` on student data, `no-store` on other API answers.",
                      "schema": {"type": "string", "example": "private, no-store"}},
    "Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer", "example": 5}},
    "ETag": {"description": "Strong validator of this body; send it back in If-None-Match for a 304.",
             "schema": {"type": "string", "example": '"3f2a9c0d41b7e6a8"'}},
}
# String patterns in the document, with a value that matches each (JSON Schema cannot invent one).
PATTERN_EXAMPLES = {
    "^[A-Za-z0-9_-]{22}$": "q3Vd9fK2LmX0aB7cR1sT4w",
    "^[0-9]{10}$": "4000000001",
    "^[0-9]{4,10}$": "40000012",
    "^[A-Za-z0-9._-]{8,64}$": REQUEST_ID_EXAMPLE,
}
# Realistic (fictional) values for common property names, used where a field declares no example.
NAME_EXAMPLES = {"ssid": "4000000001", "first_name": "Maria", "last_name": "Garcia", "legal_first_name": "Maria",
                 "legal_last_name": "Garcia", "preferred_first_name": "Mari", "display_name": "Dana Reyes",
                 "email": "csw.demo@dcfs.lacounty.gov", "grade": "07", "grade_level": "07", "name": "Garfield High School",
                 "school_name": "Garfield High School", "district_name": "Los Angeles Unified",
                 "cds_code": "19647331933043", "office": "Pomona", "pilot_cohort": "Pomona pilot",
                 "academic_year": "2026-27", "term": "Fall", "reason": "Court-ordered placement change on 2026-09-01",
                 "comment": "Quicker than calling the school.", "title": "Pilot check-in",
                 "description": "The attendance tab showed no data for one student.", "dcfs_employee_id": "E123456",
                 "app_version": "1.4.2", "platform": "ios", "body": "Thursday 10:00 in Pomona.", "note": "Seen."}
FORMAT_EXAMPLES = {"date": "2026-09-02", "date-time": "2026-09-02T15:04:05Z", "email": "csw.demo@dcfs.lacounty.gov",
                   "uuid": "5b0e7c1e-3a0f-4c39-9a52-2d1b6f0e9a17", "uri": "https://mobile.eps.lacoe.edu/docs",
                   "url": "https://mobile.eps.lacoe.edu/docs", "binary": "..."}


def problem_example(status: int | str) -> dict[str, Any]:
    """The problem+json body the service sends for ``status``."""
    code = int(status) if str(status).isdigit() else 500
    slug, title = TITLES.get(code, ("error", "Error"))
    return {"type": PROBLEM_TYPE_BASE + slug, "title": title, "status": code, "detail": title,
            "request_id": REQUEST_ID_EXAMPLE}


def problem_content(status: int | str) -> dict[str, Any]:
    """The content of an error response: the Problem schema with the status's example."""
    return {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"},
                                   "example": problem_example(status)}}


def response_headers(status: str, siblings: set[str]) -> dict[str, Any]:
    """The headers a response with ``status`` carries (``siblings``: the operation's statuses)."""
    headers = {"X-Request-ID": HEADERS["X-Request-ID"], "Cache-Control": HEADERS["Cache-Control"]}
    if status in ("429", "503"):
        headers["Retry-After"] = HEADERS["Retry-After"]
    if status in ("200", "304") and "304" in siblings:
        headers["ETag"] = HEADERS["ETag"]
    return headers


class ExampleBuilder:
    """Builds an example value of a JSON Schema, following ``$ref`` into the document's schemas."""

    def __init__(self, schemas: dict[str, dict]):
        self.schemas = schemas

    def of(self, schema: dict[str, Any], depth: int = 0) -> Any:
        """An example of ``schema``: its own example if any, otherwise one built from its keywords."""
        if "$ref" in schema:
            target = self.schemas.get(schema["$ref"].rsplit("/", 1)[-1], {})
            return copy.deepcopy(target["examples"][0]) if target.get("examples") else self.of(target, depth + 1)
        for key in ("example", "const"):
            if key in schema:
                return copy.deepcopy(schema[key])
        if schema.get("examples"):
            return copy.deepcopy(schema["examples"][0])
        if schema.get("default") is not None:
            return copy.deepcopy(schema["default"])
        if schema.get("enum"):
            return next((value for value in schema["enum"] if value is not None), None)
        for key in ("allOf", "anyOf", "oneOf"):
            if schema.get(key):
                return self.of(schema[key][0], depth + 1)
        kind = schema.get("type", "object" if "properties" in schema else "string")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        return getattr(self, "_" + kind, lambda s, d: None)(schema, depth)

    def _object(self, schema: dict, depth: int) -> dict:
        if depth > 8:  # a self-referencing schema stops here
            return {}
        props = schema.get("properties", {})
        return {name: self._property(name, sub, depth + 1) for name, sub in props.items() if not sub.get("writeOnly")}

    def _property(self, name: str, schema: dict, depth: int) -> Any:
        value = self.of(schema, depth)
        hint = NAME_EXAMPLES.get(name)
        if value == "example" and hint and len(hint) <= schema.get("maxLength", len(hint)):
            return hint
        return value

    def _array(self, schema: dict, depth: int) -> list:
        item = self.of(schema.get("items", {}), depth + 1)
        return [item] * max(1, schema.get("minItems", 1)) if depth <= 8 else []

    def _string(self, schema: dict, _depth: int) -> str:
        if schema.get("pattern") in PATTERN_EXAMPLES:
            return PATTERN_EXAMPLES[schema["pattern"]]
        value = FORMAT_EXAMPLES.get(schema.get("format", ""), "example")
        low, high = schema.get("minLength", 0), schema.get("maxLength", len(value))
        return (value * (low // max(1, len(value)) + 1))[:max(low, min(len(value), high))]

    def _integer(self, schema: dict, _depth: int) -> int:
        value = max(int(schema.get("minimum", 1)), 1)
        return min(value, int(schema.get("maximum", value)))

    def _number(self, schema: dict, depth: int) -> float:
        return float(self._integer(schema, depth))

    def _boolean(self, _schema: dict, _depth: int) -> bool:
        return True

    def _null(self, _schema: dict, _depth: int) -> None:
        return None


class CompletionPlugin(BasePlugin):
    """apispec plugin: examples on component schemas; error bodies, headers and examples on operations."""

    def init_spec(self, spec) -> None:
        """Keep the spec: examples follow references into its registered schemas."""
        self.spec = spec

    def _builder(self) -> ExampleBuilder:
        return ExampleBuilder(self.spec.components.schemas)

    def schema_helper(self, name, definition, **kwargs):
        """Give a component schema an example unless it declares one (runs after MarshmallowPlugin)."""
        if definition.get("examples") or "example" in definition:
            return None
        return {"examples": [self._builder().of(definition)]}

    def operation_helper(self, path=None, operations=None, **kwargs) -> None:
        """Complete each operation's responses and request body."""
        builder = self._builder()
        for operation in (operations or {}).values():
            responses = operation.get("responses", {})
            statuses = {str(status) for status in responses}
            for code, response in responses.items():
                status = str(code)
                if not isinstance(response, dict) or "$ref" in response:
                    continue
                if (status == "default" or status[0] in "45") and not response.get("content"):
                    response["content"] = problem_content(status)
                response.setdefault("headers", {}).update(
                    {k: v for k, v in response_headers(status, statuses).items() if k not in response["headers"]})
                _add_examples(response.get("content", {}), builder)
            _add_examples(operation.get("requestBody", {}).get("content", {}), builder)


def _add_examples(content: dict[str, Any], builder: ExampleBuilder) -> None:
    for media in content.values():
        if "schema" in media and "example" not in media and "examples" not in media:
            media["example"] = builder.of(media["schema"])


def shared_error_response(status: http.HTTPStatus | str, description: str) -> dict[str, Any]:
    """A shared component response (``UNAUTHORIZED``, ``DEFAULT_ERROR``...): problem body and headers."""
    code = str(int(status)) if isinstance(status, http.HTTPStatus) else status
    response: dict[str, Any] = {"description": description, "headers": response_headers(code, set())}
    if not isinstance(status, http.HTTPStatus) or not (100 <= status < 200 or status in (204, 304)):
        response["content"] = problem_content(code)
    return response
