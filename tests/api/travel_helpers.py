"""The travel plan tests' world: a placed child who stayed in their school of origin, and the team around them."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from mobile_service.extensions import db
from tests.api.caseload_helpers import bearer
from tests.api.student_helpers import add_to_caseload, enroll
from tests.factories import app_token_for, make_case, make_school, make_student, make_supervision, make_user

# The placement's location: these digits must never appear in an answer, an audit row or a log.
PLACEMENT_LAT, PLACEMENT_LON = 34.0551234, -117.6012345
LOCATION_TOKENS = ("34.0551234", "117.6012345", "0551234", "6012345")
ORIGIN_CDS, EARLIER_CDS, OTHER_CDS = "19647331932334", "19647330000001", "19647330000099"
PLACED_ON = dt.date(2026, 2, 1)


def build_world(app) -> SimpleNamespace:
    """Users, schools and students of the travel tests; ids, keys and real tokens only."""
    with app.app_context():
        csw = make_user("csw", display_name="Carla Worker")
        peer = make_user("csw", display_name="Pablo Peer")
        lone = make_user("csw", display_name="Lena Lone")
        scsw = make_user("scsw", display_name="Sofia Supervisor")
        scsw_other = make_user("scsw", display_name="Otto Other")
        stranger = make_user("scsw", display_name="Stan Stranger")
        coordinator, admin = make_user("pilot_coordinator"), make_user("admin")
        make_supervision(scsw, csw)
        make_supervision(scsw_other, peer)
        origin_school = make_school(cds_code=ORIGIN_CDS, name="Pomona High", latitude=34.0700, longitude=-117.7500)
        earlier = make_school(cds_code=EARLIER_CDS, name="Garey High", latitude=None, longitude=None)
        other = make_school(cds_code=OTHER_CDS, name="Elsewhere Middle")
        kid = make_student(legal_first_name="Nina", legal_last_name="Navarro", birth_date=dt.date(2016, 4, 4))
        enroll(kid, earlier, dt.date(2024, 8, 14), exit_date=dt.date(2025, 6, 5), exit_reason="E230", grade="03")
        enroll(kid, origin_school, dt.date(2025, 8, 13), grade="05")
        make_case(kid, csw, placement_start_date=PLACED_ON, placement_type="RFA",
                  placement_latitude=PLACEMENT_LAT, placement_longitude=PLACEMENT_LON)
        # The peer covers the same child: Otto (the peer's SCSW) sees the child, but supervises not Carla.
        add_to_caseload(peer, kid)
        unplaced = make_student(legal_first_name="Uma", legal_last_name="Unplaced")
        make_case(unplaced, csw)
        enroll(unplaced, origin_school, dt.date(2025, 8, 13))
        nowhere = make_student(legal_first_name="Noa", legal_last_name="Nowhere", birth_date=dt.date(2015, 1, 1))
        enroll(nowhere, origin_school, dt.date(2025, 8, 13))
        make_case(nowhere, csw, placement_start_date=PLACED_ON, placement_type="STRTP")
        foreign = make_student(legal_first_name="Fay", legal_last_name="Foreign")
        make_case(foreign, peer, placement_start_date=PLACED_ON, placement_type="FFH")
        enroll(foreign, origin_school, dt.date(2025, 8, 13))
        lonely = make_student(legal_first_name="Lou", legal_last_name="Lonely")
        make_case(lonely, lone, placement_start_date=PLACED_ON, placement_type="FFH")
        enroll(lonely, origin_school, dt.date(2025, 8, 13))
        db.session.commit()
        users = {"csw": csw, "peer": peer, "lone": lone, "scsw": scsw, "scsw_other": scsw_other,
                 "stranger": stranger, "coordinator": coordinator, "admin": admin}
        students = {"kid": kid, "unplaced": unplaced, "nowhere": nowhere, "foreign": foreign, "lonely": lonely}
        ns = SimpleNamespace(id={k: u.id for k, u in users.items()},
                             key={k: s.student_key for k, s in students.items()},
                             student_id={k: s.id for k, s in students.items()}, other_school_id=other.id)
        ns.headers = {k: bearer(app_token_for(u)) for k, u in users.items()}
        db.session.remove()
    return ns


def no_location(text: str) -> None:
    """Assert that none of the placement location's digits appear in ``text``."""
    for token in LOCATION_TOKENS:
        assert token not in text


def sor_url(key: str) -> str:
    """The school-of-origin URL of a student."""
    return f"/api/v1/students/{key}/school-of-origin"


def plans_url(key: str) -> str:
    """A student's plans."""
    return f"/api/v1/students/{key}/travel-plans"


GOOD_PLAN = {"cds_code": ORIGIN_CDS, "mileage": 12.4, "transport": "etr", "iep_transport": False,
             "temporarily_absent": False}
