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
from mobile_service.models import Alert, IssueReport, IssueReportStudent
from tests.api.student_helpers import add_to_caseload, enroll
from tests.api.test_schemathesis import _fuzz
from tests.factories import app_token_for, make_case, make_school, make_student, make_supervision, make_user

# Every documented operation outside /api/v1/students, each with the roles allowed to call it
# (a new route fails ``test_every_operation_has_a_role`` until it is listed here).
ROLES = {
    "GET /api/v1/me": ("csw",),
    "GET /api/v1/caseload": ("csw",),
    "POST /api/v1/caseload": ("csw",),
    "DELETE /api/v1/caseload/{student_key}": ("csw",),
    # The offline sync: fuzzed tokens are 422 (not a token) or 410 (resync), never a 500.
    "GET /api/v1/caseload/changes": ("csw", "scsw"),
    "POST /api/v1/feedback": ("csw",),
    "POST /api/v1/issues": ("csw",),
    "GET /api/v1/issues/mine": ("csw",),
    "GET /api/v1/announcements": ("csw",),
    "GET /api/v1/alerts": ("csw", "scsw"),
    "POST /api/v1/alerts/seen": ("csw",),
    "GET /api/v1/alerts/team": ("scsw",),
    "GET /api/v1/supervisees": ("scsw",),
    "GET /api/v1/supervisees/{user_id}/caseload": ("scsw",),
    "GET /api/v1/supervisees/indicators": ("scsw",),
    # The review queue: the supervising SCSW's, and the admins' for CSWs without a supervisor.
    "GET /api/v1/supervisees/pending-adds": ("scsw", "admin"),
    "POST /api/v1/supervisees/pending-adds/{add_id}/approve": ("scsw", "admin"),
    "POST /api/v1/supervisees/pending-adds/{add_id}/deny": ("scsw", "admin"),
    "GET /api/v1/pilot/summary": ("pilot_coordinator",),
    "GET /api/v1/pilot/cohorts": ("pilot_coordinator",),
    "GET /api/v1/pilot/issues": ("pilot_coordinator",),
    "PATCH /api/v1/pilot/issues/{issue_id}": ("pilot_coordinator",),
    "GET /api/v1/pilot/feedback": ("pilot_coordinator",),
    "GET /api/v1/pilot/announcements": ("pilot_coordinator",),
    "POST /api/v1/pilot/announcements": ("pilot_coordinator",),
    "GET /api/v1/pilot/export/{table}.csv": ("pilot_coordinator",),
    "POST /api/v1/client-events": ("csw",),
    "GET /api/v1/pilot/report": ("pilot_coordinator",),
    "GET /api/v1/pilot/criteria": ("pilot_coordinator",),
    "PATCH /api/v1/pilot/criteria": ("pilot_coordinator",),
    "GET /api/v1/pilot/app-health": ("pilot_coordinator",),
    "POST /api/v1/pilot/client-signatures/{signature_id}/issue": ("pilot_coordinator",),
    "GET /api/v1/admin/manual-adds": ("admin",),
    "POST /api/v1/admin/access-history": ("admin",),
    # The EPS support stewards' queue of data-quality reports.
    "GET /api/v1/steward/reports": ("eps_support",),
    "GET /api/v1/steward/reports/{issue_id}": ("eps_support",),
    "POST /api/v1/steward/reports/{issue_id}/resolve": ("eps_support",),
}
ROLE_NAMES = ("csw", "scsw", "pilot_coordinator", "admin", "eps_support")


def _documented(app) -> list:
    loaded = schemathesis.openapi.from_wsgi("/openapi.json", app).include(path_regex=r"^/api/v1/(?!students|travel-plans)")
    return [result.ok() for result in loaded.get_all_operations()]


@pytest.fixture
def tokens(app):
    """Users of every role, with a supervised CSW who has students, and their app tokens.

    The supervised CSW's manual add is pending in the SCSW's queue; an unsupervised CSW's add
    is pending in the admins' queue, so both queues have something to list, approve or deny; a
    duplicate-SSID report (id 1) waits in the EPS support steward's queue.
    """
    with app.app_context():
        csw, scsw = make_user("csw", pilot_cohort="Pomona pilot"), make_user("scsw")
        coordinator, admin, alone = make_user("pilot_coordinator"), make_user("admin"), make_user("csw")
        make_supervision(scsw, csw)
        school = make_school()
        kid = make_student(ssid="4000000001", student_key=STUDENT_KEY_EXAMPLE, legal_first_name="Maria", legal_last_name="Garcia",
                           birth_date=dt.date(2012, 3, 4))
        make_case(kid, csw)
        enroll(kid, school, dt.date(2026, 8, 12))
        add_to_caseload(csw, make_student(legal_first_name="Ana", legal_last_name="Lopez"), flagged=True)
        add_to_caseload(alone, make_student(legal_first_name="Eva", legal_last_name="Ruiz"), flagged=True)
        db.session.add(Alert(student_id=kid.id, kind="school_change_30d", basis="moved:2026-08-12"))  # a feed item
        steward = make_user("eps_support")
        issue = IssueReport(user_id=csw.id, kind="duplicate_ssid", description="Two children, one SSID.", status="new")
        db.session.add(issue)
        db.session.flush()
        db.session.add(IssueReportStudent(issue_id=issue.id, student_id=kid.id, position=0, basis="dcfs_assignment"))
        db.session.commit()
        return {user.role: app_token_for(user) for user in (csw, scsw, coordinator, admin, steward)}


def test_every_operation_has_a_role(app):
    """The fuzzed list is the documented one: no route escapes the run below."""
    assert {op.label for op in _documented(app)} == set(ROLES)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
@pytest.mark.parametrize("role", ROLE_NAMES)
def test_every_other_route_conforms(app, tokens, role, mode):
    operations = [op for op in _documented(app) if role in ROLES.get(op.label, ())]
    assert operations, f"no documented operations for {role}"
    headers = {"Authorization": f"Bearer {tokens[role]}"}
    for operation in operations:
        statuses: set[int] = set()
        _fuzz(operation, mode, headers, statuses)
        assert not {s for s in statuses if s >= 500}, (operation.label, statuses)
