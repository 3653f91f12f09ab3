"""Name words of a scope-restricted search: per-student index probes, whatever the county's size.

A partial search returns only students in the caller's scope (``scoping.search_scope``: the
caseload, DCFS assignments and, for an SCSW, active supervisees'), a few dozen to a few hundred
students. So the scope drives the plan and each name word is checked on each scoped student by
a probe of ``ix_student_name_parts_student_part`` (``student_id, part``): a range on ``part``
inside one student's handful of parts. The work is proportional to the scope times the number
of words, never to the number of students in the county or to how common a prefix is ("ma"
matches a fixed share of all students, but only the scope's share is ever read).

Before issue 11 the search walked the name index across every active student (in
``ix_student_name_parts_active_walk`` order) and stopped at the cap; that walk listed students
outside the caller's scope, so it is gone. The ``active`` flag and its partial index stay
maintained by the importer (migration 0004) but no search reads them.

Ranking is kept: exact-name matches (every word equals a name part) first, then prefix
matches, each ordered by last name, first name, id.
"""
from __future__ import annotations

from sqlalchemy import String, and_, bindparam, literal, or_, select
from sqlalchemy.sql.elements import ColumnElement

from mobile_service.models import Student, StudentNamePart


def word_name(kind: str, index: int) -> str:
    """The bind parameter of the ``index``-th word of a name criterion (``<name>_hi``: its upper bound)."""
    return f"search_{kind}_{index}"


def _matches(parts, name: str, fields: tuple[str, ...], *, exact: bool) -> list[ColumnElement[bool]]:
    """``parts`` (an alias of the name-part table) holds the word (or a part starting with it) in ``fields``."""
    word = bindparam(name, type_=String)
    conditions = ([parts.c.part == word] if exact else
                  [parts.c.part >= word, parts.c.part < bindparam(name + "_hi", type_=String)])
    if len(fields) < 4:  # all four fields: no filter needed
        # Plain comparisons, not IN: an IN list is an expanding parameter, re-rendered per execution.
        conditions.append(or_(*(parts.c.field == f for f in fields)))
    return conditions


def word_probe(name: str, fields: tuple[str, ...], *, exact: bool) -> ColumnElement[bool]:
    """The student (``students.id`` of the outer query) has a part in ``fields`` matching the word ``name``."""
    part = StudentNamePart.__table__.alias("name_part")
    conditions = [part.c.student_id == Student.id, *_matches(part, name, fields, exact=exact)]
    # OFFSET keeps PostgreSQL from turning the probe into a hash semi-join over the word's whole
    # index range (work proportional to the county): it stays a per-student index probe (a
    # SubPlan) on (student_id, part).
    return select(literal(1)).select_from(part).where(and_(*conditions)).limit(1).offset(0).exists()


def word_conditions(words: tuple[tuple[str, int], ...], fields_of: dict[str, tuple[str, ...]],
                    *, exact: bool) -> list[ColumnElement[bool]]:
    """One probe per word (AND): every word must match, possibly in different fields.

    ``words``: ``(kind, number of words)`` of the criteria's shape; the words themselves are the
    parameters :func:`word_name` names.
    """
    return [word_probe(word_name(kind, i), fields_of[kind], exact=exact) for kind, count in words
            for i in range(count)]
