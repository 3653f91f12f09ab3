"""Raising is idempotent under races (the one-open-alert index), and alerts are stamped at their commit."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from mobile_service import changelog, clock
from mobile_service.alerts import education_alerts, kinds, store
from mobile_service.extensions import db
from mobile_service.importing import run_import
from mobile_service.models import Alert
from tests.alerts.alert_helpers import ANA, ENROLL, POMONA
from tests.alerts.conftest import T0
from tests.concurrency import postgres_only, rendezvous, run_together
from tests.factories import make_student

KIND = kinds.NO_CURRENT_ENROLLMENT


def _open(student_id: int) -> list[tuple[str, str]]:
    rows = db.session.execute(select(Alert.kind, Alert.basis).where(
        Alert.student_id == student_id, Alert.cleared_at.is_(None))).all()
    return [tuple(r) for r in rows]


def test_raising_an_alert_already_open_is_a_no_op(ctx, frozen):
    kid = make_student()
    db.session.commit()
    now = clock.utcnow()
    assert store.add([((kid.id, KIND, ""), KIND)], now) == 1
    # A racing refresh that read "none open" before the first committed: already raised, no error.
    assert store.add([((kid.id, KIND, ""), KIND)], now) == 0
    assert store.add([((kid.id, KIND, ""), "another view of the fact")], now) == 0
    db.session.commit()
    assert _open(kid.id) == [(KIND, KIND)]
    # Cleared, the same key may be raised again (the index covers open alerts only).
    store.clear_matching(now, Alert.student_id == kid.id)
    assert store.add([((kid.id, KIND, ""), KIND)], now) == 1
    db.session.commit()
    assert len(db.session.execute(select(Alert.id).where(Alert.student_id == kid.id)).all()) == 2


@postgres_only
def test_two_refreshes_racing_on_one_student_raise_one_alert(app, frozen, monkeypatch):
    with app.app_context():
        student_id = make_student().id
        db.session.commit()
        db.session.remove()
    wait = rendezvous(2)
    real = store.open_rows

    def read_then_wait(student_ids, kinds_):
        found = real(student_ids, kinds_)
        wait()  # both transactions saw no open alert; both insert
        return found

    monkeypatch.setattr(store, "open_rows", read_then_wait)

    def refresh() -> tuple[int, int]:
        with app.app_context():
            result = education_alerts.refresh([student_id], clock.today(), clock.utcnow())
            db.session.commit()
            db.session.remove()
            return result

    results = run_together([refresh, refresh])
    assert sorted(results) == [(0, 0), (1, 0)]  # the loser found it raised: no IntegrityError
    with app.app_context():
        assert _open(student_id) == [(KIND, KIND)]
        db.session.remove()


def test_a_long_load_stamps_its_alerts_at_its_commit(ctx, loaded, csv_file, frozen, monkeypatch):
    # The load computes its alerts at T0, then works on for 10 minutes before it commits.
    real = changelog.finish_import

    def slow_finish(sql):
        frozen.advance(minutes=10)
        return real(sql)

    monkeypatch.setattr(changelog, "finish_import", slow_finish)
    exited = f"{ANA},2026-27,{POMONA},10,05,2026-08-13,2026-09-30,E150\n"
    run_import("enrollments", csv_file(ENROLL + exited))
    rows = db.session.execute(select(Alert.kind, Alert.raised_at, Alert.changed_at)).all()
    assert rows and {(r.raised_at, r.changed_at) for r in rows} == {(T0 + dt.timedelta(minutes=10),) * 2}
    assert KIND in {r.kind for r in rows}


def test_a_cleared_alert_is_stamped_at_the_commit_too(ctx, frozen):
    kid = make_student()
    db.session.commit()
    store.add([((kid.id, KIND, ""), KIND)], clock.utcnow())
    db.session.commit()
    store.clear_matching(clock.utcnow(), Alert.student_id == kid.id)
    later = frozen.advance(minutes=7)
    db.session.commit()
    [row] = db.session.execute(select(Alert.raised_at, Alert.cleared_at, Alert.changed_at)).all()
    assert (row.raised_at, row.cleared_at, row.changed_at) == (T0, later, later)


def test_a_rolled_back_refresh_leaves_nothing_to_stamp(ctx, frozen):
    kid = make_student()
    db.session.commit()
    store.add([((kid.id, KIND, ""), KIND)], clock.utcnow())
    db.session.rollback()
    assert store._WRITTEN not in db.session.info
    db.session.commit()
    assert _open(kid.id) == []
