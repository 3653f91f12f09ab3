"""Student search: input rules, the validated criteria and the exact lookup's confirmation (statements: ``search_sql``).

Rules (api.md "Search rules"):
- ``ssid``: 4-10 digits, matches SSIDs (current or retired) containing them; 10 digits is exact.
  Partial searches run over the caller's scope only, so each scoped student's own SSIDs are
  checked (``student_ssids``, index-only on ``student_id, ssid``; ``search_sql``).
- ``name`` / ``first_name`` / ``last_name``: words of at least 2 letters, each prefix-matching a
  folded part of a legal or alias name (``student_name_parts``, a range on its primary key);
  every word must match (AND), possibly in different fields. Each word is probed per scoped
  student (``name_walk``), so the cost follows the scope's size, not the county's.
- ``dob``: exact (``ix_students_birth_date_last_first``).
- Who can be found (``scoping.search_rule``, issue 11): a partial search (partial SSID, a full
  SSID alone, name prefixes, birth date, any mix short of the exact lookup) runs only over the
  caller's scope (``scoping.search_scope``), any foster status. The EPS "Search Entire Foster
  Youth Database" rule (exact first name + last name + birth date, or a full 10-digit SSID with
  the last name or the birth date) also finds students outside the scope, active or not
  (``exact_matches`` confirms them); the service shows those as reduced cards.

Input characters that are not letters or digits (``%``, ``_``, ``\\``, quotes, punctuation,
emoji) are folded away exactly as the importer folds stored names, so they can never act as
a pattern; control and invisible characters are refused before this module sees them.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from mobile_service import identifiers
from mobile_service.text import MAX_PART_LENGTH, fold, has_refused_characters, name_key

MAX_FIELD_LENGTH = 100
MAX_WORDS = 6
MIN_WORD_LENGTH = 2
DEFAULT_LIMIT = 25
MAX_LIMIT = 50
SSID_RE = identifiers.SSID_PART_PATTERN
FULL_SSID_RE = identifiers.SSID_PATTERN
ISO_DATE_RE = re.compile(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
US_DATE_RE = re.compile(r"\A([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})\Z")

NAME_FIELDS = {
    "name": ("first", "last", "alias_first", "alias_last"),
    "first_name": ("first", "alias_first"),
    "last_name": ("last", "alias_last"),
}
# Order in which criteria kinds are reported in the audit record and usage event.
CRITERIA_ORDER = ("ssid", "name", "first_name", "last_name", "dob")


class SearchInputError(ValueError):
    """A search input that breaks the rules; the message is shown to the user (no echo of input)."""


def check_characters(value: str) -> None:
    """Refuse control, invisible and unassigned characters, and over-long input."""
    if len(value) > MAX_FIELD_LENGTH:
        raise SearchInputError(f"Must be at most {MAX_FIELD_LENGTH} characters.")
    # The service-wide text rule, strict: controls, format/invisible characters (e.g. U+202E),
    # lone surrogates, private use and unassigned code points.
    if has_refused_characters(value, strict=True):
        raise SearchInputError("Contains control or invisible characters.")


def name_words(value: str) -> list[str]:
    """Fold a name criterion into its search words (each a folded prefix, 2-64 characters).

    Whitespace separates words; punctuation inside a word joins it (``o'brien`` -> ``obrien``,
    ``smith-jones`` -> ``smithjones``), matching the joined part the importer stores.
    """
    check_characters(value)
    words: list[str] = []
    for token in value.split():
        word = fold(token).replace(" ", "")[:MAX_PART_LENGTH]
        if not word:
            continue  # only punctuation, wildcards or symbols: literal text that matches nothing
        if len(word) < MIN_WORD_LENGTH:
            raise SearchInputError(f"Each word needs at least {MIN_WORD_LENGTH} letters or digits.")
        if word not in words:
            words.append(word)
    if not words:
        raise SearchInputError("Must contain letters or digits.")
    if len(words) > MAX_WORDS:
        raise SearchInputError(f"At most {MAX_WORDS} words.")
    return words


def parse_ssid(value: str) -> str:
    """Validate an SSID criterion: 4 to 10 digits, nothing else."""
    check_characters(value)
    value = value.strip()
    if not SSID_RE.match(value):
        raise SearchInputError("Must be 4 to 10 digits (0-9 only).")
    return value


def parse_dob(value: str) -> dt.date:
    """Parse a date of birth given as YYYY-MM-DD or MM/DD/YYYY."""
    check_characters(value)
    value = value.strip()
    try:
        if ISO_DATE_RE.match(value):
            parsed = dt.date.fromisoformat(value)
        elif match := US_DATE_RE.match(value):
            month, day, year = (int(g) for g in match.groups())
            parsed = dt.date(year, month, day)
        else:
            raise SearchInputError("Must be a date as YYYY-MM-DD or MM/DD/YYYY.")
    except ValueError as exc:
        if isinstance(exc, SearchInputError):
            raise
        raise SearchInputError("Not a valid calendar date.") from exc
    if parsed.year < 1900:
        raise SearchInputError("Not a plausible date of birth.")
    return parsed


@dataclass(frozen=True)
class SearchCriteria:
    """Validated, folded search input."""

    ssid: str | None = None
    words: dict[str, tuple[str, ...]] = field(default_factory=dict)  # name kind -> folded words
    first_key: str | None = None  # whole folded first_name input, for the exact lookup
    last_key: str | None = None  # whole folded last_name input, for the exact lookup
    dob: dt.date | None = None
    limit: int = DEFAULT_LIMIT

    @property
    def kinds(self) -> list[str]:
        """Which criteria were used (recorded in audit/usage instead of the values)."""
        used = {"ssid": self.ssid is not None, "dob": self.dob is not None}
        used.update({kind: kind in self.words for kind in NAME_FIELDS})
        return [kind for kind in CRITERIA_ORDER if used[kind]]

    @property
    def full_ssid(self) -> bool:
        """A full 10-digit SSID (an exact match; alone, still a partial search: scope only)."""
        return self.ssid is not None and bool(FULL_SSID_RE.match(self.ssid))

    @property
    def exact_name_dob(self) -> bool:
        """First name + last name + date of birth, each given in full."""
        return bool(self.first_key and self.last_key and self.dob)


def build_criteria(ssid: str | None = None, name: str | None = None, first_name: str | None = None,
                   last_name: str | None = None, dob: str | None = None,
                   limit: int = DEFAULT_LIMIT) -> SearchCriteria:
    """Validate raw inputs into :class:`SearchCriteria`; errors map field -> messages."""
    errors: dict[str, list[str]] = {}
    values: dict = {"limit": limit, "words": {}}
    raw_names = {"name": name, "first_name": first_name, "last_name": last_name}
    for kind, raw in raw_names.items():
        if raw is None:
            continue
        try:
            values["words"][kind] = tuple(name_words(raw))
        except SearchInputError as exc:
            errors[kind] = [str(exc)]
    for kind, raw, parser in (("ssid", ssid, parse_ssid), ("dob", dob, parse_dob)):
        if raw is None:
            continue
        try:
            values[kind] = parser(raw)
        except SearchInputError as exc:
            errors[kind] = [str(exc)]
    if errors:
        raise SearchValidationError(errors)
    if not values["words"] and "ssid" not in values and "dob" not in values:
        raise SearchValidationError({"_schema": ["Give at least one of ssid, name, first_name, last_name, dob."]})
    if first_name is not None:
        values["first_key"] = name_key(first_name) or None
    if last_name is not None:
        values["last_key"] = name_key(last_name) or None
    return SearchCriteria(**values)


class SearchValidationError(ValueError):
    """Several field errors at once (rendered as a 422 listing each field)."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("invalid search")
        self.errors = errors


# --- Confirming the exact lookup -----------------------------------------------------------

def exact_matches(criteria: SearchCriteria, rows: list) -> list:
    """The ``rows`` (with ``first_name_key``, ``last_name_key``, ``alias_first_name``, ``alias_last_name``)
    whose whole folded names confirm the exact lookup, in their order."""
    first = criteria.first_key if criteria.exact_name_dob else None
    last = criteria.last_key
    matches = []
    for row in rows:
        firsts = {row.first_name_key, name_key(row.alias_first_name)}
        lasts = {row.last_name_key, name_key(row.alias_last_name)}
        if (first is None or first in firsts) and (last is None or last in lasts):
            matches.append(row)
    return matches
