"""``rights_holder_changed``: the current case names another education rights holder.

Called by the foster-status recompute (``importing.tables.recompute_foster_status``), which
derives the student's holder from the current case after every DCFS load and in the daily job:
the holders are compared before its UPDATE, so the alert is raised in the same transaction as
the change. A change is another person (the name compared case- and space-insensitively), a
holder designated for a student who had none (a new JV-535 order), or the holder removed. Only
the student's first appearance in the DCFS feed (the load that brings their first case: no
earlier holder is known) raises nothing, so a first load of the county's cases is not a flood
of "changes". The alert stays open 30 days (``kinds.RECENT_DAYS``), or until the next change
replaces it.
"""
from __future__ import annotations

import datetime as dt
import hashlib

from mobile_service import clock
from mobile_service.alerts import kinds, store
from mobile_service.models import Alert


def changed_holders(sql, student_ids_sql: str, holder_sql: str,
                    earlier_cases_sql: str | None = None) -> list[tuple[int, str | None]]:
    """``(student_id, new holder)`` of the students whose holder the recompute is about to change.

    ``sql`` is the importer's ``Sql``; ``holder_sql`` the derived holder (it reads ``:today``).
    ``earlier_cases_sql`` (a DCFS load) selects the students who had a case before this load: a
    first holder of any other student is their first appearance, not a change. Without it (the
    daily recompute, a students load) every student's holder was known before.
    """
    known = "1"
    if earlier_cases_sql is not None:
        # A holder alert of theirs, even cleared, also means a holder was known (cases since removed).
        known = (f"CASE WHEN students.id IN ({earlier_cases_sql} UNION SELECT student_id FROM alerts "
                 f"WHERE kind = '{kinds.RIGHTS_HOLDER_CHANGED}') THEN 1 ELSE 0 END")
    rows = sql.rows(f"SELECT students.id, students.education_rights_holder, {holder_sql}, {known} FROM students "
                    f"WHERE students.id IN ({student_ids_sql}) "
                    f"AND {sql.differs('students.education_rights_holder', holder_sql)}", today=clock.today())
    return [(int(sid), new) for sid, old, new, was_known in rows
            if _folded(old) != _folded(new) and (old is not None or int(was_known))]


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

