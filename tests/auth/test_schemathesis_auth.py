"""Schemathesis over ``POST /auth/token`` and ``POST /auth/revoke`` (in-process): no server errors.

The OAuth endpoints are plain Flask routes (RFC 8693 / RFC 6749 / RFC 7009 form bodies, OAuth
error shape), so when the app's OpenAPI document does not describe them this test fuzzes them
from the minimal contract below; when it does, the app's own document is used. Positive and
negative cases both run: grant types, token types and tokens are generated (NUL bytes, huge
strings, non-ASCII, missing fields), with a real signed-in user's refresh token in the examples
so the 200 path is reached too. Every answer must be < 500, an OAuth error document on 4xx,
and ``Cache-Control: no-store``.
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, status_code_conformance

from tests.auth.support import ACCESS_TYPE, EXCHANGE, exchange, register

FORM = "application/x-www-form-urlencoded"
OAUTH_ERROR = {"type": "object", "required": ["error"],
               "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}}}


def _errors(*statuses: int) -> dict:
    return {str(s): {"description": "OAuth error", "content": {"application/json": {"schema": OAUTH_ERROR}}}
            for s in statuses}


def contract(refresh_token: str, subject_token: str) -> dict:
    """The two operations as the mobile guide describes them (docs/mobile-integration.md)."""
    token_body = {
        "type": "object", "required": ["grant_type"],
        "properties": {
            "grant_type": {"type": "string", "enum": [EXCHANGE, "refresh_token", "password"]},
            "subject_token": {"type": "string", "example": subject_token},
            "subject_token_type": {"type": "string", "enum": [ACCESS_TYPE, "urn:ietf:params:oauth:token-type:jwt"]},
            "refresh_token": {"type": "string", "example": refresh_token},
            "requested_token_type": {"type": "string"}, "scope": {"type": "string"},
            "audience": {"type": "string"}, "resource": {"type": "string"}, "actor_token": {"type": "string"},
        },
    }
    revoke_body = {"type": "object", "required": ["token"], "properties": {
        "token": {"type": "string", "example": refresh_token},
        "token_type_hint": {"type": "string", "enum": ["refresh_token", "access_token"]}}}
    ok_token = {"description": "Tokens", "content": {"application/json": {"schema": {"type": "object"}}}}
    return {
        "openapi": "3.0.3", "info": {"title": "auth", "version": "1"},
        "paths": {
            "/auth/token": {"post": {
                "requestBody": {"required": True, "content": {FORM: {"schema": token_body}}},
                "responses": {"200": ok_token, **_errors(400, 401, 405, 413, 415, 429, 503)}}},
            "/auth/revoke": {"post": {
                "requestBody": {"required": True, "content": {FORM: {"schema": revoke_body}}},
                "responses": {"200": {"description": "Revoked (or unknown)"}, **_errors(400, 405, 413, 415, 429, 503)}}},
        },
    }


def _schema(application, refresh_token: str, subject_token: str):
    documented = application.test_client().get("/openapi.json").get_json() or {}
    if {"/auth/token", "/auth/revoke"} <= set(documented.get("paths", {})):
        loaded = schemathesis.openapi.from_wsgi("/openapi.json", application).include(path_regex=r"^/auth/")
    else:
        loaded = schemathesis.openapi.from_dict(contract(refresh_token, subject_token))
        loaded.app = application
    return [result.ok() for result in loaded.get_all_operations()]


def _fuzz(operation, mode, statuses: set[int]) -> None:
    """Run one operation's generated cases: < 500, documented status, OAuth errors, no-store."""
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=60, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def run(case):
        response = case.call_and_validate(checks=[not_a_server_error, status_code_conformance])
        statuses.add(response.status_code)
        assert response.headers.get("cache-control") == ["no-store"], response.headers
        if 400 <= response.status_code < 500:
            assert isinstance(response.json().get("error"), str)

    run()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
def test_auth_endpoints_never_answer_a_server_error(entra_app, eclient, idp, mode):
    user = register(entra_app)
    subject = idp.token_for(user)
    signed_in = exchange(eclient, subject).get_json()
    operations = _schema(entra_app, signed_in["refresh_token"], subject)
    assert {op.label for op in operations} == {"POST /auth/token", "POST /auth/revoke"}
    seen: dict[str, set[int]] = {}
    for operation in operations:
        _fuzz(operation, mode, seen.setdefault(operation.label, set()))
    assert not any(s >= 500 for statuses in seen.values() for s in statuses), seen
    if mode is GenerationMode.POSITIVE:
        assert 200 in seen["POST /auth/revoke"] and 400 in seen["POST /auth/token"], seen
