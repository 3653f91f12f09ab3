"""The registry: the users import kind and the ``users`` CLI."""
from __future__ import annotations

import datetime as dt

import pytest

from mobile_service.extensions import db
from mobile_service.importing import ImportRejected, run_import
from mobile_service.models import AuditEvent, RefreshFamily, Supervision, User
from tests.factories import app_token_for, make_user
from tests.importing.import_helpers import count, rows

HEADER = "email,display_name,role,dcfs_employee_id,office,supervisor_email,pilot_cohort,active"
BASE = [
    "worker@dcfs.lacounty.gov,Wanda Worker,csw,E000001,Pomona,boss@dcfs.lacounty.gov,pilot-1,Y",
    "boss@dcfs.lacounty.gov,Bob Boss,scsw,E000002,Pomona,,pilot-1,Y",
    "boss2@dcfs.lacounty.gov,Bea Boss,scsw,E000003,Pomona,,pilot-1,Y",
]


def _load(csv_file, *lines: str, name: str = "users.csv"):
    return run_import("users", csv_file(HEADER + "\n" + "\n".join(lines) + "\n", name))


def _user(email: str) -> User:
    return db.session.execute(db.select(User).where(User.email == email)).scalar_one()


def _links(email: str) -> list[tuple]:
    worker = _user(email)
    found = db.session.execute(db.select(Supervision.supervisor_id, Supervision.start_date, Supervision.end_date)
                               .where(Supervision.worker_id == worker.id).order_by(Supervision.id)).all()
    return [tuple(r) for r in found]


def test_users_file_creates_users_and_supervision(ctx, csv_file, frozen_clock):
    result = _load(csv_file, *BASE)

    assert (result.inserted, result.updated, result.unchanged) == (3, 0, 0)
    worker, boss = _user("worker@dcfs.lacounty.gov"), _user("boss@dcfs.lacounty.gov")
    assert (worker.role, worker.dcfs_employee_id, worker.office, worker.pilot_cohort, worker.active,
            worker.token_version) == ("csw", "E000001", "Pomona", "pilot-1", True, 1)
    assert worker.entra_object_id is None
    assert _links("worker@dcfs.lacounty.gov") == [(boss.id, frozen_clock.date(), None)]
    assert rows("SELECT source FROM source_loads") == [("registry",)]
    changes = db.session.execute(db.select(AuditEvent).where(AuditEvent.action == "user.change")).scalars().all()
    assert len(changes) == 3
    assert all("@" not in str(event.details) for event in changes)


def test_changed_supervisor_ends_the_old_link(ctx, csv_file, frozen_clock):
    _load(csv_file, *BASE)
    boss2 = _user("boss2@dcfs.lacounty.gov")

    result = _load(csv_file, BASE[0].replace("boss@", "boss2@"), *BASE[1:], name="users2.csv")

    assert (result.updated, result.unchanged) == (1, 2)
    links = _links("worker@dcfs.lacounty.gov")
    # Ended at once: the old link's last day in force is yesterday (issue 11), no overlap today.
    assert links[0][2] == frozen_clock.date() - dt.timedelta(days=1)
    assert links[1] == (boss2.id, frozen_clock.date(), None)


def test_blank_supervisor_ends_the_link(ctx, csv_file, frozen_clock):
    _load(csv_file, *BASE)

    _load(csv_file, BASE[0].replace("boss@dcfs.lacounty.gov", ""), *BASE[1:], name="users2.csv")

    assert [link[2] for link in _links("worker@dcfs.lacounty.gov")] == [frozen_clock.date() - dt.timedelta(days=1)]


def test_deactivation_bumps_token_version_and_ends_sessions(ctx, csv_file, frozen_clock):
    _load(csv_file, *BASE)
    worker = _user("worker@dcfs.lacounty.gov")
    app_token_for(worker)
    app_token_for(worker)

    result = _load(csv_file, BASE[0][:-1] + "N", *BASE[1:], name="users2.csv")

    assert result.updated == 1
    db.session.expire_all()
    worker = _user("worker@dcfs.lacounty.gov")
    assert (worker.active, worker.token_version) == (False, 2)
    families = db.session.execute(db.select(RefreshFamily).where(RefreshFamily.user_id == worker.id)).scalars().all()
    assert len(families) == 2
    assert all(f.revoked_at == frozen_clock and f.revoked_reason == "user_deactivated" for f in families)


