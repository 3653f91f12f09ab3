"""``flask pilot``: create a cohort, enroll and unenroll participants, print status."""
from __future__ import annotations

from sqlalchemy import select

from mobile_service.extensions import db
from mobile_service.models import AuditEvent, PilotCohort, User
from tests.factories import make_user


def test_create_cohort_and_enroll(app, runner, pilot_clock):
    result = runner.invoke(args=["pilot", "create-cohort", "--name", "pomona-2026", "--start", "2026-10-01",
                                 "--days", "30", "--target", "50", "--office", "Pomona", "--office", "LACOE FYS"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        cohort = db.session.execute(select(PilotCohort)).scalar_one()
        assert (cohort.length_days, cohort.target_participants, cohort.offices) == (30, 50, ["Pomona", "LACOE FYS"])
        csw = make_user("csw", email="casey@dcfs.lacounty.gov")
        make_user("scsw", email="sam@dcfs.lacounty.gov")
        make_user("pilot_coordinator", email="pat@lacoe.edu")
        db.session.commit()
        csw_id = csw.id
    result = runner.invoke(args=["pilot", "enroll", "Casey@dcfs.lacounty.gov", "sam@dcfs.lacounty.gov",
                                 "--cohort", "pomona-2026"])
    assert result.exit_code == 0, result.output
    assert "enrolled 2" in result.output
    with app.app_context():
        assert db.session.get(User, csw_id).pilot_cohort == "pomona-2026"
        changes = db.session.execute(select(AuditEvent).where(AuditEvent.action == "user.change")).scalars().all()
        assert len(changes) == 2 and all(c.details["to"] == "pomona-2026" for c in changes)
    status = runner.invoke(args=["pilot", "status"])
    assert status.exit_code == 0 and "enrolled 2/50" in status.output and "day 15 of 30" in status.output
    result = runner.invoke(args=["pilot", "unenroll", "casey@dcfs.lacounty.gov"])
    assert result.exit_code == 0
    with app.app_context():
        assert db.session.get(User, csw_id).pilot_cohort is None


def test_enroll_is_all_or_nothing(app, runner):
    runner.invoke(args=["pilot", "create-cohort", "--name", "c1", "--start", "2026-10-01"])
    with app.app_context():
        make_user("csw", email="one@dcfs.lacounty.gov")
        make_user("pilot_coordinator", email="coord@lacoe.edu")
        db.session.commit()
    missing = runner.invoke(args=["pilot", "enroll", "one@dcfs.lacounty.gov", "ghost@x.org", "--cohort", "c1"])
    assert missing.exit_code != 0 and "ghost@x.org" in missing.output
    wrong_role = runner.invoke(args=["pilot", "enroll", "one@dcfs.lacounty.gov", "coord@lacoe.edu", "--cohort", "c1"])
    assert wrong_role.exit_code != 0 and "coord@lacoe.edu" in wrong_role.output
    no_cohort = runner.invoke(args=["pilot", "enroll", "one@dcfs.lacounty.gov", "--cohort", "nope"])
    assert no_cohort.exit_code != 0
    with app.app_context():
        assert db.session.execute(select(User.pilot_cohort).where(User.pilot_cohort.is_not(None))).first() is None


def test_create_cohort_validation(app, runner):
    assert runner.invoke(args=["pilot", "create-cohort", "--name", "a", "--start", "2026-10-01"]).exit_code == 0
    assert runner.invoke(args=["pilot", "create-cohort", "--name", "a", "--start", "2026-10-01"]).exit_code != 0
    assert runner.invoke(args=["pilot", "create-cohort", "--name", "bad/name", "--start", "2026-10-01"]).exit_code != 0
    assert runner.invoke(args=["pilot", "create-cohort", "--name", "b", "--start", "10/01/2026"]).exit_code != 0
    assert runner.invoke(args=["pilot", "create-cohort", "--name", "b", "--start", "2026-10-01",
                               "--days", "0"]).exit_code != 0
