"""users (the EPS Portal registry): upsert by e-mail, maintain supervision links, end the
sessions of deactivated users. Registry files are small (thousands of rows), so this kind is
planned in Python, but still read and written with a fixed number of bulk statements."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import insert, update

from mobile_service import audit, clock
from mobile_service.extensions import db
from mobile_service.importing.source import ErrorLog
from mobile_service.importing.tables import Counts
from mobile_service.models import ROLE_CSW, ROLE_SCSW, Supervision, User

FIELDS = ("display_name", "role", "dcfs_employee_id", "office", "pilot_cohort", "active")
BATCH = 1000


def _fetch(column, values: Iterable[str]) -> dict[str, User]:
    """Users whose ``column`` is one of ``values``, keyed by that value (in IN-list batches)."""
    values = sorted(set(values))
    found: dict[str, User] = {}
    for start in range(0, len(values), BATCH):
        chunk = values[start:start + BATCH]
        for user in db.session.execute(db.select(User).where(column.in_(chunk))).scalars():
            found[getattr(user, column.key)] = user
    return found


def load(rows: Iterable[tuple], log: ErrorLog) -> Counts | None:
    """Check and apply a users file; ``None`` when rows were rejected.

    Rows are ``(line, email, display_name, role, dcfs_employee_id, office, supervisor_email,
    pilot_cohort, active)``.
    """
    parsed: list[tuple] = []
    by_email: dict[str, tuple] = {}
    by_employee: dict[str, tuple] = {}
    for row in rows:
        line, email, employee_id = row[0], row[1], row[4]
        if email in by_email:
            log.add(line, "email", f"duplicate of line {by_email[email][0]}")
            continue
        if employee_id and employee_id in by_employee:
            log.add(line, "dcfs_employee_id", f"also given on line {by_employee[employee_id][0]}")
            continue
        by_email[email] = row
        if employee_id:
            by_employee[employee_id] = row
        parsed.append(row)

    existing = _fetch(User.email, [*by_email, *(r[6] for r in parsed if r[6])])
    for employee_id, holder in _fetch(User.dcfs_employee_id, by_employee).items():
        row = by_employee[employee_id]
        moving_away = holder.email in by_email and by_email[holder.email][4] != employee_id
        if holder.email != row[1] and not moving_away:
            log.add(row[0], "dcfs_employee_id", "already belongs to another registered user")
    for line, _email, _name, role, _emp, _office, supervisor, _cohort, _active in parsed:
        if supervisor is None or role != ROLE_CSW:
            continue
        if supervisor in by_email:
            sup_role, sup_active = by_email[supervisor][3], by_email[supervisor][8]
        elif supervisor in existing:
            sup_role, sup_active = existing[supervisor].role, existing[supervisor].active
        else:
            log.add(line, "supervisor_email", "is not a registered user (nor in this file)")
            continue
        if sup_role != ROLE_SCSW:
            log.add(line, "supervisor_email", f"is a {sup_role}, not an scsw")
        elif not sup_active:
            log.add(line, "supervisor_email", "is not an active user")
    if log.total:
        return None
    return _apply(parsed, existing)


def _apply(parsed: list[tuple], existing: dict[str, User]) -> Counts:
    # Imported here: the registry module uses this package's field parsers.
    from mobile_service.user_registry import REVOKED_DEACTIVATED, end_open_links, note_scope_change, revoke_sessions

    now, today = clock.utcnow(), clock.today()
    new_rows, updates, changed_fields = [], [], {}
    deactivated: list[int] = []
    for _line, email, name, role, employee_id, office, _sup, cohort, active in parsed:
        values = {"display_name": name, "role": role, "dcfs_employee_id": employee_id, "office": office,
                      "pilot_cohort": cohort, "active": active}
        user = existing.get(email)
        if user is None:
            new_rows.append(dict(email=email, token_version=1, created_at=now, **values))
            continue
        diff = [f for f in FIELDS if getattr(user, f) != values[f]]
        if not diff:
            continue
        row = dict(id=user.id, **values)
        if user.active and not active:
            deactivated.append(user.id)
        if "role" in diff or (user.active and not active):
            row["token_version"] = user.token_version + 1
            diff.append("token_version")
        updates.append(row)
        changed_fields[email] = diff
    if new_rows:
        db.session.execute(insert(User), new_rows)
    if updates:
        db.session.execute(update(User), updates)
    if deactivated:
        revoke_sessions(deactivated, REVOKED_DEACTIVATED, now)

    ids = {u.email: u for u in _fetch(User.email, [r[1] for r in parsed]).values()}
    supervisors = _fetch(User.email, [r[6] for r in parsed if r[6]])
    links = _open_links([u.id for u in ids.values()])
    to_end, to_start = [], []
    for _line, email, _name, role, _emp, _office, supervisor_email, _cohort, _active in parsed:
        user = ids[email]
        wanted = supervisors[supervisor_email].id if supervisor_email and role == ROLE_CSW else None
        current = links.get(user.id)
        if current == wanted:
            continue
        if current is not None:
            to_end.append(user.id)
        if wanted is not None:
            to_start.append({"supervisor_id": wanted, "worker_id": user.id, "start_date": today})
        changed_fields.setdefault(email, []).append("supervisor")
    # A user who stopped being an scsw no longer supervises anyone.
    former = [ids[r[1]].id for r in parsed if r[3] != ROLE_SCSW and "role" in changed_fields.get(r[1], ())]
    end_open_links(worker_ids=to_end, supervisor_ids=former, today=today)
    if to_start:
        db.session.execute(insert(Supervision), to_start)
    # A new supervision, or a new DCFS employee id (a different feed caseload), changes a scope.
    note_scope_change([*(link[key] for link in to_start for key in ("supervisor_id", "worker_id")),
                       *(ids[email].id for email, diff in changed_fields.items() if "dcfs_employee_id" in diff)])

    inserted = {r["email"] for r in new_rows}
    for email in sorted(inserted | set(changed_fields)):
        change = "import_add" if email in inserted else "import_update"
        fields_changed = FIELDS if email in inserted else changed_fields[email]
        audit.record(None, "user.change", details={"user_id": ids[email].id, "change": change,
                                                   "fields": sorted(set(fields_changed))})
    total = len(parsed)
    updated = len(set(changed_fields) - inserted)
    return Counts(total, len(inserted), updated, total - len(inserted) - updated)


def _open_links(worker_ids: list[int]) -> dict[int, int]:
    """Current supervisor id of each worker (bulk)."""
    links: dict[int, int] = {}
    for start in range(0, len(worker_ids), BATCH):
        chunk = worker_ids[start:start + BATCH]
        query = (db.select(Supervision.worker_id, Supervision.supervisor_id)
                 .where(Supervision.worker_id.in_(chunk), Supervision.end_date.is_(None))
                 .order_by(Supervision.start_date, Supervision.id))
        for worker_id, supervisor_id in db.session.execute(query):
            links[worker_id] = supervisor_id
    return links