def test_deactivated_user_cannot_call_the_api(app, client, csv_file, frozen_clock):
    with app.app_context():
        _load(csv_file, *BASE)
        token = app_token_for(_user("worker@dcfs.lacounty.gov"))
        _load(csv_file, BASE[0][:-1] + "false", *BASE[1:], name="users2.csv")

    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 401


def test_role_change_bumps_token_version(ctx, csv_file):
    _load(csv_file, *BASE)

    _load(csv_file, BASE[0].replace(",csw,", ",scsw,").replace("boss@dcfs.lacounty.gov", ""), *BASE[1:],
          name="users2.csv")

    assert _user("worker@dcfs.lacounty.gov").token_version == 2
    assert _user("boss@dcfs.lacounty.gov").token_version == 1


def test_entra_binding_is_never_touched(ctx, csv_file):
    _load(csv_file, *BASE)
    worker = _user("worker@dcfs.lacounty.gov")
    worker.entra_tenant_id, worker.entra_object_id = "t" * 36, "o" * 36
    db.session.commit()

    _load(csv_file, BASE[0].replace("Pomona", "Lancaster", 1), *BASE[1:], name="users2.csv")

    db.session.expire_all()
    worker = _user("worker@dcfs.lacounty.gov")
    assert (worker.office, worker.entra_tenant_id, worker.entra_object_id) == ("Lancaster", "t" * 36, "o" * 36)


def test_employee_id_of_another_user_is_rejected(ctx, csv_file):
    make_user(email="other@dcfs.lacounty.gov", dcfs_employee_id="E000001")
    db.session.commit()

    with pytest.raises(ImportRejected) as rejected:
        _load(csv_file, *BASE)

    assert rejected.value.errors == ["line 2: dcfs_employee_id: already belongs to another registered user"]
    assert count("users") == 1


def test_supervisor_must_be_an_active_scsw(ctx, csv_file):
    with pytest.raises(ImportRejected) as rejected:
        _load(csv_file, BASE[0], BASE[1][:-1] + "N")

    assert rejected.value.errors == ["line 2: supervisor_email: is not an active user"]


# --- the users CLI -------------------------------------------------------------------------------


def _cli(runner, *args):
    return runner.invoke(args=["users", *args])


def test_cli_add_list_and_supervision(app, runner, frozen_clock):
    assert _cli(runner, "add", "--email", "Boss@DCFS.lacounty.gov", "--name", "Bob Boss", "--role", "scsw",
                "--employee-id", "E2", "--office", "Pomona").exit_code == 0
    result = _cli(runner, "add", "--email", "w@dcfs.lacounty.gov", "--name", "W", "--role", "csw",
                  "--employee-id", "E1", "--cohort", "pilot-1", "--supervisor", "boss@dcfs.lacounty.gov")
    assert result.exit_code == 0, result.output

    listing = _cli(runner, "list", "--role", "csw")

    assert listing.exit_code == 0
    assert "w@dcfs.lacounty.gov\tcsw\tE1\t-\tpilot-1\tyes\t1\tboss@dcfs.lacounty.gov" in listing.output
    assert "boss@dcfs.lacounty.gov\tscsw" not in listing.output
    with app.app_context():
        assert len(_links("w@dcfs.lacounty.gov")) == 1
        actions = [e.details["change"] for e in db.session.execute(db.select(AuditEvent)).scalars()]
        assert actions == ["add", "add"]


