"""Schemathesis over every other documented /api/v1 operation, each group with a real app token
of a role allowed to call it (the student routes have their own run in test_schemathesis.py).

Checks: no server errors, documented status codes, schema-conformant bodies, negative data
rejected. NUL bytes, huge strings and wrong types are generated and must come back as 4xx.
"""
from __future__ import annotations

import datetime as dt

import pytest
import schemathesis
from schemathesis import GenerationMode

from api.fields import STUDENT_KEY_EXAMPLE
from mobile_service.extensions import db
from tests.api.student_helpers import add_to_caseload, enroll
from tests.api.test_schemathesis import _fuzz
from tests.factories import app_token_for, make_case, make_school, make_student, make_supervision, make_user

GROUPS = {
    "csw": r"^/api/v1/(me|caseload|feedback|issues|announcements)",
    "scsw": r"^/api/v1/supervisees",
    "pilot_coordinator": r"^/api/v1/pilot",
    "admin": r"^/api/v1/admin",
}


@pytest.fixture
def tokens(app):
    """Users of every role, with a supervised CSW who has students, and their app tokens."""
    with app.app_context():
        csw, scsw = make_user("csw", pilot_cohort="Pomona pilot"), make_user("scsw")
        coordinator, admin = make_user("pilot_coordinator"), make_user("admin")
        make_supervision(scsw, csw)
        school = make_school()
        kid = make_student(ssid="4000000001", student_key=STUDENT_KEY_EXAMPLE, legal_first_name="Maria", legal_last_name="Garcia",
                           birth_date=dt.date(2012, 3, 4))
        make_case(kid, csw)
        enroll(kid, school, dt.date(2026, 8, 12))
        add_to_caseload(csw, make_student(legal_first_name="Ana", legal_last_name="Lopez"))
        db.session.commit()
        return {user.role: app_token_for(user) for user in (csw, scsw, coordinator, admin)}


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
@pytest.mark.parametrize("role", list(GROUPS))
def test_every_other_route_conforms(app, tokens, role, mode):
    loaded = schemathesis.openapi.from_wsgi("/openapi.json", app).include(path_regex=GROUPS[role])
    operations = [result.ok() for result in loaded.get_all_operations()]
    assert operations, f"no documented operations for {role}"
    headers = {"Authorization": f"Bearer {tokens[role]}"}
    for operation in operations:
        statuses: set[int] = set()
        _fuzz(operation, mode, headers, statuses)
        assert not {s for s in statuses if s >= 500}, (operation.label, statuses)
