"""Schemathesis over the travel plan routes, each with a real app token of a role allowed to call it.

The child with the documented example key is placed and stays in their school of origin, and a
plan with the example key awaits the SCSW, so the explicit examples reach the data paths.
"""
from __future__ import annotations

import datetime as dt

import pytest
import schemathesis
from schemathesis import GenerationMode

from api.fields import STUDENT_KEY_EXAMPLE
from mobile_service.extensions import db
from mobile_service.models import TravelPlan
from tests.api.student_helpers import enroll
from tests.api.test_schemathesis import _fuzz
from tests.factories import app_token_for, make_case, make_school, make_student, make_supervision, make_user

ROLES = {
    "GET /api/v1/students/{student_key}/school-of-origin": ("csw", "scsw"),
    "GET /api/v1/students/{student_key}/travel-plans": ("csw", "scsw"),
    "POST /api/v1/students/{student_key}/travel-plans": ("csw",),
    "GET /api/v1/travel-plans/awaiting-approval": ("scsw",),
    "GET /api/v1/travel-plans/{plan_key}": ("csw", "scsw"),
    "PUT /api/v1/travel-plans/{plan_key}": ("csw",),
    "POST /api/v1/travel-plans/{plan_key}/submit": ("csw",),
    "POST /api/v1/travel-plans/{plan_key}/approve": ("scsw",),
    "POST /api/v1/travel-plans/{plan_key}/return": ("scsw",),
    "POST /api/v1/travel-plans/{plan_key}/stop": ("csw",),
}


def _documented(app) -> list:
    loaded = schemathesis.openapi.from_wsgi("/openapi.json", app).include(
        path_regex=r"^/api/v1/(travel-plans|students/[^/]+/(school-of-origin|travel-plans))")
    return [result.ok() for result in loaded.get_all_operations()]


@pytest.fixture
def tokens(app, fixed_today):
    """A supervised CSW with a placed child and a submitted plan (the example keys), and the SCSW."""
    with app.app_context():
        csw, scsw = make_user("csw"), make_user("scsw")
        make_supervision(scsw, csw)
        school = make_school(cds_code="19647331932334", latitude=34.07, longitude=-117.75)
        kid = make_student(student_key=STUDENT_KEY_EXAMPLE, birth_date=dt.date(2014, 3, 4))
        enroll(kid, school, dt.date(2025, 8, 12))
        make_case(kid, csw, placement_start_date=dt.date(2026, 2, 1), placement_type="FFH",
                  placement_latitude=34.05, placement_longitude=-117.6)
        db.session.add(TravelPlan(plan_key=STUDENT_KEY_EXAMPLE, student_id=kid.id, csw_user_id=csw.id,
                                  school_id=school.id, status="submitted", transport="etr",
                                  submitted_at=dt.datetime(2026, 10, 1, tzinfo=dt.UTC)))
        db.session.commit()
        return {"csw": app_token_for(csw), "scsw": app_token_for(scsw)}


def test_every_travel_operation_has_a_role(app):
    assert {op.label for op in _documented(app)} == set(ROLES)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
@pytest.mark.parametrize("role", ["csw", "scsw"])
def test_travel_routes_conform(app, tokens, role, mode):
    operations = [op for op in _documented(app) if role in ROLES[op.label]]
    headers = {"Authorization": f"Bearer {tokens[role]}"}
    seen: dict[str, set[int]] = {}
    for operation in operations:
        _fuzz(operation, mode, headers, seen.setdefault(operation.label, set()))
    assert not any(status >= 500 for statuses in seen.values() for status in statuses), seen
    if mode is GenerationMode.POSITIVE:
        assert 200 in seen["GET /api/v1/students/{student_key}/school-of-origin"], seen
