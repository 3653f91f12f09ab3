"""``/readyz`` and the database's migrations (issue 13): ready at or AHEAD of this code's head, as long
as this code's migrations are a prefix of the database's history; not ready when behind.

Before: readiness required the database to be exactly at the pod's head, so a rollout that
migrates first took every old pod out of service. Migration 0010 records every applied revision
in ``alembic_version_history`` (env.py keeps it), which is how an older pod tells "ahead" from
"another history".
"""
# ruff: noqa: F811  (the blank_app fixture is imported)
from __future__ import annotations

import pytest
from sqlalchemy import text

from mobile_service.extensions import db
from mobile_service.readiness import schema_verdict

KNOWN = frozenset({"0001", "0002", "0003"})


@pytest.mark.parametrize(("current", "recorded", "ready"), [
    ("0003", None, True),    # at head
    ("0002", None, False),   # behind: this code's tables may be missing
    ("0001", None, False),
    (None, None, False),     # never migrated
    ("0004", True, True),    # ahead: the database applied our head on the way (expand, then contract)
    ("0004", False, False),  # unknown and our head not in its history: another history
])
def test_schema_verdict(current, recorded, ready):
    assert (schema_verdict(current, "0003", KNOWN, recorded) is None) is ready


def test_behind_and_foreign_reasons_say_which(current_head="0003"):
    assert "behind" in schema_verdict("0002", current_head, KNOWN, None)
    assert "unknown" in schema_verdict("0099", current_head, KNOWN, False)


def _ready(app):
    return app.test_client().get("/readyz")


def _history(app) -> list[str]:
    with app.app_context():
        rows = db.session.execute(text("SELECT revision FROM alembic_version_history ORDER BY revision")).scalars()
        return list(rows)


def _set_version(app, revision: str) -> None:
    with app.app_context():
        db.session.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
        db.session.commit()


def test_migrations_record_every_applied_revision(blank_app):
    from flask_migrate import downgrade, upgrade

    known = blank_app.extensions["migrations_known"]
    head = blank_app.extensions["migrations_head"]
    with blank_app.app_context():
        upgrade()
    assert _history(blank_app) == sorted(known) and head in known
    assert _ready(blank_app).get_json() == {"status": "ready"}
    with blank_app.app_context():
        downgrade(revision="0009")
        upgrade()
    assert _history(blank_app) == sorted(known)


def test_ready_when_the_database_is_ahead_with_our_head_in_its_history(blank_app):
    from flask_migrate import upgrade

    with blank_app.app_context():
        upgrade()
        # A newer release migrated first (expand): it applied a revision this pod's code does not know.
        db.session.execute(text("INSERT INTO alembic_version_history (revision) VALUES ('9001_newer')"))
        db.session.commit()
    _set_version(blank_app, "9001_newer")
    response = _ready(blank_app)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"status": "ready"}


def test_not_ready_when_an_unknown_revision_lacks_our_head(blank_app):
    from flask_migrate import upgrade

    head = blank_app.extensions["migrations_head"]
    with blank_app.app_context():
        upgrade()
        db.session.execute(text("DELETE FROM alembic_version_history WHERE revision = :r"), {"r": head})
        db.session.commit()
    _set_version(blank_app, "9001_other")
    response = _ready(blank_app)
    assert response.status_code == 503
    assert "unknown" in response.get_json()["checks"]["database"]


def test_not_ready_when_the_database_is_behind(blank_app):
    from flask_migrate import upgrade

    with blank_app.app_context():
        upgrade(revision="0009")
    response = _ready(blank_app)
    assert response.status_code == 503
    assert "behind" in response.get_json()["checks"]["database"]
    assert response.headers["Retry-After"]
