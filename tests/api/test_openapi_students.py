"""The student routes in the OpenAPI document and the route inventory; the mobile guide is served."""
from __future__ import annotations

STUDENT_PATHS = {
    "/api/v1/students/search": "post",
    "/api/v1/students/{student_key}": "get",
    "/api/v1/students/{student_key}/enrollments": "get",
    "/api/v1/students/{student_key}/attendance": "get",
    "/api/v1/students/{student_key}/progress-reports": "get",
    "/api/v1/students/{student_key}/brief": "get",
}


def test_student_routes_are_documented_with_auth_and_errors(client):
    spec = client.get("/openapi.json").get_json()
    for path, method in STUDENT_PATHS.items():
        operation = spec["paths"][path][method]
        assert operation["security"] == [{"bearerAuth": []}]
        assert {"200", "401", "403"} <= set(operation["responses"])
        if "{student_key}" in path:
            assert {"304", "404", "503"} <= set(operation["responses"])
            [param] = spec["paths"][path]["parameters"]
            assert param["name"] == "student_key" and param["schema"]["pattern"] == "^[A-Za-z0-9_-]{22}$"
    schemas = spec["components"]["schemas"]
    for name in ("SearchRequest", "SearchResponse", "SearchCard", "Demographics", "Enrollments", "Enrollment",
                 "Mobility", "Attendance", "AttendanceYear", "ProgressReports", "ProgressReport", "CourseMark",
                 "School", "Brief", "BriefSchool", "BriefChanges", "BriefAttendance", "BriefTerm"):
        assert schemas[name]["additionalProperties"] is False, name
    assert set(schemas["SearchCard"]["properties"]) == {
        "student_key", "in_scope", "legal_first_name", "legal_last_name", "birth_date", "school_name",
        "ssid", "grade_level", "on_my_caseload"}
    # The reduced card's fields are the required ones; SSID, grade and caseload flag are full-card only.
    assert set(schemas["SearchCard"]["required"]) == {
        "student_key", "in_scope", "legal_first_name", "legal_last_name", "birth_date", "school_name"}
    assert schemas["SearchResponse"]["properties"]["rule"]["enum"] == ["scope", "exact_lookup"]
    search = spec["paths"]["/api/v1/students/search"]["post"]["responses"]["200"]["content"]["application/json"]
    assert search["example"]["rule"] == "exact_lookup"
    # No path anywhere takes an SSID.
    assert not [p for p in spec["paths"] if "/students/{student_key}" not in p and "{ssid}" in p
                and not p.startswith("/api/v1/admin/")]


def test_every_student_route_declares_field_roles(app):
    # The travel plan routes under /students state their own roles (tests/api/test_travel_plans.py).
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1/students")
             and not r.rule.endswith(("/school-of-origin", "/travel-plans"))]
    assert len(rules) == len(STUDENT_PATHS)
    for rule in rules:
        view = app.view_functions[rule.endpoint]
        methods = rule.methods - {"HEAD", "OPTIONS"}
        for method in methods:
            handler = getattr(view.view_class, method.lower())
            assert handler._required_roles == frozenset({"csw", "scsw"}), rule.rule


def test_mobile_guide_is_served_from_the_docs_page(client):
    docs = client.get("/docs")
    page = docs.get_data(as_text=True)
    docs.close()  # file responses hold the file open until closed
    assert "/docs/assets/mobile-integration.md" in page
    guide = client.get("/docs/assets/mobile-integration.md")
    assert guide.status_code == 200 and guide.mimetype == "text/markdown"
    text = guide.get_data(as_text=True)
    guide.close()
    assert "api://<api-client-id>/access_as_user" in text and "POST /api/v1/students/search" in text
