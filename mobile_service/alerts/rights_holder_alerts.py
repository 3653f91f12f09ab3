"""``rights_holder_changed``: the current case names another education rights holder.

Called by the foster-status recompute (``importing.tables.recompute_foster_status``), which
derives the student's holder from the current case after every DCFS load and in the daily job:
the holders are compared before its UPDATE, so the alert is raised in the same transaction as
the change. A change is another person (the name compared case- and space-insensitively), or
the holder removed; a first holder on a student who had none is not a change (unless the
holder had been removed). The alert stays
open 30 days (``kinds.RECENT_DAYS``), or until the next change replaces it.
"""
from __future__ import annotations

import datetime as dt
import hashlib

from mobile_service import clock
from mobile_service.alerts import kinds, store
from mobile_service.models import Alert


def changed_holders(sql, student_ids_sql: str, holder_sql: str) -> list[tuple[int, str | None]]:
    """``(student_id, new holder)`` of the students whose holder the recompute is about to change.

    ``sql`` is the importer's ``Sql``; ``holder_sql`` the derived holder (it reads ``:today``).
    A first holder of a student who had none is not a change, unless the holder had been
    removed (an open "holder: none" alert): then the new one is news too.
    """
    rows = sql.rows(f"SELECT students.id, students.education_rights_holder, {holder_sql} FROM students "
                    f"WHERE students.id IN ({student_ids_sql}) "
                    f"AND {sql.differs('students.education_rights_holder', holder_sql)}", today=clock.today())
    changed = [(int(sid), old, new) for sid, old, new in rows if _folded(old) != _folded(new)]
    removed = {sid for sid, old, _ in changed if old is None}
    if removed:
        removed &= set(store.open_student_ids(kinds.RIGHTS_HOLDER_CHANGED, sorted(removed)))
    return [(sid, new) for sid, old, new in changed if old is not None or sid in removed]


def _folded(name: str | None) -> str:
    # The same person written with other spacing or capitals is no change of holder.
    return " ".join((name or "").split()).lower()


def basis(holder: str | None) -> str:
    """The fact of the alert without the name: a digest of the folded new holder's name."""
    folded = _folded(holder)
    return "holder:" + (hashlib.sha256(folded.encode()).hexdigest()[:16] if folded else "none")


def raise_changes(changes: list[tuple[int, str | None]], now: dt.datetime | None = None) -> int:
    """Raise one alert per changed student, clearing the previous change's open alert."""
    if not changes:
        return 0
    now = clock.utcnow() if now is None else now
    raised = 0
    by_student = dict(changes)
    for ids in store.chunks(by_student):
        wanted = {(sid, kinds.RIGHTS_HOLDER_CHANGED, ""): basis(by_student[sid]) for sid in ids}
        # Only the changed students: the others' open alerts stand (reconcile sees these ids only).
        raised += store.reconcile(ids, (kinds.RIGHTS_HOLDER_CHANGED,), wanted, now)[0]
    return raised


def expire(now: dt.datetime) -> int:
    """Clear holder-change alerts older than 30 days (the daily job)."""
    return store.clear_matching(now, Alert.kind == kinds.RIGHTS_HOLDER_CHANGED,
                                Alert.raised_at < now - dt.timedelta(days=kinds.RECENT_DAYS))

