"""The scoping rules on their own: who sees which student, and on what basis."""
from __future__ import annotations

import datetime as dt

import pytest

from auth.principal import Principal
from mobile_service import caseload_list, scoping
from mobile_service.extensions import db
from mobile_service.models import CaseloadEntry
from tests.factories import make_case, make_student, make_supervision, make_user


def principal(user) -> Principal:
    return Principal(user_id=user.id, role=user.role, sid="s", dcfs_employee_id=user.dcfs_employee_id)


@pytest.fixture
def world(ctx, frozen_clock):
    csw, other, scsw, lone_scsw = make_user("csw"), make_user("csw"), make_user("scsw"), make_user("scsw")
    coordinator, admin = make_user("pilot_coordinator"), make_user("admin")
    make_supervision(scsw, csw)
    make_supervision(lone_scsw, other, end_date=dt.date(2026, 1, 1))  # ended: no access
    assigned, added, foreign, closed, ended = (make_student() for _ in range(5))
    make_case(assigned, csw)
    make_case(closed, csw, case_status="closed")
    make_case(ended, csw, assignment_end=dt.date(2026, 9, 1))
    make_case(foreign, other)
    db.session.add(CaseloadEntry(user_id=csw.id, student_id=added.id, origin="added", added_reason="covering"))
    db.session.flush()
    return locals()


def test_csw_sees_assigned_and_added_only(world):
    p = principal(world["csw"])
    assert scoping.basis_for(p, world["assigned"].id) == "dcfs_assignment"
    assert scoping.basis_for(p, world["added"].id) == "caseload"
    for name in ("foreign", "closed", "ended"):
        assert scoping.basis_for(p, world[name].id) is None, name


def test_scsw_sees_supervisees_students_by_supervision(world):
    p = principal(world["scsw"])
    assert scoping.basis_for(p, world["assigned"].id) == "supervision"
    assert scoping.basis_for(p, world["added"].id) == "supervision"
    assert scoping.basis_for(p, world["foreign"].id) is None


def test_ended_supervision_grants_nothing(world):
    assert scoping.basis_for(principal(world["lone_scsw"]), world["foreign"].id) is None


@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_coordinator_and_admin_see_no_student(world, role):
    p = principal(world[role])
    assert not scoping.can_view_students(p)
    assert scoping.visible_student_ids(p) == []


def test_removed_caseload_entry_ends_access(world, frozen_clock):
    entry = db.session.execute(db.select(CaseloadEntry)).scalar_one()
    entry.removed_at = frozen_clock
    db.session.flush()
    assert scoping.basis_for(principal(world["csw"]), world["added"].id) is None


def test_visible_ids_are_distinct(world):
    ids = scoping.visible_student_ids(principal(world["scsw"]))
    assert sorted(ids) == sorted({world["assigned"].id, world["added"].id})


def test_one_student_membership_agrees_with_the_caseload_list(world, frozen_clock):
    """``on_caseload`` (one query, record views) follows the same rule as ``caseload_members``."""
    csw = world["csw"]
    removed, readded, removed_later = (make_student() for _ in range(3))
    make_case(removed, csw, assignment_start=dt.date(2026, 8, 1))
    make_case(readded, csw, assignment_start=dt.date(2026, 10, 1))  # assigned again after the removal
    make_case(removed_later, csw, assignment_start=dt.date(2026, 8, 1))
    for student, when in ((removed, dt.datetime(2026, 9, 1, tzinfo=dt.UTC)),
                          (readded, dt.datetime(2026, 9, 1, tzinfo=dt.UTC)),
                          (removed_later, dt.datetime(2026, 8, 1, 12, tzinfo=dt.UTC))):
        db.session.add(CaseloadEntry(user_id=csw.id, student_id=student.id, origin="feed", removed_at=when))
    db.session.flush()
    students = [world[name] for name in ("assigned", "added", "foreign", "closed", "ended")]
    students += [removed, readded, removed_later]
    for user in (csw, world["other"], world["scsw"]):
        p = principal(user)
        listed = caseload_list.caseload_members([(user.id, user.dcfs_employee_id)])[user.id]
        for student in students:
            assert caseload_list.on_caseload(p, student.id) is (student.id in listed), (user.role, student.id)
    p = principal(csw)
    expected = {world["assigned"].id, world["added"].id, readded.id}
    assert {s.id for s in students if caseload_list.on_caseload(p, s.id)} == expected


@pytest.mark.parametrize("criteria, rule", [
    ({"ssid": "4000000001"}, "scope"),                       # a full SSID alone is partial
    ({"ssid": "40000001"}, "scope"),
    ({"ssid": "40000001", "last_name": "Garcia"}, "scope"),  # partial SSID + last name: still partial
    ({"ssid": "4000000001", "last_name": "Garcia"}, "exact_lookup"),
    ({"ssid": "4000000001", "dob": "2012-03-04"}, "exact_lookup"),
    ({"ssid": "4000000001", "name": "garcia"}, "scope"),     # `name` never makes the exact lookup
    ({"first_name": "Maria", "last_name": "Garcia"}, "scope"),
    ({"first_name": "Maria", "last_name": "Garcia", "dob": "2012-03-04"}, "exact_lookup"),
    ({"name": "maria garcia", "dob": "2012-03-04"}, "scope"),
    ({"dob": "2012-03-04"}, "scope"),
])
def test_search_rule_is_the_eps_exact_lookup_or_the_scope(criteria, rule):
    from api.students.search import build_criteria

    assert scoping.search_rule(build_criteria(**criteria)) == rule


def test_search_scope_is_the_access_scope_and_in_scope_ids_filters(world):
    from sqlalchemy import select

    from mobile_service.models import Student

    for who in ("csw", "scsw", "other", "coordinator", "admin"):
        p = principal(world[who])
        found = set(db.session.execute(select(Student.id).where(scoping.search_scope(p)),
                                       scoping.access_params(p)).scalars())
        assert found == set(scoping.visible_student_ids(p)), who
    p = principal(world["csw"])
    every = [world[n].id for n in ("assigned", "added", "foreign", "closed", "ended")]
    assert scoping.in_scope_ids(p, every) == {world["assigned"].id, world["added"].id}
    assert scoping.in_scope_ids(p, []) == set()
