"""Fixtures of the API tests."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from mobile_service import clock
from mobile_service.extensions import db
from mobile_service.models import CaseloadEntry, SourceLoad
from tests.api.caseload_helpers import bearer, full_record
from tests.api.manual_add_helpers import T0
from tests.api.student_helpers import enroll
from tests.factories import app_token_for, make_case, make_school, make_student, make_supervision, make_user


@pytest.fixture
def world(app, fixed_today):
    """Users of every role and relationship, students with records, real tokens; ids only."""
    with app.app_context():
        csw = make_user("csw", display_name="Carla Worker")
        peer = make_user("csw", display_name="Pablo Peer")
        scsw = make_user("scsw", display_name="Sofia Supervisor")
        scsw_other = make_user("scsw", display_name="Otto Other")
        scsw_ended = make_user("scsw", display_name="Edna Ended")
        coordinator, admin = make_user("pilot_coordinator"), make_user("admin")
        make_supervision(scsw, csw)
        make_supervision(scsw_other, peer)
        make_supervision(scsw_ended, csw, start_date=dt.date(2025, 1, 1), end_date=dt.date(2026, 6, 30))
        school = make_school(name="Garey High", district_name="Pomona Unified")
        assigned = make_student(legal_first_name="Ana", legal_last_name="Alvarez")
        added = make_student(legal_first_name="Beto", legal_last_name="Bravo")
        foreign = make_student(legal_first_name="Cruz", legal_last_name="Castro")
        unrelated = make_student(legal_first_name="Dora", legal_last_name="Diaz")
        inactive = make_student(legal_first_name="Eli", legal_last_name="Estrada", foster_status="inactive")
        make_case(assigned, csw)
        make_case(foreign, peer)
        db.session.add(CaseloadEntry(user_id=csw.id, student_id=added.id, origin="added", added_reason="covering",
                                     flagged=True, added_at=clock.utcnow()))
        full_record(assigned, school, chronic=True)
        full_record(added, school, failing=True)
        db.session.add(SourceLoad(source="dcfs", kind="dcfs-cases", file_name="cases.csv", file_sha256="0" * 64,
                                  loaded_at=dt.datetime(2026, 10, 12, 9, 30, tzinfo=dt.UTC)))
        db.session.commit()
        users = {"csw": csw, "peer": peer, "scsw": scsw, "scsw_other": scsw_other, "scsw_ended": scsw_ended,
                 "coordinator": coordinator, "admin": admin}
        students = {"assigned": assigned, "added": added, "foreign": foreign, "unrelated": unrelated,
                    "inactive": inactive}
        ns = SimpleNamespace(
            id={k: u.id for k, u in users.items()},
            student_id={k: s.id for k, s in students.items()},
            ssid={k: s.ssid for k, s in students.items()},
            key={k: s.student_key for k, s in students.items()},
            school_id=school.id,
        )
        ns.headers = {k: bearer(app_token_for(u)) for k, u in users.items()}
        db.session.remove()
    return ns


@pytest.fixture
def moving_clock(service_clock):
    """``clock.utcnow`` at T0 until the test moves it (``clock.today`` derives from it)."""
    service_clock.freeze(T0)
    return service_clock


@pytest.fixture
def team(app, moving_clock):
    """Two supervised CSWs under different SCSWs, a CSW without supervisor, a coordinator, an admin."""
    with app.app_context():
        scsw, scsw_other = make_user("scsw", display_name="Sofia Supervisor"), make_user("scsw")
        csw = make_user("csw", display_name="Carla Worker")
        peer = make_user("csw", display_name="Pablo Peer")
        lone = make_user("csw", display_name="Lena Lone")
        coordinator, admin = make_user("pilot_coordinator"), make_user("admin")
        make_supervision(scsw, csw)
        make_supervision(scsw_other, peer)
        school = make_school(name="Garey High")
        students = {name: make_student(legal_first_name=name.title(), legal_last_name="Diaz",
                                       birth_date=dt.date(2012, 3, 4))
                    for name in ("ana", "beto", "cruz", "dora")}
        enroll(students["ana"], school, dt.date(2026, 8, 13))
        db.session.commit()
        users = {"scsw": scsw, "scsw_other": scsw_other, "csw": csw, "peer": peer, "lone": lone,
                 "coordinator": coordinator, "admin": admin}
        ns = SimpleNamespace(
            user={k: SimpleNamespace(id=u.id, role=u.role, token_version=u.token_version) for k, u in users.items()},
            id={k: u.id for k, u in users.items()},
            employee={k: u.dcfs_employee_id for k, u in users.items()},
            ssid={k: s.ssid for k, s in students.items()},
            student_id={k: s.id for k, s in students.items()},
        )
        db.session.remove()

    def headers(who: str) -> dict[str, str]:
        with app.app_context():
            return bearer(app_token_for(ns.user[who]))

    ns.h = headers
    return ns
