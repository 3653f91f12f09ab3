"""Fixtures of the API tests."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from mobile_service import clock
from mobile_service.extensions import db
from mobile_service.models import FOSTER_INACTIVE, CaseloadEntry, SourceLoad
from tests.api.caseload_helpers import bearer, full_record
from tests.api.manual_add_helpers import T0
from tests.api.student_helpers import add_to_caseload, enroll
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


@pytest.fixture
def people(fixed_today, app):
    """A CSW and a handful of foster youth with tricky names, SSIDs and statuses (the search tests)."""
    with app.app_context():
        csw = make_user("csw")
        school = make_school(name="Garey High")
        maria = make_student(ssid="1234567890", legal_first_name="María", legal_last_name="García",
                             birth_date=dt.date(2011, 5, 6))
        marcus = make_student(ssid="2234567890", legal_first_name="Marcus", legal_last_name="Garfield",
                              birth_date=dt.date(2010, 1, 2))
        cruz = make_student(ssid="3000000003", legal_first_name="José", legal_last_name="De La Cruz",
                            birth_date=dt.date(2012, 7, 8))
        jones = make_student(ssid="3000000004", legal_first_name="Jon", legal_last_name="Smith-Jones",
                             birth_date=dt.date(2013, 9, 10))
        bobby = make_student(ssid="3000000005", legal_first_name="Robert", legal_last_name="Lee",
                             alias_first_name="Bobby", alias_last_name="Leeson", birth_date=dt.date(2012, 2, 3))
        retired = make_student(ssid="5550001111", retired_ssids=("5559998888",), legal_first_name="Tomas",
                               legal_last_name="Reyes", birth_date=dt.date(2014, 4, 4))
        inactive = make_student(ssid="7770001111", legal_first_name="Inés", legal_last_name="Olvera",
                                alias_first_name="Nessa", birth_date=dt.date(2009, 12, 1),
                                foster_status=FOSTER_INACTIVE, case_type="KIN-GAP")
        mia = make_student(ssid="3000000006", legal_first_name="Mia", legal_last_name="Moreno",
                           birth_date=dt.date(2014, 8, 8))
        enroll(maria, school, dt.date(2026, 8, 12), grade="09")
        for kid in (maria, jones, bobby, retired, inactive, mia):
            add_to_caseload(csw, kid)
        make_case(cruz, csw)
        # Marcus: assigned in the DCFS feed (in scope) but removed from the caseload list.
        make_case(marcus, csw)
        add_to_caseload(csw, marcus, origin="feed", removed_at=clock.utcnow())
        db.session.commit()
        ns = SimpleNamespace(token=app_token_for(csw), csw_id=csw.id, csw=csw)
        for name, s in {"maria": maria, "marcus": marcus, "cruz": cruz, "jones": jones, "bobby": bobby, "retired": retired,
                            "inactive": inactive, "mia": mia}.items():
            setattr(ns, name, s.ssid)
        return ns


@pytest.fixture
def steady_app(make_app, base_env):
    """The service as deployed: freshness stamps cached, request events batched."""
    application = make_app({**base_env, "FRESHNESS_CACHE_SECONDS": "60", "USAGE_EVENT_BATCH": "1000"})
    yield application
    from mobile_service.pilot import request_events

    with application.app_context():
        request_events.flush()
