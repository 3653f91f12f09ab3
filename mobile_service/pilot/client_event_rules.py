"""What an app error report may say: the refusal rules and the scrubbing of its short message.

The app's development tools send crashes, failed calls and slow screens from phones that show
children's records. A report is diagnostics, never data: the device reduces a stack trace to a
signature (a hash) and sends at most a short message. The service refuses (422) a report whose
text fields contain anything shaped like

- an SSID: a run of 10 or more digits (any script), also when spaced or dashed (``400 000 0001``);
- a date (a date of birth cannot be told from any other date): ``2015-03-04``, ``3/4/2015``,
  ``03-04-15``, ``20150304``/``03042015`` when they read as a calendar date, ``March 4, 2015``,
  ``4 Mar 2015``;
- an e-mail address: ``name@domain.tld``.

The signature is a lowercase hex hash and the request id has its own format (hex digests and
UUIDs often hold 10 digits in a row), so they are checked for dates, e-mails and an SSID-only
value instead of the digit-run rule. ``app_version`` and ``os_version`` are held to their own
version formats, and real versions read as dates (``16.7.10``, ``2.10.15``, ``2024.10.1``), so
they are checked for SSIDs and e-mails only. ``screen`` and ``error_code`` are shown to
coordinators as they are, so a segment of them shaped like an opaque student key is refused too
(:func:`key_segment_in`). What passes is then scrubbed (:func:`scrub`). The rules are
documented in docs/mobile-integration.md ("App error reports").
"""
from __future__ import annotations

import datetime as dt
import re

from mobile_service.identifiers import is_student_key

MESSAGE_MAX = 200
_MONTHS = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
           r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_SSID_LIKE = re.compile(r"\d(?:[ .\-]?\d){9,}")
_DATE_LIKE = re.compile(
    r"(?<!\d)(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})(?!\d)"
    rf"|\b{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{2,4}}\b"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS}\.?,?\s+\d{{2,4}}\b",
    re.IGNORECASE)
_EIGHT_DIGITS = re.compile(r"(?<!\d)\d{8}(?!\d)")
_EMAIL_LIKE = re.compile(r"[^\s@<>()\"',;]+@[^\s@<>()\"',;]+\.[^\s@<>()\"',;]+")
_SSID_ONLY = re.compile(r"\A\d{10}\Z")
# Scrubbing: an opaque student key (22 base64url characters with a digit and a letter) and the
# query string of a URL are removed; digit runs of 5-9 (record counts, ids) become "#".
_STUDENT_KEY_LIKE = re.compile(r"(?<![A-Za-z0-9_-])(?=[A-Za-z0-9_-]*[0-9])(?=[A-Za-z0-9_-]*[A-Za-z])"
                               r"[A-Za-z0-9_-]{22}(?![A-Za-z0-9_-])")
_SEGMENT_SEPARATORS = re.compile(r"[/.:]")
_QUERY = re.compile(r"\?\S*")
_LONG_NUMBER = re.compile(r"\d{5,}")
_SPACE = re.compile(r"\s+")

IDENTIFIER_RULES = {
    "ssid": "Must not contain anything shaped like an SSID (10 or more digits).",
    "date": "Must not contain a date (dates of birth cannot be told from other dates).",
    "email": "Must not contain an e-mail address.",
    "student_key": "Must not contain a segment shaped like a student key (22 letters, digits, _ or -): "
                   "send the route template (students/:key/attendance), never a value.",
}


def _calendar_date(digits: str) -> bool:
    """Whether 8 digits read as YYYYMMDD or MMDDYYYY with a year from 1900 to 2100."""
    for year, month, day in ((digits[:4], digits[4:6], digits[6:]), (digits[4:], digits[:2], digits[2:4])):
        if 1900 <= int(year) <= 2100:
            try:
                dt.date(int(year), int(month), int(day))
            except ValueError:
                continue
            return True
    return False


def identifier_in(text: str, *, digit_runs: bool = True, dates: bool = True) -> str | None:
    """The first rule ``text`` breaks (``ssid``, ``date``, ``email``), or None when it is clean.

    ``dates=False`` is for version strings only: their own formats already keep free text out,
    and ``16.7.10`` or ``2024.10.1`` is a release, not a date of birth.
    """
    if digit_runs and _SSID_LIKE.search(text):
        return "ssid"
    if not digit_runs and _SSID_ONLY.match(text):
        return "ssid"
    if _EMAIL_LIKE.search(text):
        return "email"
    if dates and (_DATE_LIKE.search(text) or any(_calendar_date(m.group()) for m in _EIGHT_DIGITS.finditer(text))):
        return "date"
    return None


def key_segment_in(text: str, *, digitless: bool = True) -> bool:
    """Whether a ``/``, ``.`` or ``:`` separated segment of ``text`` is shaped like an opaque student key.

    A key is 16 random bytes (22 base64url characters); about 2 in 100 keys hold no digit, so a
    screen refuses every 22-character segment. ``digitless=False`` (error codes) asks for a digit
    as well, as the message scrubbing does: exception class names such as
    ``SocketTimeoutException`` are 22 letters long.
    """
    return any(is_student_key(part) and (digitless or _STUDENT_KEY_LIKE.fullmatch(part) is not None)
               for part in _SEGMENT_SEPARATORS.split(text))


def scrub(message: str) -> str:
    """A refused-rule-free message made safe to show: one line, no keys, no query strings, ≤200."""
    text = _SPACE.sub(" ", message).strip()
    text = _STUDENT_KEY_LIKE.sub("<key>", text)
    text = _QUERY.sub("?…", text)
    text = _LONG_NUMBER.sub("#", text)
    return text[:MESSAGE_MAX]
