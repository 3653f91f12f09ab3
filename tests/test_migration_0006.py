"""Migration 0006 (which follows 0005, the student keys) backfills the review state of existing manual adds
(SQLite and PostgreSQL)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select, text

from mobile_service.extensions import db
from mobile_service.models import CaseloadEntry
from tests.factories import make_student, make_user


def test_existing_adds_get_expiry_and_state(blank_app):
    from flask_migrate import downgrade, upgrade

    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with blank_app.app_context():
        upgrade(revision="0005")
        worker, other = make_user("csw"), make_user("csw")
        old, recent, plain, assigned, feed_row = (make_student() for _ in range(5))
        # The 0005 columns only: the ORM model has columns of later migrations (placements, 0015).
        db.session.execute(text("INSERT INTO dcfs_cases (student_id, case_id, case_type, case_status, csw_employee_id, "
                                "assignment_start) VALUES (:s, '0000000000000000001', 'FR', 'open', :e, :d)"),
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
