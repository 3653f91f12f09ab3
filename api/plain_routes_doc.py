"""OpenAPI entries for the routes that are plain Flask views, not flask-smorest resources.

``/auth/token`` and ``/auth/revoke`` take form bodies (RFC 8693, RFC 6749, RFC 7009) and answer
errors in the OAuth shape ``{error, error_description}``; ``/.well-known/jwks.json`` and the
probes are JSON; the pilot dashboard (``/pilot``) is HTML behind a browser session cookie and
is tagged ``dashboard (HTML)`` so client generators and readers can tell it apart.
"""
from __future__ import annotations

import re
from typing import Any

from flask import Flask

from api.openapi_document import HEADERS

FORM = "application/x-www-form-urlencoded"
EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"
# An obviously unsigned placeholder in JWT shape (never a real token).
TOKEN_EXAMPLE = "<header>.<claims>.<signature>"
REFRESH_EXAMPLE = "rt_8Jx2kq0VfS1aZ3mN5pQ7rT9vX1zB3dF5"
OAUTH_ERRORS = ["invalid_request", "invalid_grant", "invalid_target", "unsupported_grant_type", "slow_down",
                "temporarily_unavailable", "server_error"]

SCHEMAS: dict[str, dict[str, Any]] = {
    "OAuthError": {
        "type": "object", "required": ["error", "error_description"], "additionalProperties": False,
        "description": "RFC 6749 section 5.2 error: a stable code and a readable, PII-free description.",
        "properties": {"error": {"type": "string", "enum": OAUTH_ERRORS},
                       "error_description": {"type": "string"}},
        "examples": [{"error": "invalid_request", "error_description": "missing parameter: grant_type"}],
    },
    "TokenRequest": {
        "type": "object", "required": ["grant_type"],
        "description": "Token exchange (an Entra access token for an app token) or refresh.",
        "properties": {
            "grant_type": {"type": "string", "enum": [EXCHANGE, "refresh_token"]},
            "subject_token": {"type": "string", "description": "The Entra access token (token exchange)."},
            "subject_token_type": {"type": "string", "enum": [ACCESS_TOKEN_TYPE, "urn:ietf:params:oauth:token-type:jwt"]},
            "requested_token_type": {"type": "string", "enum": [ACCESS_TOKEN_TYPE]},
            "refresh_token": {"type": "string", "description": "The refresh token (grant_type=refresh_token)."},
            "scope": {"type": "string"}, "audience": {"type": "string"}, "resource": {"type": "string"},
        },
        "examples": [{"grant_type": EXCHANGE, "subject_token": TOKEN_EXAMPLE, "subject_token_type": ACCESS_TOKEN_TYPE}],
    },
    "TokenResponse": {
        "type": "object", "required": ["access_token", "token_type", "expires_in"],
        "properties": {
            "access_token": {"type": "string", "description": "App token: send as `Authorization: Bearer`."},
            "issued_token_type": {"type": "string", "enum": [ACCESS_TOKEN_TYPE]},
            "token_type": {"type": "string", "enum": ["Bearer"]},
            "expires_in": {"type": "integer", "description": "Seconds the access token is valid."},
            "refresh_token": {"type": "string", "description": "Single-use; rotates on every refresh."},
            "scope": {"type": "string", "enum": ["mobile"]},
        },
        "examples": [{"access_token": TOKEN_EXAMPLE, "issued_token_type": ACCESS_TOKEN_TYPE, "token_type": "Bearer",
                      "expires_in": 900, "refresh_token": REFRESH_EXAMPLE, "scope": "mobile"}],
    },
    "RevokeRequest": {
        "type": "object", "required": ["token"],
        "properties": {"token": {"type": "string"},
                       "token_type_hint": {"type": "string", "enum": ["refresh_token", "access_token"]}},
        "examples": [{"token": REFRESH_EXAMPLE, "token_type_hint": "refresh_token"}],
    },
    "JWKS": {
        "type": "object", "required": ["keys"],
        "description": "The public keys app tokens are signed with (RFC 7517).",
        "properties": {"keys": {"type": "array", "items": {"type": "object", "required": ["kty", "kid"], "properties": {
            "kty": {"type": "string"}, "kid": {"type": "string"}, "use": {"type": "string"},
            "alg": {"type": "string"}, "n": {"type": "string"}, "e": {"type": "string"}}}}},
        "examples": [{"keys": [{"kty": "RSA", "kid": "app-2026-11", "use": "sig", "alg": "RS256",
                                "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1R",
                                "e": "AQAB"}]}],
    },
    "Liveness": {"type": "object", "required": ["status"], "properties": {"status": {"type": "string", "enum": ["ok"]}},
                 "examples": [{"status": "ok"}]},
    "Readiness": {
        "type": "object", "required": ["status"],
        "properties": {"status": {"type": "string", "enum": ["ready", "degraded", "unavailable"]},
                       "checks": {"type": "object", "additionalProperties": {"type": "string"},
                                  "description": "Failing checks and their PII-free reasons."},
                       "degraded": {"type": "object", "additionalProperties": {"type": "string"},
                                    "description": "Degraded dependencies (the pod stays in service)."}},
        "examples": [{"status": "degraded", "degraded": {"rate_limit_storage": "counting in process memory"}}],
    },
    "HealthDetails": {
        "type": "object", "required": ["status", "readiness", "degraded", "migrations"],
        "description": "Every check by name, for operators: no secrets, no personal data.",
        "properties": {
            "status": {"type": "string", "enum": ["ready", "degraded", "unavailable"]},
            "readiness": {"type": "object", "description": "Checks that decide /readyz.",
                          "additionalProperties": {"type": "object"}},
            "degraded": {"type": "object", "description": "Dependencies that degrade service but never pull the pod.",
                         "additionalProperties": {"type": "object"}},
            "migrations": {"type": "object", "properties": {"code_head": {"type": ["string", "null"]}}},
            "identity_provider": {"type": "object", "description": "Key cache state, key age, last fetch error type."},
        },
        "examples": [{"status": "ready", "readiness": {"database": {"ok": True}, "signing_keys": {"ok": True}},
                      "degraded": {"rate_limit_storage": {"ok": True}, "identity_provider": {"ok": True}},
                      "migrations": {"code_head": "0010"},
                      "identity_provider": {"state": "fresh", "keys": 2, "key_age_seconds": 120,
                                            "last_fetch_error": None, "cache_seconds": 21600,
                                            "stale_seconds": 86400}}],
    },
}
HTML = {"text/html": {"schema": {"type": "string"}, "example": "<!doctype html><html lang=\"en\">...</html>"}}
MARKDOWN = {"text/markdown": {"schema": {"type": "string"}, "example": "# Pilot evaluation: Pomona pilot\n"}}
CSV = {"text/csv": {"schema": {"type": "string"}, "example": "id,created_at,rating\r\n1,2026-09-02,5\r\n"}}
SEE_OTHER = {"description": "Redirect (see Location).",
             "headers": {"Location": {"schema": {"type": "string", "example": "/pilot#issues"}}}}
