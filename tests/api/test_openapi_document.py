"""The OpenAPI document is complete: every route, operationIds, error bodies, headers, examples.

Walks ``/openapi.json`` and checks each operation and schema; every example is validated
against the schema it illustrates (JSON Schema 2020-12, references resolved in the document).
"""
from __future__ import annotations

import re

from jsonschema import Draft202012Validator

from mobile_service.errors import PROBLEM_CONTENT_TYPE

# Routes that are no API operation: static files, the docs page and the document itself, metrics.
UNDOCUMENTED = {"static", "metrics", "api-docs.openapi_json", "pilot_auth.sign_in_css", "health.docs",
                "health.docs_assets", "pilot_dashboard.static"}
FORM = "application/x-www-form-urlencoded"


def _operations(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                yield path, method, operation


def _resolve(spec, obj):
    while "$ref" in obj:
        section, name = obj["$ref"].split("/")[-2:]
        obj = spec["components"][section][name]
    return obj


def _validator(spec, schema):
    return Draft202012Validator({**schema, "components": spec["components"]})


def test_every_route_is_documented_with_a_named_operation(app, client):
    spec = client.get("/openapi.json").get_json()
    documented = {(method.upper(), path) for path, method, _ in _operations(spec)}
    for rule in app.url_map.iter_rules():
        if rule.endpoint in UNDOCUMENTED:
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (method, path) in documented, (method, path)
    ids = [operation.get("operationId") for _, _, operation in _operations(spec)]
    assert all(ids) and len(set(ids)) == len(ids), ids
    assert all(re.fullmatch(r"[a-z]+(?:[A-Z][a-z0-9]*)+", i) for i in ids), ids
    named = {(m, p): o["operationId"] for p, m, o in _operations(spec)}
    assert named[("get", "/api/v1/caseload")] == "getCaseload"
    assert named[("post", "/api/v1/caseload")] == "addToCaseload"
    assert named[("post", "/api/v1/students/search")] == "searchStudents"
    assert named[("get", "/api/v1/students/{student_key}")] == "getStudentDemographics"
    assert named[("get", "/api/v1/me")] == "getMe"
    assert named[("post", "/auth/token")] == "exchangeToken"


def test_auth_routes_take_forms_and_answer_oauth_errors(client):
    spec = client.get("/openapi.json").get_json()
    for path in ("/auth/token", "/auth/revoke"):
        operation = spec["paths"][path]["post"]
        assert list(operation["requestBody"]["content"]) == [FORM]
        assert operation["security"] == []
        errors = {s: r for s, r in operation["responses"].items() if s[0] in "45"}
        assert {"400", "429", "503"} <= set(errors)
        for response in errors.values():
            assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/OAuthError"}
    oauth = spec["components"]["schemas"]["OAuthError"]
    assert set(oauth["required"]) == {"error", "error_description"}
    token = spec["components"]["schemas"]["TokenResponse"]["properties"]
    assert {"access_token", "refresh_token", "expires_in", "token_type"} <= set(token)
    assert spec["paths"]["/.well-known/jwks.json"]["get"]["responses"]["200"]["headers"]["Cache-Control"]
    assert spec["paths"]["/pilot"]["get"]["tags"] == ["dashboard (HTML)"]
    assert "text/html" in spec["paths"]["/pilot"]["get"]["responses"]["200"]["content"]


def test_every_error_has_a_body_schema_and_every_response_its_headers(client):
    spec = client.get("/openapi.json").get_json()
    for path, method, operation in _operations(spec):
        statuses = set(operation["responses"])
        for status, response in operation["responses"].items():
            response = _resolve(spec, response)
            where = (method, path, status)
            assert "X-Request-ID" in response.get("headers", {}), where
            if status == "default" or status[0] in "45":
                content = response.get("content")
                assert content, where
                if path.startswith("/auth/"):
                    assert "application/json" in content, where
                elif "text/html" not in content and path != "/readyz":
                    assert content[PROBLEM_CONTENT_TYPE]["schema"] == {"$ref": "#/components/schemas/Problem"}, where
            if status in ("429", "503") and path != "/readyz":
                assert "Retry-After" in response["headers"], where
            if status == "200" and "304" in statuses:
                assert {"ETag", "Cache-Control"} <= set(response["headers"]), where


def test_every_schema_and_body_has_an_example_that_validates(client):
    spec = client.get("/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    for name, schema in schemas.items():
        assert schema.get("examples"), name
        for example in schema["examples"]:
            errors = [e.message for e in _validator(spec, schema).iter_errors(example)]
            assert not errors, (name, errors)
    bodies = 0
    for path, method, operation in _operations(spec):
        contents = [("request", operation["requestBody"]["content"])] if "requestBody" in operation else []
        contents += [(status, _resolve(spec, r).get("content", {})) for status, r in operation["responses"].items()]
        for where, content in contents:
            for media_type, media in content.items():
                assert "example" in media, (method, path, where, media_type)
                errors = [e.message for e in _validator(spec, media["schema"]).iter_errors(media["example"])]
                assert not errors, (method, path, where, media_type, errors)
                bodies += 1
    assert bodies > 150


def test_docs_page_serves_swagger_ui_5_locally(client):
    with client.get("/docs/assets/swagger-ui-bundle.js") as bundle:
        assert bundle.status_code == 200
        assert re.search(rb'PACKAGE_VERSION:"5\.\d+\.\d+"', bundle.data), "Swagger UI 5 reads OpenAPI 3.1"
    with client.get("/docs/assets/swagger-ui.css") as css:
        assert css.status_code == 200 and css.mimetype == "text/css"
    # Only the files the page uses are served from the package (not its editor bundles).
    missing = client.get("/docs/assets/swagger-editor-bundle.js")
    assert missing.status_code == 404 and missing.mimetype == PROBLEM_CONTENT_TYPE
