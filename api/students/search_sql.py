"""The search statements: built once per shape of criteria, with the values as bind parameters.

A search's SQL depends only on its *shape* (which criteria, how many name words, full or partial
SSID, which exact lookup applies) and the caller's kind of scope; the values (SSID digits, name
prefixes, birth date, limit) are parameters. Building the SQLAlchemy statement and its cache key
per request cost a name search about a quarter of its CPU (issue 14), so each shape's statement is
built once (``visible_statement``) and executed with :func:`statement_params` and the scope's
``scoping.access_params``.

Plans: the scope drives (``scoping.search_scope``); a partial SSID is checked per scoped student
on ``ix_student_ssids_student_id_ssid`` (index-only), a name word by a probe of
``ix_student_name_parts_student_part`` (``name_walk``); the scope's students are read by key.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

from sqlalchemy import (
    CompoundSelect,
    Date,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    false,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import aliased
from sqlalchemy.sql import Subquery
from sqlalchemy.sql.elements import ColumnElement, Label

from api.students import name_walk
from api.students.search import MAX_LIMIT, NAME_FIELDS, SearchCriteria
from auth.principal import Principal
from mobile_service import scoping
from mobile_service.extensions import db
from mobile_service.models import Student, StudentNamePart, StudentSsid
from mobile_service.text import MAX_PART_LENGTH, prefix_upper_bound

SCOPED, EXACT = 0, 1  # the ``part`` of a row of :func:`visible_statement` under the exact lookup
EXACT_NAME_DOB, EXACT_SSID = "name_dob", "ssid"
LIKE_ESCAPE = "/"
# Shapes are few in practice (a handful of criteria, at most MAX_WORDS words each); the bound
# keeps a caller who tries every combination from growing the cache.
SHAPES_CACHED = 512

SEARCH_COLUMNS = (Student.id, Student.student_key, Student.ssid, Student.legal_first_name, Student.legal_last_name,
                  Student.birth_date, Student.last_name_key, Student.first_name_key)

_SSID = bindparam("search_ssid", type_=String)
_SSID_LIKE = bindparam("search_ssid_like", type_=String)
_DOB = bindparam("search_dob", type_=Date)
_LIMIT = bindparam("search_limit", type_=Integer)
_FIRST_KEY = bindparam("search_first_key", type_=String)
_LAST_KEY = bindparam("search_last_key", type_=String)
_FIRST_PART = bindparam("search_first_part", type_=String)
_LAST_PART = bindparam("search_last_part", type_=String)


@dataclass(frozen=True)
class Shape:
    """What a search statement's SQL depends on (never the values)."""

    ssid: str | None  # "full", "partial" or None
    words: tuple[tuple[str, int], ...]  # (name kind, number of words)
    dob: bool
    exact: str | None  # EXACT_NAME_DOB, EXACT_SSID, or None when only the scope is searched


def shape_of(criteria: SearchCriteria) -> Shape:
    """The shape of validated criteria; the exact lookup applies by ``scoping.search_rule`` alone."""
    exact = None
    if scoping.search_rule(criteria) == scoping.SEARCH_RULE_EXACT:
        exact = EXACT_NAME_DOB if criteria.exact_name_dob else EXACT_SSID
    ssid = None if criteria.ssid is None else ("full" if criteria.full_ssid else "partial")
    return Shape(ssid, tuple((kind, len(words)) for kind, words in criteria.words.items()),
                 criteria.dob is not None, exact)


def _escape_like(value: str) -> str:
    return value.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", LIKE_ESCAPE + "%").replace("_", LIKE_ESCAPE + "_")


