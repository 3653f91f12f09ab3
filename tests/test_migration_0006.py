"""Migration 0006 (which follows 0005, the student keys) backfills the review state of existing manual adds
(SQLite and PostgreSQL)."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from sqlalchemy import select, text

from mobile_service.extensions import db
from mobile_service.models import CaseloadEntry
from tests.factories import make_user


def _student_at_0005(n: int) -> SimpleNamespace:
    stamp = dt.datetime(2026, 10, 1, 12, 0)
    student_id = db.session.execute(text(
        "INSERT INTO students (ssid, student_key, legal_first_name, legal_last_name, first_name_key, last_name_key, "
        "birth_date, homeless, foster_status, updated_at) VALUES (:ssid, :key, 'Ana', :last, 'ana', :last, :dob, "
        ":no, 'active', :at) RETURNING id"),
        {"ssid": f"{4100000000 + n}", "key": f"migration0006key{n:06d}", "last": f"testperson{n}",
         "dob": dt.date(2012, 3, 4), "no": False, "at": stamp}).scalar_one()
    return SimpleNamespace(id=student_id)


def test_existing_adds_get_expiry_and_state(blank_app):
    from flask_migrate import downgrade, upgrade

    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with blank_app.app_context():
        upgrade(revision="0005")
        worker, other = make_user("csw"), make_user("csw")
        # Students and cases as the schema of 0005 has them (the models carry later columns).
        old, recent, plain, assigned, feed_row = (_student_at_0005(n) for n in range(5))
        db.session.execute(text(
            "INSERT INTO dcfs_cases (student_id, case_id, case_type, case_status, csw_employee_id, assignment_start) "
            "VALUES (:s, '0000000000000000001', 'FR', 'open', :e, :d)"),
            {"s": assigned.id, "e": worker.dcfs_employee_id, "d": dt.date(2026, 1, 5)})
        db.session.commit()
        insert = text("INSERT INTO caseload_entries (user_id, student_id, origin, added_at, flagged, removed_at) "
                      "VALUES (:u, :s, :o, :at, :f, :r)")
        rows = [(worker.id, old.id, "added", now - dt.timedelta(days=40), True, None),
                (worker.id, recent.id, "added", now - dt.timedelta(days=2), True, None),
                (worker.id, plain.id, "added", now - dt.timedelta(days=90), False, None),
                (worker.id, assigned.id, "added", now - dt.timedelta(days=50), True, None),
                (other.id, feed_row.id, "feed", now, False, now)]
        for u, s, o, at, f, r in rows:
            # Stored the way the app stores them (naive UTC text on SQLite).
            at_value = at.replace(tzinfo=None) if db.engine.dialect.name == "sqlite" else at
            r_value = (r.replace(tzinfo=None) if r and db.engine.dialect.name == "sqlite" else r)
            db.session.execute(insert, {"u": u, "s": s, "o": o, "at": at_value, "f": f, "r": r_value})
        db.session.commit()
        ids = {"old": old.id, "recent": recent.id, "plain": plain.id, "assigned": assigned.id, "feed": feed_row.id}

        upgrade()
        got = {e.student_id: e for e in db.session.execute(select(CaseloadEntry)).scalars()}
        assert (got[ids["old"]].review_state, got[ids["old"]].expires_at) == ("pending", now - dt.timedelta(days=10))
        assert (got[ids["recent"]].review_state, got[ids["recent"]].expires_at) == ("pending",
                                                                                  now + dt.timedelta(days=28))
        assert (got[ids["plain"]].review_state, got[ids["plain"]].expires_at) == ("confirmed", None)
        assert (got[ids["assigned"]].review_state, got[ids["assigned"]].expires_at) == ("confirmed", None)
        assert got[ids["feed"]].review_state is None and got[ids["feed"]].expires_at is None
        db.session.remove()

        downgrade(revision="0005")
        columns = {row[1] for row in db.session.execute(text("PRAGMA table_info(caseload_entries)"))} \
            if db.engine.dialect.name == "sqlite" else set(db.session.execute(text(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'caseload_entries'")).scalars())
        assert "review_state" not in columns and "expires_at" not in columns
        db.session.remove()
        upgrade()
