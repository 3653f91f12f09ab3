"""The precompiled dumps (api.fast_dump) write exactly what the marshmallow schemas would, and it validates."""
from __future__ import annotations

import json

import pytest
from marshmallow import Schema, fields

from api import etags, fast_dump
from api.fields import UTCDateTimeField
from tests.api.caseload_helpers import bearer
from tests.api.test_students_records import record  # noqa: F401  (the fixture: one student with a full history)

ROUTES = ("", "/enrollments", "/attendance", "/progress-reports")


@pytest.fixture
def checked(monkeypatch):
    """Every fast dump of a request is compared with marshmallow's dump and validated by the schema."""
    seen: list[str] = []
    real = fast_dump.compiled

    def checking(schema_class):
        fast = real(schema_class)

        def dump(payload):
            out = fast(payload)
            assert fast_dump.is_compiled(schema_class), f"{schema_class.__name__} fell back to marshmallow"
            expected = schema_class().dump(payload)
            # Same keys, same order, same values: the same JSON text.
            assert json.dumps(out, default=str) == json.dumps(expected, default=str)
            assert schema_class().validate(out) == {}
            seen.append(schema_class.__name__)
            return out
        return dump

    monkeypatch.setattr(etags, "compiled", checking)
    return seen


def test_record_tabs_caseload_and_search_match_their_schemas(client, record, checked):  # noqa: F811
    headers = bearer(record.token)
    for route in ROUTES:
        assert client.get(f"/api/v1/students/{record.key}{route}", headers=headers).status_code == 200
    assert client.get("/api/v1/caseload", headers=headers).status_code == 200
    for criteria in ({"ssid": record.ssid[:6]}, {"name": "mar gar"}, {"dob": "2011-10-16"},
                     {"first_name": "María", "last_name": "García", "dob": "2011-10-16"}, {"name": "zz"}):
        response = client.post("/api/v1/students/search", json=criteria, headers=headers)
        assert response.status_code == 200
    assert set(checked) >= {"DemographicsSchema", "EnrollmentsSchema", "AttendanceSchema", "ProgressReportsSchema",
                            "CaseloadPageSchema", "SearchResponseSchema"}


def test_a_missing_key_is_left_out_and_none_stays_none():
    class Inner(Schema):
        when = UTCDateTimeField(allow_none=True)

    class Outer(Schema):
        name = fields.String()
        count = fields.Integer(allow_none=True)
        inner = fields.Nested(Inner, allow_none=True)
        many = fields.List(fields.Nested(Inner))

    payload = {"count": None, "inner": None, "many": [{"when": None}], "extra": "never shown"}
    assert fast_dump.compiled(Outer)(payload) == Outer().dump(payload) == {"count": None, "inner": None,
                                                                             "many": [{"when": None}]}


def test_a_schema_it_cannot_reproduce_is_dumped_by_marshmallow():
    class WithMethod(Schema):
        shout = fields.Method("loud")

        def loud(self, obj):
            return obj["word"].upper()

    assert not fast_dump.is_compiled(WithMethod)
    assert fast_dump.compiled(WithMethod)({"word": "hi"}) == {"shout": "HI"}