@pytest.mark.parametrize("args,message", [
    (["add", "--email", "nope", "--name", "X", "--role", "csw", "--employee-id", "E9"], "not an e-mail address"),
    (["add", "--email", "x@dcfs.lacounty.gov", "--name", "X", "--role", "csw"], "--employee-id is required"),
    (["add", "--email", "w@dcfs.lacounty.gov", "--name", "X", "--role", "admin"], "already registered"),
    (["add", "--email", "x@dcfs.lacounty.gov", "--name", "X", "--role", "scsw", "--employee-id", "E1"],
     "already belongs to another user"),
    (["add", "--email", "x@dcfs.lacounty.gov", "--name", "X", "--role", "csw", "--employee-id", "E7",
      "--supervisor", "w@dcfs.lacounty.gov"], "only an scsw can supervise"),
    (["deactivate", "ghost@dcfs.lacounty.gov"], "no user is registered"),
    (["activate", "w@dcfs.lacounty.gov"], "already active"),
    (["set-supervisor", "boss@dcfs.lacounty.gov", "w@dcfs.lacounty.gov"], "only a csw can be supervised"),
    (["set-supervisor", "w@dcfs.lacounty.gov", "w@dcfs.lacounty.gov"], "only an scsw can supervise"),
    (["end-supervision", "w@dcfs.lacounty.gov"], "has no current supervisor"),
])
def test_cli_validation_errors(app, runner, args, message):
    with app.app_context():
        make_user(email="w@dcfs.lacounty.gov", role="csw", dcfs_employee_id="E1")
        make_user(email="boss@dcfs.lacounty.gov", role="scsw", dcfs_employee_id="E2")
        db.session.commit()

    result = _cli(runner, *args)

    assert result.exit_code != 0
    assert message in result.output
    with app.app_context():
        assert count("users") == 2 and count("supervisions") == 0 and count("audit_events") == 0


def test_cli_deactivate_activate_and_bump(app, runner, frozen_clock):
    with app.app_context():
        worker = make_user(email="w@dcfs.lacounty.gov", role="csw")
        app_token_for(worker)
        worker_id = worker.id

    assert _cli(runner, "deactivate", "W@dcfs.lacounty.gov").exit_code == 0
    with app.app_context():
        assert rows("SELECT active, token_version FROM users WHERE id = :i", i=worker_id) == [(False, 2)]
        assert count("refresh_families", "user_id = :i AND revoked_at IS NOT NULL", i=worker_id) == 1
    assert _cli(runner, "list").output.count("w@dcfs.lacounty.gov") == 0
    assert "w@dcfs.lacounty.gov" in _cli(runner, "list", "--inactive").output

    assert _cli(runner, "activate", "w@dcfs.lacounty.gov").exit_code == 0
    result = _cli(runner, "bump-token-version", "w@dcfs.lacounty.gov")
    assert result.exit_code == 0 and "is now 3" in result.output
    with app.app_context():
        assert rows("SELECT active, token_version FROM users WHERE id = :i", i=worker_id) == [(True, 3)]
        changes = [e.details for e in db.session.execute(db.select(AuditEvent).order_by(AuditEvent.id)).scalars()]
        assert [c["change"] for c in changes] == ["deactivate", "activate", "bump_token_version"]
        assert all(c["user_id"] == worker_id for c in changes)


def test_cli_set_and_end_supervision(app, runner, frozen_clock):
    with app.app_context():
        make_user(email="w@dcfs.lacounty.gov", role="csw")
        first = make_user(email="boss@dcfs.lacounty.gov", role="scsw")
        second = make_user(email="boss2@dcfs.lacounty.gov", role="scsw")
        db.session.commit()
        first_id, second_id = first.id, second.id
    today = frozen_clock.date()
    yesterday = today - dt.timedelta(days=1)  # a link ended today is not in force today (issue 11)

    assert _cli(runner, "set-supervisor", "w@dcfs.lacounty.gov", "boss@dcfs.lacounty.gov").exit_code == 0
    assert _cli(runner, "set-supervisor", "w@dcfs.lacounty.gov", "boss@dcfs.lacounty.gov").exit_code == 1
    assert _cli(runner, "set-supervisor", "w@dcfs.lacounty.gov", "boss2@dcfs.lacounty.gov").exit_code == 0
    with app.app_context():
        assert _links("w@dcfs.lacounty.gov") == [(first_id, today, yesterday), (second_id, today, None)]

    assert _cli(runner, "end-supervision", "w@dcfs.lacounty.gov").exit_code == 0
    with app.app_context():
        assert _links("w@dcfs.lacounty.gov")[-1] == (second_id, today, yesterday)
        assert count("supervisions", "end_date IS NULL") == 0
    assert isinstance(today, dt.date)