LOGIN_REDIRECT = {"description": "Not signed in: redirect to the sign-in page.",
                  "headers": {"Location": {"schema": {"type": "string", "example": "/pilot/login"}}}}
COHORT_QUERY = {"in": "query", "name": "cohort", "required": False, "schema": {"type": "string", "example": "Pomona pilot"},
                "description": "The pilot cohort (the newest when absent)."}
COOKIE = [{"dashboardSession": []}]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(name: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(name)}}}


def _oauth_errors(*statuses: int) -> dict[str, Any]:
    described = {400: "Invalid request, grant or target (OAuth error code in `error`).",
                 405: "Method not allowed.", 429: "Too many requests (`slow_down`); see Retry-After.",
                 503: "Temporarily unavailable; retry after Retry-After.", 500: "Unexpected error (`server_error`)."}
    return {str(s): _json("OAuthError", described[s]) for s in statuses}


def _form(name: str, fields: dict[str, Any], example: dict[str, str], required=("csrf_token",)) -> dict[str, Any]:
    return {"required": True, "content": {FORM: {
        "schema": {"type": "object", "required": list(required),
                   "properties": {"csrf_token": {"type": "string", "description": "From the page's form."}, **fields}},
        "example": {"csrf_token": "Zp3kQ9...", **example}}}, "description": name}


def _page(operation_id: str, summary: str, *, form_post: bool = False, **extra: Any) -> dict[str, Any]:
    # A form post always answers a redirect back to the dashboard (its outcome is a flash message).
    responses = {"302": LOGIN_REDIRECT} if form_post else {"200": {"description": "HTML page.", "content": HTML},
                                                            "302": LOGIN_REDIRECT}
    responses.update(extra.pop("responses", {}))
    return {"operationId": operation_id, "summary": summary, "tags": ["dashboard (HTML)"], "security": COOKIE,
            "responses": responses, **extra}


