"""Folding of names for search: accent- and case-insensitive, split into parts.

The importer stores what these functions return and the search folds its input the same way,
so "mar gar" finds María García and "cruz" finds De La Cruz.
"""
from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# Letters that NFKD does not decompose into ASCII.
_EXTRA = str.maketrans({"ø": "o", "đ": "d", "ł": "l", "æ": "ae", "œ": "oe", "ı": "i", "þ": "th", "ð": "d"})
MAX_PART_LENGTH = 64


def fold(value: str | None) -> str:
    """Lower-case, strip accents and map to ASCII letters, digits and spaces."""
    if not value:
        return ""
    decomposed = unicodedata.normalize("NFKD", value.casefold().translate(_EXTRA))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_ALNUM.sub(" ", stripped.translate(_EXTRA)).strip()


def name_key(value: str | None) -> str:
    """The exact-match key of a whole name: folded, separators removed ("De la Cruz" -> "delacruz")."""
    return fold(value).replace(" ", "")[:100]


def name_parts(value: str | None) -> set[str]:
    """Searchable parts of a name: each word, plus the joined form of multi-word names."""
    words = fold(value).split()
    parts = {w[:MAX_PART_LENGTH] for w in words}
    if len(words) > 1:
        parts.add("".join(words)[:MAX_PART_LENGTH])
    return parts


def prefix_upper_bound(prefix: str) -> str:
    """The smallest string greater than every string starting with ``prefix`` (ASCII only)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def ssid_grams(ssid: str) -> set[str]:
    """Every 4-digit substring of an SSID (the partial-SSID search index)."""
    return {ssid[i:i + 4] for i in range(len(ssid) - 3)}


# --- characters no text input may hold ----------------------------------------------------------
# One rule for every string the service accepts (request fields through api.fields.Text, search
# criteria through api.students.search.check_characters): lone surrogates (JSON allows "\udfff",
# but no database or encoder can store it), C0/C1 controls and DEL, and the bidirectional
# embedding/override/isolate controls that make stored text display differently from what it is.
# Multi-line free text keeps tab, LF and CR. Strict text (search criteria, identifiers) also
# refuses every other format, private-use and unassigned character: nothing invisible can narrow
# or widen a search. Free text keeps those, so an emoji with a zero-width joiner still goes in.
_REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
_REFUSED_SINGLE_LINE = re.compile("[\t\n\r]")
_STRICT_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
REFUSED_MESSAGE = "Must not contain control characters, lone surrogates or direction overrides."


def has_refused_characters(value: str, *, multiline: bool = False, strict: bool = False) -> bool:
    """Whether ``value`` holds a character that no text input accepts (see the rule above)."""
    if _REFUSED.search(value) or (not multiline and _REFUSED_SINGLE_LINE.search(value)):
        return True
    return strict and any(unicodedata.category(ch) in _STRICT_CATEGORIES for ch in value)
