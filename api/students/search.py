"""Student search: input rules and the indexed query (never a scan, constant number of queries).

Rules (api.md "Search rules"):
- ``ssid``: 4-10 digits, matches SSIDs (current or retired) containing them; 10 digits is exact.
  A 4-digit gram of the input narrows candidates through ``ssid_grams`` (primary key on
  ``gram``), then the full substring is verified on those candidates only.
- ``name`` / ``first_name`` / ``last_name``: words of at least 2 letters, each prefix-matching a
  folded part of a legal or alias name (``student_name_parts``, a range on its primary key);
  every word must match (AND), possibly in different fields. Name-only searches walk that index
  and stop at the cap (``name_walk``), so their cost does not grow with the county.
- ``dob``: exact (``ix_students_birth_date_last_first``).
- Only active foster youth are searched, except the EPS "Search Entire Foster Youth Database"
  rule: an exact first name + last name + date of birth, or a full 10-digit SSID.

Input characters that are not letters or digits (``%``, ``_``, ``\\``, quotes, punctuation,
emoji) are folded away exactly as the importer folds stored names, so they can never act as
a pattern; control and invisible characters are refused before this module sees them.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from sqlalchemy import and_, case, exists, false, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from api.students import name_walk
from mobile_service import identifiers
from mobile_service.extensions import db
from mobile_service.models import FOSTER_ACTIVE, SsidGram, Student, StudentNamePart, StudentSsid
from mobile_service.text import MAX_PART_LENGTH, fold, has_refused_characters, name_key, prefix_upper_bound

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
    first_key: str | None = None  # whole folded first_name input, for the exact rule
    last_key: str | None = None
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
        """A full 10-digit SSID: exact, and searched across the whole database."""
        return self.ssid is not None and bool(FULL_SSID_RE.match(self.ssid))

    @property
    def exact_name_dob(self) -> bool:
        """First name + last name + date of birth: the exact whole-database lookup applies."""
        return bool(self.first_key and self.last_key and self.dob)

    @property
    def whole_database(self) -> bool:
        """Whether the "Search Entire Foster Youth Database" rule applies to this search."""
        return self.full_ssid or self.exact_name_dob


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
    if first_name is not None and last_name is not None:
        values["first_key"] = name_key(first_name) or None
        values["last_key"] = name_key(last_name) or None
    return SearchCriteria(**values)


class SearchValidationError(ValueError):
    """Several field errors at once (rendered as a 422 listing each field)."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("invalid search")
        self.errors = errors


# --- Query building -------------------------------------------------------------------------

def _word_prefix(word: str, fields: tuple[str, ...]) -> ColumnElement[bool]:
    """Student has a name part in ``fields`` starting with ``word`` (index range on ``part``)."""
    parts = select(StudentNamePart.student_id).where(
        StudentNamePart.part >= word, StudentNamePart.part < prefix_upper_bound(word))
    if len(fields) < 4:
        parts = parts.where(StudentNamePart.field.in_(fields))
    return Student.id.in_(parts)


def _word_exact(word: str, fields: tuple[str, ...]) -> ColumnElement[bool]:
    """Student has a name part in ``fields`` equal to ``word`` (a primary-key lookup)."""
    return exists().where(StudentNamePart.part == word, StudentNamePart.field.in_(fields),
                          StudentNamePart.student_id == Student.id)


def _ssid_match(ssid: str) -> ColumnElement[bool]:
    """Student is known by an SSID (current or retired) equal to / containing ``ssid``."""
    if FULL_SSID_RE.match(ssid):
        return Student.id.in_(select(StudentSsid.student_id).where(StudentSsid.ssid == ssid))
    # Digits only (validated), but escape anyway: the value is data, never a pattern.
    grams = select(SsidGram.student_id).where(SsidGram.gram == ssid[:4],
                                              SsidGram.ssid.contains(ssid, autoescape=True))
    return Student.id.in_(grams)


def _name_conditions(criteria: SearchCriteria) -> tuple[list[ColumnElement[bool]], list[ColumnElement[bool]]]:
    prefix, exact = [], []
    for kind, words in criteria.words.items():
        fields = NAME_FIELDS[kind]
        for word in words:
            prefix.append(_word_prefix(word, fields))
            exact.append(_word_exact(word, fields))
    return prefix, exact


