"""Name-only search that reads a bounded slice of the name index, whatever the county's size.

A short prefix ("ga") matches a fixed share of all students, so ranking *every* match before
taking the top 25 costs time proportional to the database (9.9x slower at 1,000,000 students
than at 200,000 in the benchmark). Instead, the most selective word (the longest) drives a walk
of ``student_name_parts`` in primary-key order — ``part, field, student_id`` — joined to the
student and checked against the other words, and the database stops as soon as it has enough
rows (``LIMIT``). The work is proportional to the result cap divided by the share of walked rows
that qualify, not to the number of students. The walk reads only active students' parts (the
partial index ``ix_student_name_parts_active_walk``, migration 0004): inactive students are four
in five and can never be returned, and when two words have few matches in common the walk must
read the driving word's whole range, which grows with the county.

Ranking is kept: exact-name matches (every word equals a name part) are walked first; prefix
matches fill the rest of the cap. Which prefix matches make the cap is decided by the driving
word's matched part in alphabetical order; the returned cards are then ordered by rank, last
name, first name, as every other search.
"""
from __future__ import annotations

from sqlalchemy import Select, and_, literal, select, true, tuple_
from sqlalchemy.sql.elements import ColumnElement

from mobile_service.extensions import db
from mobile_service.models import FOSTER_ACTIVE, Student, StudentNamePart
from mobile_service.text import prefix_upper_bound

RANK_EXACT_NAME = 1
RANK_PREFIX = 2
# A student appears once per matching name part, so a slice can hold fewer distinct students
# than rows; the walk then resumes where it stopped, reading at least this many more rows.
MIN_CONTINUATION = 10


def _matches(parts, word: str, fields: tuple[str, ...], *, exact: bool) -> list[ColumnElement[bool]]:
    """``parts`` (the name-part table or an alias of it) holds ``word`` (or a part starting with it) in ``fields``."""
    conditions = ([parts.c.part == word] if exact else
                  [parts.c.part >= word, parts.c.part < prefix_upper_bound(word)])
    if len(fields) < 4:  # all four fields: no filter needed
        conditions.append(parts.c.field.in_(fields))
    return conditions


def _other_word(word: str, fields: tuple[str, ...], *, exact: bool) -> ColumnElement[bool]:
    """The walked student also has a part in ``fields`` matching ``word`` (probed per student)."""
    other = StudentNamePart.__table__.alias("other_part")
    conditions = [other.c.student_id == StudentNamePart.student_id, *_matches(other, word, fields, exact=exact)]
    # OFFSET keeps PostgreSQL from turning the probe into a hash semi-join over the word's whole
    # index range (work proportional to the county): it stays a per-student index probe (a
    # SubPlan), so the walk can stop at its LIMIT.
    return select(literal(1)).select_from(other).where(and_(*conditions)).limit(1).offset(0).exists()


def split_words(words: dict[str, tuple[str, ...]], fields_of: dict[str, tuple[str, ...]]
                ) -> tuple[tuple[str, tuple[str, ...]], list[tuple[str, tuple[str, ...]]]]:
    """The driving (word, fields) pair — the longest word, the fewest index entries — and the rest."""
    pairs = [(word, fields_of[kind]) for kind, kind_words in words.items() for word in kind_words]
    driver = max(range(len(pairs)), key=lambda i: (len(pairs[i][0]), -len(pairs[i][1]), -i))
    return pairs[driver], pairs[:driver] + pairs[driver + 1:]


def walk_statement(words: dict[str, tuple[str, ...]], fields_of: dict[str, tuple[str, ...]],
                   *, exact: bool, fetch: int, after: tuple[str, str, int] | None = None) -> Select:
    """Active students matching every word, in name-index order of the driving word, ``fetch`` rows.

    ``after`` is the index position ``(part, field, student_id)`` of the last row already read,
    so a continuation resumes the walk instead of repeating it.
    """
    (word, fields), others = split_words(words, fields_of)
    rank = RANK_EXACT_NAME if exact else RANK_PREFIX
    position = (StudentNamePart.part, StudentNamePart.field, StudentNamePart.student_id)
    resume = [tuple_(*position) > tuple_(*after)] if after else []
    return (
        select(Student.id, Student.ssid, Student.legal_first_name, Student.legal_last_name,
               Student.birth_date, Student.last_name_key, Student.first_name_key,
               literal(rank).label("rank"), *position)
        .select_from(StudentNamePart)
        .join(Student, Student.id == StudentNamePart.student_id)
        .where(*_matches(StudentNamePart.__table__, word, fields, exact=exact), *resume,
               # Only active students' parts (the partial index ix_student_name_parts_active_walk);
               # the student's own status below stays the authority.
               StudentNamePart.active == true(),
               # "|| ''": the foster_status index is unselective; the name index drives the plan.
               (Student.foster_status + "") == FOSTER_ACTIVE,
               *(_other_word(w, f, exact=exact) for w, f in others))
        .order_by(*position)
        .limit(fetch)
    )


def _walk(words, fields_of, *, exact: bool, want: int, exclude: set[int]) -> list:
    found, seen = [], set(exclude)
    after = None
    fetch = want + len(exclude)
    while True:
        rows = db.session.execute(walk_statement(words, fields_of, exact=exact, fetch=fetch, after=after)).all()
        for row in rows:
            if row.id not in seen:
                seen.add(row.id)
                found.append(row)
        if len(found) >= want or len(rows) < fetch:
            return found[:want]
        # Some rows repeated a student (several matching name parts): read on from the last one.
        last = rows[-1]
        after = (last.part, last.field, last.student_id)
        fetch = max(want - len(found), MIN_CONTINUATION)


def find_by_name(words: dict[str, tuple[str, ...]], fields_of: dict[str, tuple[str, ...]], limit: int) -> list:
    """Up to ``limit`` active students matching every word: exact-name matches first, then prefixes."""
    exact = _walk(words, fields_of, exact=True, want=limit, exclude=set())
    rows = list(exact)
    if len(rows) < limit:
        rows += _walk(words, fields_of, exact=False, want=limit - len(rows), exclude={r.id for r in exact})
    return sorted(rows, key=lambda r: (r.rank, r.last_name_key, r.first_name_key, r.id))