def statement_params(criteria: SearchCriteria) -> dict:
    """The values of the criteria's statement (:func:`shape_of`), by bind-parameter name."""
    params: dict = {"search_limit": criteria.limit}
    if criteria.ssid is not None:
        # Digits only (validated), but escaped anyway: the value is data, never a pattern.
        params["search_ssid"], params["search_ssid_like"] = criteria.ssid, _escape_like(criteria.ssid)
    for kind, words in criteria.words.items():
        for i, word in enumerate(words):
            params[name_walk.word_name(kind, i)] = word
            params[name_walk.word_name(kind, i) + "_hi"] = prefix_upper_bound(word)
    if criteria.dob is not None:
        params["search_dob"] = criteria.dob
    if criteria.exact_name_dob:
        params.update(search_first_key=criteria.first_key, search_last_key=criteria.last_key,
                      search_first_part=criteria.first_key[:MAX_PART_LENGTH],
                      search_last_part=criteria.last_key[:MAX_PART_LENGTH])
    return params


def _ssid_match(shape: Shape) -> ColumnElement[bool]:
    """Student is known by an SSID (current or retired) equal to / containing the criterion."""
    if shape.ssid == "full":
        return Student.id.in_(select(StudentSsid.student_id).where(StudentSsid.ssid == _SSID))
    # Per scoped student, an index-only probe of its own SSIDs on (student_id, ssid) (migration
    # 0018); OFFSET keeps PostgreSQL from turning it into a semi-join over every SSID in the county.
    own = aliased(StudentSsid, name="own_ssid")
    return (select(literal(1)).select_from(own)
            .where(own.student_id == Student.id, own.ssid.contains(_SSID_LIKE, escape=LIKE_ESCAPE))
            .limit(1).offset(0).exists())


def _exact_candidates(shape: Shape) -> Select | None:
    """Candidates of the EPS exact lookup (any foster status, any scope); None if it does not apply.

    First + last name + birth date: legal names compare on the stored keys (index ``birth_date,
    last_name_key, first_name_key``); alias names are found through their name parts. Full SSID
    + last name or birth date: the SSID (current or retired) by primary key, and the birth date.
    The service confirms the whole folded names on the candidates (``search.exact_matches``).
    """
    if shape.exact == EXACT_NAME_DOB:
        alias_first = select(StudentNamePart.student_id).where(
            StudentNamePart.part == _FIRST_PART, or_(StudentNamePart.field == "first",
                                                     StudentNamePart.field == "alias_first"))
        alias_last = select(StudentNamePart.student_id).where(
            StudentNamePart.part == _LAST_PART, or_(StudentNamePart.field == "last",
                                                    StudentNamePart.field == "alias_last"))
        where = and_(Student.birth_date == _DOB,
                     or_(and_(Student.last_name_key == _LAST_KEY, Student.first_name_key == _FIRST_KEY),
                         and_(Student.id.in_(alias_first), Student.id.in_(alias_last))))
    elif shape.exact == EXACT_SSID:
        where = and_(Student.id.in_(select(StudentSsid.student_id).where(StudentSsid.ssid == _SSID)),
                     Student.birth_date == _DOB if shape.dob else true())
    else:
        return None
    return (select(Student.id, Student.first_name_key, Student.last_name_key,
                   Student.alias_first_name, Student.alias_last_name).where(where).limit(MAX_LIMIT))


def _matching(shape: Shape) -> tuple[list[ColumnElement[bool]], Label]:
    """The criteria's conditions (every one must hold) and the ``rank`` of a match."""
    ssid_cond = _ssid_match(shape) if shape.ssid else true()
    dob_cond = Student.birth_date == _DOB if shape.dob else true()
    name_prefix = name_walk.word_conditions(shape.words, NAME_FIELDS, exact=False)
    name_exact = name_walk.word_conditions(shape.words, NAME_FIELDS, exact=True)
    ssid_exact = (Student.id.in_(select(StudentSsid.student_id).where(StudentSsid.ssid == _SSID))
                  if shape.ssid == "full" else false())
    rank = case((ssid_exact, 0), (and_(*name_exact) if name_exact else false(), 1), else_=2).label("rank")
    return [ssid_cond, dob_cond, *name_prefix], rank


