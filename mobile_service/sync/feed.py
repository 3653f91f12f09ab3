"""One page of a caseload sync: a full sync (no token) or the changes since a sync token.

What the app holds is what its token says (the student ids it was given); what it should hold
is the worker's own caseload list now (``caseload_list.caseload_members``, the rule of the
caseload screen, so a lapsed manual add is gone at once, whether or not the daily job ran).
The difference gives the students added and the tombstones; the change log after the token's
position gives, for the students kept, which record tabs changed. A new Los Angeles day also
refreshes the day-based figures (age, days at the school, the current school itself).

A sync of many pages reads the log up to the head the first page saw and delivers the
caseload the first page found, re-checked page by page: a student who left since then gets a
tombstone instead of data. The last page gives the next sync token.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, func, or_, select

from mobile_service import brief, caseload_list, clock
from mobile_service.caseload_cards import card_page
from mobile_service.caseload_list import Membership
from mobile_service.extensions import db
from mobile_service.models import Student, SyncChange
from mobile_service.models.sync import KIND_CASELOAD, KIND_RECORD_DELETED, KIND_REMOVED, KIND_SCOPE, TAB_KINDS
from mobile_service.scoping import PrincipalLike
from mobile_service.sync import tabs, tokens
from mobile_service.sync.tokens import PAGE, TOKEN, SyncState, resync

FULL, DELTA = "full", "delta"
ADDED, CHANGED = "added", "changed"
REMOVED, ACCESS_ENDED, RECORD_DELETED = "removed", "access_ended", "record_deleted"
TOMBSTONE_REASONS = (REMOVED, ACCESS_ENDED, RECORD_DELETED)
# The tabs whose figures count days from today (age, current school, days since a move).
DAY_TABS = ("demographics", "enrollments")

_HEAD = select(func.max(SyncChange.id))
_LOG = (select(SyncChange.student_id, SyncChange.user_id, SyncChange.kind)
        .where(SyncChange.id > bindparam("position"), SyncChange.id <= bindparam("head"),
               or_(SyncChange.student_id.in_(bindparam("held", expanding=True)) & SyncChange.user_id.is_(None),
                   SyncChange.user_id == bindparam("user_id"))))
_KEYS = select(Student.id, Student.student_key).where(Student.id.in_(bindparam("ids", expanding=True)))


@dataclass
class Page:
    """One page of a sync, ready for the schema; ``shown`` is what the audit names."""

    kind: str
    students: list[dict[str, Any]] = field(default_factory=list)
    tombstones: list[dict[str, Any]] = field(default_factory=list)
    shown: list[tuple[int, str]] = field(default_factory=list)
    next_cursor: str | None = None
    sync_token: str | None = None


@dataclass
class _Plan:
    upserts: dict[int, tuple[str, frozenset[str]]]  # student id -> (added/changed, tabs)
    tombstones: dict[int, str]  # student id -> reason


def token_max_age() -> int:
    """How old a sync token may be, in seconds (``SYNC_TOKEN_MAX_AGE_HOURS``)."""
    return current_app.config["SYNC_TOKEN_MAX_AGE_HOURS"] * 3600


def sync_page(principal: PrincipalLike, *, since: str | None, cursor: str | None, limit: int) -> Page:
    """Build one page of the principal's sync (the caller audits ``shown`` and commits)."""
    fresh: dict[int, Membership] | None = None
    if cursor:
        state = tokens.decode(cursor, kind=PAGE, user_id=principal.user_id,
                              max_age_seconds=tokens.PAGE_MAX_AGE_SECONDS, name="cursor")
        if not state.full and clock.utcnow().timestamp() - state.since_issued_at > token_max_age():
            raise resync("The sync token this sync started from is too old.")
    else:
        state, fresh = _first_state(principal, since)
    plan = _plan(principal, state)
    return _page(principal, state, plan, limit, fresh)


def _first_state(principal: PrincipalLike, since: str | None) -> tuple[SyncState, dict[int, Membership]]:
    today, now = clock.today(), int(clock.utcnow().timestamp())
    # The head first: data read after it is at least as new, so nothing up to it is missed.
    head = db.session.execute(_HEAD).scalar() or 0
    found = caseload_list.caseload_members([(principal.user_id, principal.dcfs_employee_id)])[principal.user_id]
    members = sorted(found)
    if since is None:
        return SyncState(position=head, day=today, issued_at=now, head=head, members=members, full=True,
                         since_day=today), found
    token = tokens.decode(since, kind=TOKEN, user_id=principal.user_id, max_age_seconds=token_max_age(),
                          name="since")
    if token.position > head:
        raise resync("This sync token is ahead of the server's change log (the data was restored).")
    return SyncState(position=token.position, day=today, issued_at=now, held=token.held, head=head,
                     members=members, since_issued_at=token.issued_at, since_day=token.day), found


