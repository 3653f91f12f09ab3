"""Every text field of every request body refuses lone surrogates and control characters (422),
and the JSON depth guard covers every media type Flask parses as JSON (issue 11, item 4)."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from mobile_service.extensions import db
from mobile_service.models import IssueReport, PilotCohort
from tests.factories import app_token_for, make_school, make_student, make_user

SURROGATE = "x\udfff"
# json.dumps escapes a lone surrogate as \udfff, exactly what a hostile client sends.
BAD_VALUES = {"surrogate": SURROGATE, "nul": "x\x00y", "escape": "x\x1by", "del": "x\x7fy",
              "c1": "x\x85y", "high_surrogate": "\ud800abc"}


@pytest.fixture
def world(app):
    """A CSW with one caseload student, a coordinator and one issue to update."""
    with app.app_context():
        db.session.add(PilotCohort(name="pomona-2026", start_date=dt.date(2026, 10, 1),
                                   length_days=30, target_participants=5, offices=["Pomona"]))
        csw = make_user("csw", pilot_cohort="pomona-2026")
        coordinator = make_user("pilot_coordinator")
        school = make_school()
        student = make_student(ssid="4000000001")
        db.session.flush()
        issue = IssueReport(user_id=csw.id, kind="problem", description="It broke")
        db.session.add(issue)
        db.session.commit()
        return {"csw": {"Authorization": f"Bearer {app_token_for(csw)}"},
                "coordinator": {"Authorization": f"Bearer {app_token_for(coordinator)}"},
                "ssid": student.ssid, "key": student.student_key, "issue_id": issue.id, "school": school.id}


def _routes(world):
    """(who, method, path, body builder) for every route that reads a JSON body."""
    key = world["key"]
    return [
        ("csw", "POST", "/api/v1/feedback", lambda v: {"rating": 4, "category": "general", "comment": v}),
        ("csw", "POST", "/api/v1/feedback", lambda v: {"rating": 4, "category": v}),
        ("csw", "POST", "/api/v1/feedback", lambda v: {"rating": 4, "category": "general", "screen": v}),
        ("csw", "POST", "/api/v1/feedback", lambda v: {"rating": 4, "category": "general", "app_version": v}),
        ("csw", "POST", "/api/v1/feedback", lambda v: {"rating": 4, "category": "general", "platform": v}),
        ("csw", "POST", "/api/v1/issues", lambda v: {"kind": "problem", "description": v}),
        ("csw", "POST", "/api/v1/issues", lambda v: {"kind": v, "description": "ok"}),
        ("csw", "POST", "/api/v1/issues", lambda v: {"kind": "problem", "description": "ok", "request_id": v}),
        ("csw", "POST", "/api/v1/issues", lambda v: {"kind": "problem", "description": "ok", "ssid": v}),
        ("csw", "POST", "/api/v1/caseload", lambda v: {"student_key": key, "reason": "Court order " + v}),
        ("csw", "POST", "/api/v1/caseload", lambda v: {"student_key": v, "reason": "Court order today"}),
        ("csw", "DELETE", f"/api/v1/caseload/{key}", lambda v: {"reason": "Case closed " + v}),
        ("csw", "POST", "/api/v1/students/search", lambda v: {"name": "ma" + v}),
        ("csw", "POST", "/api/v1/students/search", lambda v: {"ssid": "4000" + v}),
        ("csw", "POST", "/api/v1/students/search", lambda v: {"dob": v}),
        ("coordinator", "PATCH", f"/api/v1/pilot/issues/{world['issue_id']}", lambda v: {"note": v}),
        ("coordinator", "PATCH", f"/api/v1/pilot/issues/{world['issue_id']}", lambda v: {"status": v}),
        ("coordinator", "POST", "/api/v1/pilot/announcements", lambda v: {"kind": "whats_new", "title": v, "body": "b"}),
        ("coordinator", "POST", "/api/v1/pilot/announcements", lambda v: {"kind": "whats_new", "title": "t", "body": v}),
        ("coordinator", "POST", "/api/v1/pilot/announcements", lambda v: {"kind": v, "title": "t", "body": "b"}),
    ]


def _send(client, headers, method, path, body):
    return client.open(path, method=method, data=json.dumps(body), headers={**headers, "Content-Type": "application/json"})


@pytest.mark.parametrize("bad", sorted(BAD_VALUES))
def test_every_text_field_refuses_surrogates_and_controls_with_422(app, client, world, bad):
    """A lone surrogate or a control character in any string field is a 422 naming the field, never a 500.

    NUL is refused earlier, by the body guard, with a 400 (before any parsing).
    """
    expected = 400 if bad == "nul" else 422
    for who, method, path, build in _routes(world):
        response = _send(client, world[who], method, path, build(BAD_VALUES[bad]))
        assert response.status_code == expected, (method, path, build("v"), response.status_code, response.data[:300])
        assert response.mimetype == "application/problem+json"
        # The answer never echoes the refused character back.
        assert "\\udfff" not in response.get_data(as_text=True)


def test_surrogate_in_a_key_is_refused(app, client, world):
    """An unknown key holding a lone surrogate is a 422 too (the error names no raw surrogate)."""
    response = _send(client, world["csw"], "POST", "/api/v1/issues",
                     {"kind": "problem", "description": "ok", SURROGATE: "v"})
    assert response.status_code == 422
    json.loads(response.data)


def test_tabs_and_newlines_stay_allowed_in_free_text(app, client, world):
    """Multi-line free text keeps tab, LF and CR; emoji (with joiners) stay allowed."""
    response = _send(client, world["csw"], "POST", "/api/v1/issues",
                     {"kind": "problem", "description": "Line one\n\tLine two\r\n👩‍👧 ok"})
    assert response.status_code == 201, response.data


@pytest.mark.parametrize("mimetype", ["application/json", "application/vnd.api+json", "application/merge-patch+json",
                                      "application/problem+json"])
def test_depth_guard_covers_every_json_media_type(app, client, world, mimetype):
    """5,000 nested arrays are a 400 whatever +json type the body is sent as, never a RecursionError."""
    deep = "[" * 5000 + "]" * 5000
    for who, method, path, _ in _routes(world)[::3]:
        response = client.open(path, method=method, data=deep, headers={**world[who], "Content-Type": mimetype})
        assert response.status_code == 400, (mimetype, path, response.status_code)
        assert "nested" in response.get_json()["detail"]


def test_issue_created_with_clean_text(app, client, world):
    """Control case: the same body without the bad character is accepted."""
    response = _send(client, world["csw"], "POST", "/api/v1/issues", {"kind": "problem", "description": "x ok"})
    assert response.status_code == 201
    with app.app_context():
        assert db.session.query(IssueReport).count() == 2


def _request_schemas(app):
    """Every schema a route reads its arguments (body or query) through."""
    found = set()
    for view in app.view_functions.values():
        cls = getattr(view, "view_class", None)
        for method in getattr(cls, "methods", None) or ():
            apidoc = getattr(getattr(cls, method.lower()), "_apidoc", {})
            for parameter in apidoc.get("arguments", {}).get("parameters", ()):
                found.add(parameter["schema"])
    return found


def _string_fields(schema_class):
    from marshmallow import fields

    for name, field in schema_class().fields.items():
        inner = field.inner if isinstance(field, fields.List) else field
        if isinstance(inner, fields.String):
            yield name, inner


def test_every_string_field_of_every_request_schema_is_the_shared_text_field(app):
    """One rule: no request schema declares a plain marshmallow String (which would accept "\\udfff")."""
    from api.fields import Text

    schemas = _request_schemas(app)
    assert len(schemas) >= 15
    plain = [(schema.__name__, name) for schema in schemas for name, field in _string_fields(schema)
             if not isinstance(field, Text)]
    assert plain == []


def test_search_rule_and_field_rule_are_the_same_rule():
    """The search input rules refuse what the Text field refuses (strict), with the search's own message."""
    from api.students.search import SearchInputError, check_characters
    from mobile_service.text import has_refused_characters

    for value in [*BAD_VALUES.values(), "a\u202eb", "a\u200bb", "a\ue000b", "tab\tin"]:
        assert has_refused_characters(value, strict=True)
        with pytest.raises(SearchInputError):
            check_characters(value)
    for value in ["María García", "O'Brien-Smith", "4000000001"]:
        assert not has_refused_characters(value, strict=True)
        check_characters(value)