def operations() -> dict[str, dict[str, Any]]:
    """Path -> operations for every plain Flask route the service publishes."""
    token = {"operationId": "exchangeToken", "tags": ["auth"], "security": [],
             "summary": "Exchange an Entra access token (RFC 8693) or a refresh token for an app token.",
             "requestBody": {"required": True, "content": {FORM: {"schema": _ref("TokenRequest")}}},
             "responses": {"200": _json("TokenResponse", "App token (and refresh token)."),
                           **_oauth_errors(400, 405, 429, 503, 500)}}
    revoke = {"operationId": "revokeToken", "tags": ["auth"], "security": [],
              "summary": "End the session of a refresh or app token (RFC 7009); 200 even for unknown tokens.",
              "requestBody": {"required": True, "content": {FORM: {"schema": _ref("RevokeRequest")}}},
              "responses": {"200": {"description": "Revoked (or unknown); no body."},
                            **_oauth_errors(400, 405, 429, 503, 500)}}
    issue_param = {"in": "path", "name": "issue_id", "required": True,
                   "schema": {"type": "integer", "minimum": 0, "maximum": 2147483647, "example": 12}}
    signature_param = {"in": "path", "name": "signature_id", "required": True,
                       "schema": {"type": "integer", "minimum": 0, "maximum": 2147483647, "example": 3}}
    table_param = {"in": "path", "name": "table", "required": True, "schema": {"type": "string", "example": "feedback"}}
    return {
        "/auth/token": {"post": token},
        "/auth/revoke": {"post": revoke},
        "/.well-known/jwks.json": {"get": {
            "operationId": "getSigningKeys", "tags": ["auth"], "security": [],
            "summary": "Publish the public keys app tokens are verified with.",
            "responses": {"200": {**_json("JWKS", "The key set (cacheable for 5 minutes)."),
                                  "headers": {"Cache-Control": {**HEADERS["Cache-Control"], "schema": {
                                      "type": "string", "example": "public, max-age=300"}}}}}}},
        "/healthz": {"get": {"operationId": "getLiveness", "tags": ["health"], "security": [],
                             "summary": "Report that the process is alive (touches nothing external).",
                             "responses": {"200": _json("Liveness", "Alive.")}}},
        "/readyz": {"get": {"operationId": "getReadiness", "tags": ["health"], "security": [],
                            "summary": "Report whether the service can serve traffic (ready, degraded or unavailable).",
                            "responses": {"200": _json("Readiness", "Ready, or serving degraded."),
                                          "503": _json("Readiness", "Not ready: the failing checks are named.")}}},
        "/": {"get": {"operationId": "getLandingPage", "tags": ["health"], "security": [],
                      "summary": "A small start page (HTML) linking the docs, the mobile guide, the dashboard and health.",
                      "responses": {"200": {"description": "HTML page.", "content": HTML}}}},
        "/healthz/details": {"get": {"operationId": "getHealthDetails", "tags": ["health"], "security": [],
                                     "summary": "Report every check by name and the identity provider's key cache.",
                                     "responses": {"200": _json("HealthDetails", "Always 200; the verdict is /readyz's.")}}},
        "/pilot": {"get": _page("viewPilotDashboard", "The pilot dashboard (HTML): figures, charts, triage.",
                                parameters=[COHORT_QUERY],
                                responses={"404": {"description": "No such cohort (HTML page).", "content": HTML}})},
        "/pilot/announcements": {"post": _page(
            "publishAnnouncementForm", "Publish an announcement from the dashboard form (HTML form post).", form_post=True,
            requestBody=_form("Announcement form", {
                "cohort": {"type": "string"}, "kind": {"type": "string", "enum": ["whats_new", "known_issue"]},
                "title": {"type": "string"}, "body": {"type": "string"}, "expires_on": {"type": "string", "format": "date"}},
                {"kind": "whats_new", "title": "Pilot check-in", "body": "Thursday 10:00 in Pomona."}),
            responses={"303": SEE_OTHER})},
        "/pilot/issues/{issue_id}": {"parameters": [issue_param], "post": _page(
            "triageIssueForm", "Change an issue's status and note from the triage form (HTML form post).", form_post=True,
            requestBody=_form("Triage form", {"cohort": {"type": "string"}, "status": {"type": "string"},
                                              "note": {"type": "string"}}, {"status": "triaged", "note": "Seen."}),
            responses={"303": SEE_OTHER})},
        "/pilot/export/{table}.csv": {"parameters": [table_param], "get": _page(
            "downloadPilotTable", "Download a pilot table as CSV (the dashboard's link).", parameters=[COHORT_QUERY],
            responses={"200": {"description": "CSV file.", "content": CSV}})},
        "/pilot/report": {"get": _page(
            "viewPilotReport", "The printable end-of-pilot evaluation (HTML, print stylesheet, Save as PDF).",
            parameters=[COHORT_QUERY], responses={"404": {"description": "No such cohort (HTML page).", "content": HTML}})},
        "/pilot/report.md": {"get": _page(
            "downloadPilotReportMarkdown", "The evaluation as Markdown (audited export).", parameters=[COHORT_QUERY],
            responses={"200": {"description": "Markdown file.", "content": MARKDOWN},
                       "404": {"description": "No such cohort."}})},
        "/pilot/report.csv": {"get": _page(
            "downloadPilotReportCsv", "The evaluation as CSV (audited export).", parameters=[COHORT_QUERY],
            responses={"200": {"description": "CSV file.", "content": CSV}, "404": {"description": "No such cohort."}})},
        "/pilot/criteria": {"post": _page(
            "changePilotCriteriaForm", "Change success-criteria targets from the report's form (percent for shares).",
            form_post=True, requestBody=_form("Criteria form", {"cohort": {"type": "string"}, **{
                key: {"type": "string"} for key in ("enrolled", "activation_rate", "weekly_active_rate", "sus_mean",
                                                    "triaged_in_time_rate", "api_p95_ms", "crash_free_rate")}},
                {"enrolled": "50", "activation_rate": "80"}),
            responses={"303": SEE_OTHER})},
        "/pilot/client-signatures/{signature_id}/issue": {"parameters": [signature_param], "post": _page(
            "trackClientSignatureForm", "Open a tracked issue for an app error signature (dashboard button).",
            form_post=True, requestBody=_form("Track form", {"cohort": {"type": "string"}}, {"cohort": "Pomona pilot"}),
            responses={"303": SEE_OTHER})},
        "/pilot/steward": {"get": _page("viewStewardQueue",
                                        "The EPS support stewards' queue of data-quality reports (HTML; no student data).")},
        "/pilot/steward/{issue_id}": {"parameters": [issue_param], "get": _page(
            "viewStewardReport", "One data-quality report with its students' identification cards while open "
                                 "(HTML; each view audited per child).",
            responses={"404": {"description": "No such report in the queue (HTML page).", "content": HTML}})},
        "/pilot/steward/{issue_id}/resolve": {"parameters": [issue_param], "post": _page(
            "resolveStewardReportForm", "Resolve a data-quality report with an outcome and a note (HTML form post).",
            form_post=True, requestBody=_form("Resolve form", {
                "outcome": {"type": "string", "enum": ["merged", "corrected_at_source", "not_a_duplicate"]},
                "note": {"type": "string"}}, {"outcome": "merged", "note": "Merged in CALPADS."},
                required=("csrf_token", "outcome", "note")),
            responses={"303": SEE_OTHER, "404": {"description": "No such report in the queue (HTML page).",
                                                 "content": HTML}})},
        "/pilot/login": {"get": {**_page("startDashboardSignIn", "Start the dashboard sign-in (redirect to Entra)."),
                                 "security": [], "responses": {"302": SEE_OTHER}}},
        "/pilot/auth/callback": {"get": {**_page("completeDashboardSignIn", "Entra's redirect back (OpenID Connect)."),
                                         "security": [], "responses": {"302": SEE_OTHER,
                                                                       "403": {"description": "Refused (HTML page).",
                                                                               "content": HTML}}}},
        "/pilot/logout": {"post": {**_page("signOutOfDashboard", "End the dashboard session."),
                                   "requestBody": _form("Sign-out form", {}, {}), "responses": {"302": SEE_OTHER}}},
        "/pilot/dev-login": {
            "get": {**_page("showDevSignIn", "Development sign-in page (AUTH_MODE=dev only; 404 otherwise)."),
                    "security": [], "responses": {"200": {"description": "HTML page.", "content": HTML},
                                                  "404": {"description": "Not in AUTH_MODE=dev."}}},
            "post": {**_page("devSignIn", "Development sign-in as a registered coordinator, admin or steward."),
                     "security": [], "requestBody": _form("Dev sign-in form", {"email": {"type": "string"},
                                                                               "next": {"type": "string"}},
                                                          {"email": "coordinator.demo@lacoe.edu"}),
                     "responses": {"302": SEE_OTHER, "403": {"description": "Not enrolled (HTML page).",
                                                             "content": HTML},
                                   "404": {"description": "Not in AUTH_MODE=dev."}}}},
    }


def document(spec, app: Flask) -> None:
    """Add the plain routes, their schemas and the dashboard's cookie scheme to ``spec``.

    Each entry is matched to the app's own URL rule (its path parameters come from the rule),
    so documenting a route that does not exist fails at start-up.
    """
    for name, schema in SCHEMAS.items():
        spec.components.schema(name, schema)
    spec.components.security_scheme("dashboardSession", {
        "type": "apiKey", "in": "cookie", "name": "__Host-pilot",
        "description": "Browser session of the pilot dashboard (`pilot_session` outside production)."})
    rules = {_openapi_path(rule.rule): rule for rule in app.url_map.iter_rules()}
    for path, ops in operations().items():
        parameters = ops.pop("parameters", [])
        spec.path(rule=rules[path], operations=ops, parameters=parameters)


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)