def _ranked(among: ColumnElement[bool], matching) -> Select:
    conditions, rank = matching
    return (select(*SEARCH_COLUMNS, rank).where(among, *conditions)
            .order_by(rank, Student.last_name_key, Student.first_name_key, Student.id).limit(_LIMIT))


@functools.lru_cache(maxsize=SHAPES_CACHED)
def visible_statement(shape: Shape, access: Subquery) -> Select | CompoundSelect:
    """The scoped search and, when the exact lookup applies, its candidates, in ONE statement.

    ``access`` is the caller's ``scoping.student_access`` (one per kind of principal), so the
    statement is built once per shape and kind. Without the exact lookup: the ranked, capped
    matches in the scope. With it, rows carry ``part`` (:data:`SCOPED`: those matches, capped;
    :data:`EXACT`: the same criteria over the exact lookup's candidates, at most ``MAX_LIMIT``),
    ``in_scope`` (the scope evaluated per row) and the alias names that ``exact_matches``
    confirms. Execute with :func:`statement_params` and the scope's parameters.
    """
    scope = scoping.scope_condition(access)
    matching = _matching(shape)
    candidates = _exact_candidates(shape)
    if candidates is None:
        return _ranked(scope, matching)
    conditions, rank = matching
    aliases = (Student.alias_first_name, Student.alias_last_name)
    scoped = _ranked(scope, matching).add_columns(literal(SCOPED).label("part"), true().label("in_scope"),
                                                        *aliases)
    exact = (select(*SEARCH_COLUMNS, rank, literal(EXACT).label("part"), scope.label("in_scope"), *aliases)
             .where(Student.id.in_(candidates.with_only_columns(Student.id)), *conditions))
    both = union_all(select(scoped.subquery()), exact)  # the capped part as a subquery (SQLite's syntax)
    order = both.selected_columns
    return both.order_by(order.part, order.rank, order.last_name_key, order.first_name_key, order.id)


def visible_search(principal: Principal, criteria: SearchCriteria) -> tuple[Select | CompoundSelect, dict]:
    """The caller's search statement (:func:`visible_statement`) and all of its parameters."""
    statement = visible_statement(shape_of(criteria), scoping.student_access(principal))
    return statement, {**statement_params(criteria), **scoping.access_params(principal)}


def search_statement(criteria: SearchCriteria, among: ColumnElement[bool]) -> Select:
    """The ranked, capped matches restricted by ``among``, the values bound (tests, ``explain``).

    ``among`` is a scope (``scoping.search_scope``, execute with ``access_params``) or any
    condition on ``students.id``. The service runs :func:`visible_statement` instead.
    """
    shape = shape_of(criteria)
    return _ranked(among, _matching(shape)).params(**statement_params(criteria))


def exact_lookup_statement(criteria: SearchCriteria) -> Select | None:
    """The exact lookup's candidates with the values bound; None if the lookup does not apply."""
    candidates = _exact_candidates(shape_of(criteria))
    return None if candidates is None else candidates.params(**statement_params(criteria))


def explain(stmt: Select, params: dict | None = None) -> list[str]:
    """The database's query plan of a search statement, one line per step (tests and the benchmark).

    SQLite: ``EXPLAIN QUERY PLAN``; PostgreSQL: ``EXPLAIN`` with ``enable_seqscan`` off for the
    statement's transaction, so a tiny test table still shows which indexes the plan can use.
    ``params`` binds the scope's parameters (``scoping.access_params``).
    """
    stmt = stmt.params(**(params or {}))
    dialect = db.engine.dialect
    sql = str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    connection = db.session.connection()
    if dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        lines = [row[0] for row in connection.exec_driver_sql("EXPLAIN " + sql)]
        connection.exec_driver_sql("SET LOCAL enable_seqscan = on")
        return lines
    return [row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)]
