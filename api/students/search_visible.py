"""The one statement of a search (issue 14): the caller's scope and, under the EPS exact lookup, its
candidates outside the scope, with whether each is in scope (``search`` builds the parts)."""
from __future__ import annotations

from sqlalchemy import CompoundSelect, Select, literal, select, true, union_all
from sqlalchemy.sql.elements import ColumnElement

from api.students.search import (
    SEARCH_COLUMNS,
    SearchCriteria,
    exact_lookup_statement,
    matching_conditions,
    search_statement,
)
from mobile_service import scoping
from mobile_service.models import Student

SCOPED, EXACT = 0, 1  # the ``part`` of a row of :func:`visible_statement`


def visible_statement(criteria: SearchCriteria, scope: ColumnElement[bool]) -> Select | CompoundSelect:
    """The scoped search and, when the exact lookup applies, its candidates, in ONE statement.

    Without the exact lookup, this is :func:`search_statement` over ``scope``. With it, rows carry
    ``part`` (:data:`SCOPED`: that statement, capped; :data:`EXACT`: the same criteria over the
    exact lookup's candidates, uncapped, at most ``MAX_LIMIT``), ``in_scope`` (``scope`` evaluated
    per row) and the alias names that :func:`exact_matches` confirms. Ordered by part, then as
    :func:`search_statement` (its cap applies to the confirmed candidates outside the scoped part).
    Execute with the scope's parameters.
    """
    candidates = exact_lookup_statement(criteria)
    matching = matching_conditions(criteria)
    if candidates is None or scoping.search_rule(criteria) != scoping.SEARCH_RULE_EXACT:  # the one rule decides
        return search_statement(criteria, scope, matching)
    conditions, rank = matching
    aliases = (Student.alias_first_name, Student.alias_last_name)
    scoped = search_statement(criteria, scope, matching).add_columns(
        literal(SCOPED).label("part"), true().label("in_scope"), *aliases)
    # The criteria's conditions are built once and serve both parts (the statement is per request).
    exact = (select(*SEARCH_COLUMNS, rank, literal(EXACT).label("part"), scope.label("in_scope"), *aliases)
             .where(Student.id.in_(candidates.with_only_columns(Student.id)), *conditions))
    both = union_all(select(scoped.subquery()), exact)  # the capped part as a subquery (SQLite's syntax)
    order = both.selected_columns
    return both.order_by(order.part, order.rank, order.last_name_key, order.first_name_key, order.id)
