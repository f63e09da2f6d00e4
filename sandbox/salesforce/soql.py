"""The SOQL subset of the Salesforce emulator: ``parse`` a query once, evaluate it over rows.

Supported: ``SELECT f1, f2 | COUNT() FROM Object [WHERE ...] [ORDER BY f [ASC|DESC]
[NULLS FIRST|LAST], ...] [LIMIT n] [OFFSET n]`` with AND / OR / NOT, parentheses,
``= != <> < > <= >= LIKE IN NOT IN``, string / number / boolean / null / date / dateTime
literals and TODAY, YESTERDAY, TOMORROW, LAST_N_DAYS:n, NEXT_N_DAYS:n, N_DAYS_AGO:n.

Like Salesforce, and unless ``strict=False``: AND and OR are not mixed without parentheses,
and NOT only heads a whole condition or a parenthesized group. Relationship paths
(``Account.Name``) are accepted and always read as null: the emulator does no joins.
Everything else (GROUP BY, subqueries, semi-joins, FOR UPDATE, functions but COUNT()) is a
SoqlError. Type mismatches between a field's values and a literal are detected when a row's
non-null value meets the literal, so ``matches`` and ``sort`` may raise SoqlError too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sandbox.salesforce.soql_ast import condition_fields
from sandbox.salesforce.soql_eval import (
    Predicate,
    R,
    SortStep,
    apply_sort,
    compile_condition,
    compile_sort,
)
from sandbox.salesforce.soql_lexer import SoqlError
from sandbox.salesforce.soql_parser import parse_statement

__all__ = ["SoqlError", "SoqlQuery", "parse"]

Row = Mapping[str, object]


def _always(row: Row) -> bool:
    return True


@dataclass(frozen=True)
class SoqlQuery:
    object_type: str  # as written, e.g. "Lead"
    fields: tuple[str, ...]  # selected names as written ("Id", "Email", "COUNT()")
    limit: int | None
    offset: int | None
    is_count: bool  # SELECT COUNT() FROM ... (or COUNT(field))
    _predicate: Predicate = field(default=_always, repr=False, compare=False)
    _order_by: tuple[SortStep, ...] = field(default=(), repr=False, compare=False)
    _referenced: frozenset[str] = field(default=frozenset(), repr=False, compare=False)
    count_field: str | None = None  # SELECT COUNT(field): the field counted, as written
    count_alias: str | None = None  # its alias; the API names it expr0 otherwise

    def matches(self, row: Row) -> bool:
        """Whether ``row`` passes the WHERE clause (True when there is none)."""
        return self._predicate(row)

    def sort(self, rows: Iterable[R]) -> list[R]:
        """The rows in ORDER BY order (a new list; stable, so ties keep their order)."""
        return apply_sort(rows, self._order_by)

    def referenced_fields(self) -> set[str]:
        """Every field named in SELECT, WHERE and ORDER BY, as written (paths dotted)."""
        return set(self._referenced)

    def execute(self, rows: Iterable[R]) -> list[R]:
        """WHERE, then ORDER BY, then OFFSET and LIMIT; for COUNT() the count is the length."""
        predicate = self._predicate
        selected = apply_sort((row for row in rows if predicate(row)), self._order_by)
        start = self.offset or 0
        stop = None if self.limit is None else start + self.limit
        return selected[start:stop]


def parse(query: str, *, now: datetime | None = None, strict: bool = True) -> SoqlQuery:
    """Parse and compile ``query``; raise SoqlError as Salesforce would refuse it.

    ``now`` (default: the current UTC time) anchors the relative date literals such as TODAY;
    pass the sandbox clock. ``strict=False`` accepts mixed AND / OR with the usual precedence
    (NOT binds tighter than AND, AND tighter than OR), which the real API refuses.
    """
    statement = parse_statement(query, now=now or datetime.now(UTC), strict=strict)
    referenced = {ref.name for ref in statement.fields if not statement.is_count}
    if statement.count_of is not None:
        referenced.add(statement.count_of.name)
    if statement.where is not None:
        referenced.update(ref.name for ref in condition_fields(statement.where))
    referenced.update(item.field.name for item in statement.order_by)
    return SoqlQuery(
        object_type=statement.object_type,
        fields=tuple(ref.name for ref in statement.fields),
        limit=statement.limit,
        offset=statement.offset,
        is_count=statement.is_count,
        _predicate=_always if statement.where is None else compile_condition(statement.where),
        _order_by=compile_sort(statement.order_by),
        _referenced=frozenset(referenced),
        count_field=statement.count_of.name if statement.count_of else None,
        count_alias=statement.count_alias,
    )
