"""Sync tokens and sync page cursors: opaque, encrypted, bound to the user.

A *sync token* (``since``) says what the app holds: the change-log position it has seen, the
Los Angeles day its figures were computed on, when it was issued, and the ids of the students
it holds. A *page cursor* continues one sync: the same, plus the log head the sync reads up to,
the students the first page found on the caseload, and where the next page starts.

Both are AES-GCM ciphertext (key derived from ``SECRET_KEY`` for this purpose alone) with the
user id and the kind in the authenticated data: another user's token, a cursor given as a
token, or a tampered one fails authentication and answers 410 "resync". Decoded they reveal
nothing, not even how many students the app holds beyond the token's length.
"""
from __future__ import annotations

import base64
import binascii
import datetime as dt
import os
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag

from mobile_service import clock
from mobile_service.errors import APIError
from mobile_service.pagination import derived_cipher

_INFO = b"lacoe-mobile sync token v1"
_VERSION = 1
_NONCE = 12
_TAG = 16
TOKEN, PAGE = 1, 2
CLOCK_SKEW_SECONDS = 60
PAGE_MAX_AGE_SECONDS = 3600  # one sync's pages follow each other within minutes


@dataclass
class SyncState:
    """What a token or cursor carries (ids sorted ascending)."""

    position: int  # change-log id seen (token) / read from (cursor)
    day: dt.date  # the Los Angeles day the delivered figures were computed on
    issued_at: int  # UNIX seconds
    held: list[int] = field(default_factory=list)  # token: students the app holds; cursor: the caller's since-set
    head: int = 0  # cursor: the change-log id this sync reads up to
    members: list[int] = field(default_factory=list)  # cursor: the caseload found by the first page
    after: int = 0  # cursor: the last student id delivered
    full: bool = False  # cursor: a full sync (no since token)
    since_issued_at: int = 0  # cursor: when the since token was issued (its age still counts)
    since_day: dt.date = dt.date.min  # cursor: the since token's day (a new day refreshes day-based figures)


def resync(detail: str) -> APIError:
    """The 410 that tells the app to drop its sync token and run a full sync."""
    return APIError(410, f"{detail} Resync: call again without since (a full sync).", problem_code="resync")


def malformed(name: str) -> APIError:
    """The 422 for a value that is not a token or cursor at all."""
    return APIError(422, "One or more fields are invalid; see errors.",
                    errors={"query": {name: ["Not a sync token or cursor of this service; resync without it."]}})


def _varint(value: int, out: bytearray) -> None:
    if value < 0:
        raise ValueError("negative")
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return


class _Reader:
    def __init__(self, raw: bytes):
        self.raw, self.at = raw, 0

    def varint(self) -> int:
        value = shift = 0
        while True:
            if self.at >= len(self.raw) or shift > 63:
                raise ValueError("truncated")
            byte = self.raw[self.at]
            self.at += 1
            value |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return value
            shift += 7

    def ids(self) -> list[int]:
        count, last, ids = self.varint(), 0, []
        if count > len(self.raw):
            raise ValueError("bad count")
        for _ in range(count):
            last += self.varint()
            ids.append(last)
        return ids


def _ids(ids: list[int], out: bytearray) -> None:
    _varint(len(ids), out)
    last = 0
    for value in ids:
        _varint(value - last, out)
        last = value


def _aad(kind: int, user_id: int) -> bytes:
    return f"sync\x00{kind}\x00{user_id}".encode()


def encode(state: SyncState, *, kind: int, user_id: int) -> str:
    """Seal a token (``TOKEN``) or a page cursor (``PAGE``) for ``user_id``."""
    out = bytearray([_VERSION])
    for value in (state.issued_at, state.day.toordinal(), state.position):
        _varint(value, out)
    _ids(state.held, out)
    if kind == PAGE:
        for value in (state.head, state.after, int(state.full), state.since_issued_at, state.since_day.toordinal()):
            _varint(value, out)
        _ids(state.members, out)
    nonce = os.urandom(_NONCE)
    sealed = derived_cipher(_INFO, "sync_cipher").encrypt(nonce, bytes(out), _aad(kind, user_id))
    return base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode()


def decode(text: str, *, kind: int, user_id: int, max_age_seconds: int, name: str) -> SyncState:
    """Open a token or cursor of ``user_id``: 422 when it is not one at all, 410 when unusable."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise malformed(name) from exc
    if len(raw) <= _NONCE + _TAG:
        raise malformed(name)
    try:
        plain = derived_cipher(_INFO, "sync_cipher").decrypt(raw[:_NONCE], raw[_NONCE:], _aad(kind, user_id))
    except InvalidTag as exc:
        # Another user's, another kind, altered, or sealed under a rotated SECRET_KEY.
        raise resync(f"This {'sync token' if kind == TOKEN else 'page cursor'} is not valid for you.") from exc
    try:
        reader = _Reader(plain[1:])
        if plain[0] != _VERSION:
            raise ValueError("version")
        state = SyncState(position=0, day=dt.date.min, issued_at=0)
        state.issued_at, day, state.position = reader.varint(), reader.varint(), reader.varint()
        state.day = dt.date.fromordinal(day)
        state.held = reader.ids()
        if kind == PAGE:
            state.head, state.after, full, state.since_issued_at, since_day = (reader.varint() for _ in range(5))
            state.full, state.since_day = bool(full), dt.date.fromordinal(since_day)
            state.members = reader.ids()
    except (ValueError, IndexError, OverflowError) as exc:
        raise resync("This sync token is from an older version of the service.") from exc
    age = clock.utcnow().timestamp() - state.issued_at
    if age < -CLOCK_SKEW_SECONDS:
        raise resync("This sync token is from the future (the server's clock or data was reset).")
    if age > max_age_seconds:
        raise resync("This sync token is too old: the cached data has expired.")
    return state
