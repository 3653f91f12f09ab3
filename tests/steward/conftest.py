"""Steward queue fixtures: a CSW with students in scope, strangers to look up, stewards, real tokens."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from mobile_service.extensions import db
from tests.api.caseload_helpers import bearer
from tests.api.student_helpers import enroll
from tests.factories import app_token_for, make_case, make_school, make_student, make_supervision, make_user
from tests.pilot.conftest import dev_app  # noqa: F401  (the dev-mode web app fixture, for the steward pages)

NOW = dt.datetime(2026, 11, 2, 18, 0, tzinfo=dt.UTC)  # 10:00 PST, a Monday


@pytest.fixture
def dq(app, service_clock):
    """Who is who: a CSW (two students assigned), a peer, the CSW's SCSW, a coordinator, an admin,
    two EPS support stewards (one inactive), and students outside everyone's scope."""
    service_clock.freeze(NOW)
    with app.app_context():
        csw = make_user("csw", display_name="Carla Worker", office="Pomona")
        peer = make_user("csw", display_name="Pablo Peer")
        scsw = make_user("scsw", display_name="Sofia Supervisor")
        coordinator, admin = make_user("pilot_coordinator"), make_user("admin")
        steward = make_user("eps_support", display_name="Elena Steward", email="elena.steward@lacoe.edu",
                            office="LACOE EPS")
        steward2 = make_user("eps_support", display_name="Sam Steward", email="sam.steward@lacoe.edu")
        retired = make_user("eps_support", display_name="Old Steward", email="old.steward@lacoe.edu", active=False)
        make_supervision(scsw, csw)
        school = make_school(name="Garey High", district_name="Pomona Unified")
        mine = make_student(ssid="4100000001", legal_first_name="Ana", legal_last_name="Alvarez",
                            birth_date=dt.date(2012, 3, 4))
        twin = make_student(ssid="4100000002", legal_first_name="Ana", legal_last_name="Alvarez",
                            birth_date=dt.date(2012, 3, 4), retired_ssids=("4100000099",))
        stranger = make_student(ssid="4100000003", legal_first_name="Beto", legal_last_name="Bravo",
                                birth_date=dt.date(2011, 6, 7))
        peers = make_student(ssid="4100000004", legal_first_name="Cruz", legal_last_name="Castro")
        make_case(mine, csw)
        make_case(peers, peer)
        enroll(mine, school, dt.date(2026, 8, 13), grade="09")
        db.session.commit()
        users = {"csw": csw, "peer": peer, "scsw": scsw, "coordinator": coordinator, "admin": admin,
                 "steward": steward, "steward2": steward2}
        ns = SimpleNamespace(
            id={k: u.id for k, u in users.items()}, retired_id=retired.id,
            key={k: s.student_key for k, s in {"mine": mine, "twin": twin, "stranger": stranger,
                                                "peers": peers}.items()},
            student_id={k: s.id for k, s in {"mine": mine, "twin": twin, "stranger": stranger,
                                              "peers": peers}.items()},
        )
        ns.headers = {k: bearer(app_token_for(u)) for k, u in users.items()}
        db.session.remove()

    def fresh(who: str) -> dict[str, str]:
        """New headers for ``who`` (after the clock moved past the token's lifetime)."""
        from mobile_service.models import User

        with app.app_context():
            headers = bearer(app_token_for(db.session.get(User, ns.id[who])))
            db.session.remove()
            return headers

    ns.fresh = fresh
    return ns


def report(client, headers, keys, kind="multiple_ssids", description="These two records are the same child."):
    """POST a data-quality report naming ``keys``."""
    return client.post("/api/v1/issues", json={"kind": kind, "description": description, "student_keys": keys},
                       headers=headers)


def exact_lookup(client, headers, first="Beto", last="Bravo", dob="2011-06-07"):
    """The EPS exact lookup (first + last name + birth date): finds students outside the scope."""
    response = client.post("/api/v1/students/search", json={"first_name": first, "last_name": last, "dob": dob},
                           headers=headers)
    assert response.status_code == 200, response.json
    return response.json
