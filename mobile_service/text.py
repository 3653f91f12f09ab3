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