def _plan(principal: PrincipalLike, state: SyncState) -> _Plan:
    members, held = set(state.members), set(state.held)
    if state.full:
        return _Plan({sid: (ADDED, frozenset(TAB_KINDS)) for sid in members}, {})
    changed: dict[int, set[str]] = defaultdict(set)
    refresh_cards: set[int] = set()
    removed_by_me, deleted_at_source = set(), set()
    scope_changed = False
    if state.head > state.position:
        rows = db.session.execute(_LOG, {"position": state.position, "head": state.head, "held": state.held,
                                         "user_id": principal.user_id})
        for student_id, user_id, kind in rows:
            if user_id is None:
                if kind == KIND_RECORD_DELETED:
                    deleted_at_source.add(student_id)
                else:
                    changed[student_id].add(kind)
            elif kind == KIND_SCOPE:
                scope_changed = True
            elif kind in (KIND_CASELOAD, KIND_REMOVED):
                refresh_cards.add(student_id)
                if kind == KIND_REMOVED:
                    removed_by_me.add(student_id)
    new_day = state.since_day != state.day
    upserts: dict[int, tuple[str, frozenset[str]]] = {sid: (ADDED, frozenset(TAB_KINDS)) for sid in members - held}
    for sid in members & held:
        tabs_changed = changed.get(sid, set()) | (set(DAY_TABS) if new_day else set())
        if tabs_changed or sid in refresh_cards or scope_changed:
            upserts[sid] = (CHANGED, frozenset(tabs_changed))
    tombstones = {sid: (REMOVED if sid in removed_by_me else RECORD_DELETED if sid in deleted_at_source
                        else ACCESS_ENDED) for sid in held - members}
    return _Plan(upserts, tombstones)


def _page(principal: PrincipalLike, state: SyncState, plan: _Plan, limit: int,
          fresh: dict[int, Membership] | None) -> Page:
    pending = sorted(sid for sid in (*plan.upserts, *plan.tombstones) if sid > state.after)
    batch, more = pending[:limit], len(pending) > limit
    page = Page(kind=FULL if state.full else DELTA)
    wanted = [sid for sid in batch if sid in plan.upserts]
    # Later pages re-check: a student who left the caseload since the first page gets no data.
    if fresh is not None:
        current = {sid: fresh[sid] for sid in wanted}
    else:
        current = (caseload_list.caseload_members([(principal.user_id, principal.dcfs_employee_id)], wanted)
                   [principal.user_id] if wanted else {})
    left = [sid for sid in wanted if sid not in current]
    goodbye = {sid: plan.tombstones[sid] for sid in batch if sid in plan.tombstones}
    if not state.full:
        goodbye.update(dict.fromkeys(left, ACCESS_ENDED))
    if current:
        page.students = _students(principal, current, plan)
        page.shown = [(sid, _basis(current[sid])) for sid in sorted(current)]
    if goodbye:
        keys = dict(db.session.execute(_KEYS, {"ids": sorted(goodbye)}).all())
        page.tombstones = [{"student_key": keys[sid], "reason": goodbye[sid]} for sid in sorted(goodbye) if sid in keys]
    # Students who left mid-sync are not in what the app now holds.
    members = [sid for sid in state.members if sid not in set(left)]
    if more:
        cursor = SyncState(position=state.position, day=state.day, issued_at=state.issued_at, held=state.held,
                           head=state.head, members=members, after=batch[-1], full=state.full,
                           since_issued_at=state.since_issued_at, since_day=state.since_day)
        page.next_cursor = tokens.encode(cursor, kind=PAGE, user_id=principal.user_id)
    else:
        token = SyncState(position=state.head, day=state.day, issued_at=state.issued_at, held=members)
        page.sync_token = tokens.encode(token, kind=TOKEN, user_id=principal.user_id)
    return page


def _basis(member: Membership) -> str:
    # The strongest basis first, as scoping.BASIS_ORDER: an open add ("caseload") before the feed.
    return "caseload" if member.entry is not None else "dcfs_assignment"


def _students(principal: PrincipalLike, current: dict[int, Membership], plan: _Plan) -> list[dict[str, Any]]:
    cards, _next, ids = card_page(current, today=clock.today(), limit=len(current), cursor=None,
                                  scope=f"sync:{principal.user_id}", user_id=principal.user_id)
    card_of = dict(zip(ids, cards))
    wanted = {sid: plan.upserts[sid][1] for sid in current}
    bodies = tabs.build(wanted, {sid: _basis(m) for sid, m in current.items()},
                        {sid: card["ssid"] for sid, card in card_of.items()})
    # The pre-visit brief travels whole with every entry, like the card (the response carries
    # one freshness stamp for all, so the brief's own is dropped).
    students = db.session.execute(select(Student).where(Student.id.in_(ids))).scalars().all() if ids else []
    brief_of = brief.briefs(students, clock.today())
    out = []
    for sid in ids:
        change, tabs_changed = plan.upserts[sid]
        summary = {k: v for k, v in brief_of[sid].items() if k != "freshness"}
        out.append({"student_key": card_of[sid]["student_key"], "change": change,
                    "tabs_changed": sorted(tabs_changed), "card": card_of[sid], "brief": summary, **bodies[sid]})
    return out


def cache_until(now: dt.datetime) -> dt.datetime:
    """Until when the app may keep what this sync delivered (``SYNC_CACHE_HOURS``)."""
    return now + dt.timedelta(hours=current_app.config["SYNC_CACHE_HOURS"])
