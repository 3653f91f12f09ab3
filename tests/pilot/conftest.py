"""Pilot fixtures: a cohort, participants, a coordinator, bearer headers and a dev-mode dashboard app."""
from __future__ import annotations

import datetime as dt

import pytest

from mobile_service import clock
from mobile_service.extensions import db
from mobile_service.models import PilotCohort
from tests.factories import make_user

# Frozen "now" of the pilot tests: day 15 of a 30-day pilot starting 2026-10-01 (Los Angeles).
PILOT_NOW = dt.datetime(2026, 10, 15, 19, 0, tzinfo=dt.UTC)  # 12:00 PDT
START = dt.date(2026, 10, 1)
REAL_UTCNOW = clock.utcnow  # the dev issuer's Entra-shaped tokens are checked against the real time (PyJWT)


@pytest.fixture
def pilot_clock(service_clock) -> dt.datetime:
    """Freeze the service clock at noon Pacific on pilot day 15."""
    return service_clock.freeze(PILOT_NOW)


@pytest.fixture
def people(app, pilot_clock):
    """A cohort, two CSWs and an SCSW enrolled, a coordinator, an admin and an outsider CSW."""
    with app.app_context():
        db.session.add(PilotCohort(name="pomona-2026", start_date=START, length_days=30, target_participants=50,
                                   offices=["Pomona", "LACOE FYS"]))
        csw = make_user("csw", pilot_cohort="pomona-2026", display_name="Casey Worker")
        csw2 = make_user("csw", pilot_cohort="pomona-2026", office="LACOE FYS", display_name="Robin Field")
        scsw = make_user("scsw", pilot_cohort="pomona-2026", display_name="Sam Supervisor")
        coordinator = make_user("pilot_coordinator", display_name="Pat Coordinator")
        admin = make_user("admin", display_name="Alex Admin")
        outsider = make_user("csw", display_name="Olive Outsider")
        db.session.commit()
        ids = {name: u.id for name, u in [("csw", csw), ("csw2", csw2), ("scsw", scsw),
                                         ("coordinator", coordinator), ("admin", admin), ("outsider", outsider)]}
    return ids


@pytest.fixture
def bearer(app, people, token_for):
    """``bearer("csw")`` -> Authorization headers with a real app token for that fixture user."""
    from mobile_service.models import User

    cache: dict[str, dict[str, str]] = {}

    def make(name: str) -> dict[str, str]:
        if name not in cache:
            # Signed and verified on the same (frozen) service clock.
            with app.app_context():
                user = db.session.get(User, people[name])
                cache[name] = {"Authorization": f"Bearer {token_for(user)}"}
        return cache[name]

    return make


@pytest.fixture(scope="session")
def dev_app(make_app, app, base_env):
    """The same database served with AUTH_MODE=dev, for the dashboard's development sign-in."""
    env = dict(base_env, AUTH_MODE="dev", APP_ENV="development")
    env.pop("ENTRA_TENANT_IDS", None)
    env.pop("ENTRA_API_AUDIENCES", None)
    env.pop("OIDC_METADATA_URL", None)
    application = make_app(env)
    yield application
    with application.app_context():
        db.engine.dispose()  # its own pool: close it before the database is dropped


def dev_sign_in(client, email: str):
    """Sign in to the dashboard through the development sign-in page (real session, real CSRF)."""
    frozen = clock.utcnow
    clock.utcnow = REAL_UTCNOW  # the dev issuer's token is checked against the real time (PyJWT)
    try:
        page = client.get("/pilot/dev-login")
        assert page.status_code == 200, page.data[:300]
        token = csrf_from(page.get_data(as_text=True))
        return client.post("/pilot/dev-login", data={"email": email, "csrf_token": token, "next": "/pilot"})
    finally:
        clock.utcnow = frozen


def csrf_from(html: str) -> str:
    """The CSRF token of the first form on a page."""
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