def exact_lookup_ids(criteria: SearchCriteria) -> list[int]:
    """Students (any foster status) whose full first and last name and birth date match exactly.

    Legal names compare on the stored keys (index ``birth_date, last_name_key, first_name_key``);
    alias names are found through their name parts and confirmed on the whole folded alias.
    """
    if not criteria.exact_name_dob:
        return []
    first, last = criteria.first_key, criteria.last_key
    alias_first = select(StudentNamePart.student_id).where(
        StudentNamePart.part == first[:MAX_PART_LENGTH], StudentNamePart.field.in_(("first", "alias_first")))
    alias_last = select(StudentNamePart.student_id).where(
        StudentNamePart.part == last[:MAX_PART_LENGTH], StudentNamePart.field.in_(("last", "alias_last")))
    rows = db.session.execute(
        select(Student.id, Student.first_name_key, Student.last_name_key,
               Student.alias_first_name, Student.alias_last_name)
        .where(Student.birth_date == criteria.dob,
               or_(and_(Student.last_name_key == last, Student.first_name_key == first),
                   and_(Student.id.in_(alias_first), Student.id.in_(alias_last))))
        .limit(MAX_LIMIT)
    ).all()
    matches = []
    for row in rows:
        firsts = {row.first_name_key, name_key(row.alias_first_name)}
        lasts = {row.last_name_key, name_key(row.alias_last_name)}
        if first in firsts and last in lasts:
            matches.append(row.id)
    return matches


def search_statement(criteria: SearchCriteria, exact_ids: list[int]):
    """The ranked, capped SELECT of matching students (identification columns only)."""
    name_prefix, name_exact = _name_conditions(criteria)
    ssid_cond = _ssid_match(criteria.ssid) if criteria.ssid else true()
    dob_cond = Student.birth_date == criteria.dob if criteria.dob else true()
    all_criteria = and_(ssid_cond, dob_cond, *name_prefix)
    if criteria.full_ssid:
        where = all_criteria  # whole database: inactive students included
    else:
        # "|| ''" keeps planners off the unselective foster_status index (a fifth of all
        # students are active): the search criteria's own indexes must drive the plan.
        where = and_((Student.foster_status + "") == FOSTER_ACTIVE, all_criteria)
        if exact_ids:
            # Exact first + last + DOB matches qualify whatever their status, as long as the
            # other criteria given (ssid, name) hold too.
            other_words = [_word_prefix(w, NAME_FIELDS["name"]) for w in criteria.words.get("name", ())]
            where = or_(where, and_(Student.id.in_(exact_ids), ssid_cond, *other_words))

    ssid_exact = (Student.id.in_(select(StudentSsid.student_id).where(StudentSsid.ssid == criteria.ssid))
                  if criteria.full_ssid else false())
    if exact_ids:
        name_is_exact = Student.id.in_(exact_ids)
    elif name_exact:
        name_is_exact = and_(*name_exact)
    else:
        name_is_exact = false()
    rank = case((ssid_exact, 0), (name_is_exact, 1), else_=2).label("rank")
    return (
        select(Student.id, Student.ssid, Student.legal_first_name, Student.legal_last_name,
               Student.birth_date, rank)
        .where(where)
        .order_by(rank, Student.last_name_key, Student.first_name_key, Student.id)
        .limit(criteria.limit)
    )


def name_only(criteria: SearchCriteria) -> bool:
    """Only name words were given: the name index alone drives the search (``name_walk``)."""
    return bool(criteria.words) and criteria.ssid is None and criteria.dob is None


def find_students(criteria: SearchCriteria) -> list:
    """Run the search: two statements (exact lookup or exact-name walk, then the ranked search)."""
    if name_only(criteria):
        return name_walk.find_by_name(criteria.words, NAME_FIELDS, criteria.limit)
    exact_ids = exact_lookup_ids(criteria)
    return list(db.session.execute(search_statement(criteria, exact_ids)).all())


def explain(criteria: SearchCriteria, exact_ids: list[int] | None = None) -> list[str]:
    """The database's query plan of a search, one line per step (tests and the benchmark use it).

    SQLite: ``EXPLAIN QUERY PLAN``; PostgreSQL: ``EXPLAIN`` with ``enable_seqscan`` off for the
    statement's transaction, so a tiny test table still shows which indexes the plan can use
    (and, for a name-only walk, ``enable_sort`` off: on a handful of rows sorting is cheaper
    than walking, while at county scale the walk is what the planner picks).
    """
    walk = name_only(criteria)
    if walk:
        stmt = name_walk.walk_statement(criteria.words, NAME_FIELDS, exact=False, fetch=criteria.limit)
    else:
        stmt = search_statement(criteria, exact_ids or [])
    dialect = db.engine.dialect
    sql = str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    connection = db.session.connection()
    if dialect.name == "postgresql":
        switches = ["enable_seqscan", *(["enable_sort"] if walk else [])]
        for switch in switches:
            connection.exec_driver_sql(f"SET LOCAL {switch} = off")
        lines = [row[0] for row in connection.exec_driver_sql("EXPLAIN " + sql)]
        for switch in switches:
            connection.exec_driver_sql(f"SET LOCAL {switch} = on")
        return lines
    return [row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)]
