"""Compile a parsed SOQL condition and ORDER BY into closures over record rows."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from sandbox.salesforce.ids import to_18
from sandbox.salesforce.soql_ast import (
    BoolOp,
    Comparison,
    Condition,
    DateRange,
    FieldRef,
    Literal,
    LitKind,
    Not,
    OrderItem,
)
from sandbox.salesforce.soql_lexer import SoqlError

Row = Mapping[str, object]
Predicate = Callable[[Row], bool]
Getter = Callable[[Row], object]

FILTER_ERROR = "INVALID_QUERY_FILTER_OPERATOR"

# Salesforce compares strings case-insensitively: casefold for equality and LIKE, and for
# ordering the uppercase form ("sorting uses uppercase UTF-8 values" in its docs).
_ORDERING: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
}


def field_getter(ref: FieldRef) -> Getter:
    """Read a field from rows keyed by canonical names, matching ``ref`` case-insensitively.

    The canonical key is learnt from the first row that has it, so the common case is one
    dict lookup. A relationship path (``Account.Name``) reads the key the query layer joined
    into the row under its dotted name; rows without it read null.
    """
    lower = ref.name.lower()
    key = ref.name

    def get(row: Row) -> object:
        nonlocal key
        try:
            return row[key]
        except KeyError:
            for candidate in row:
                if candidate.lower() == lower:
                    key = candidate
                    return row[candidate]
            return None

    return get


def _sf_type(value: object) -> str:
    """The Salesforce type name of a row value, as used in its filter error messages."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "double"
    if isinstance(value, datetime):
        return "dateTime"
    if isinstance(value, date):
        return "date"
    return "string"


def _mismatch(ref: FieldRef, value: object) -> SoqlError:
    kind = _sf_type(value)
    quoting = "be enclosed" if kind == "string" else "not be enclosed"
    return SoqlError(
        f"value of filter criterion for field '{ref.name}' must be of type {kind} "
        f"and should {quoting} in quotes",
        error_code=FILTER_ERROR,
    )


def _coercer(kind: LitKind, ref: FieldRef, for_ordering: bool) -> Callable[[object], object]:
    """Map a non-null row value to what a literal of ``kind`` compares against, or refuse.

    One small function per kind, since it runs once per row and comparison.
    """

    def refuse(value: object) -> object:
        raise _mismatch(ref, value)

    if kind is LitKind.STRING:
        fold = str.upper if for_ordering else str.casefold
        return lambda value: fold(value) if isinstance(value, str) else refuse(value)
    if kind is LitKind.NUMBER:
        return lambda value: (
            value
            if isinstance(value, int | float) and not isinstance(value, bool)
            else refuse(value)
        )
    if kind is LitKind.BOOLEAN:
        return lambda value: value if isinstance(value, bool) else refuse(value)
    if kind is LitKind.DATETIME:

        def to_datetime(value: object) -> object:
            if isinstance(value, datetime):
                return value if value.tzinfo else value.replace(tzinfo=UTC)
            return refuse(value)

        return to_datetime

    if kind is LitKind.DATE:
        # A plain date literal only compares with date fields; a dateTime field wants a
        # dateTime literal (only relative literals such as TODAY apply to both).
        return lambda value: (
            value if isinstance(value, date) and not isinstance(value, datetime) else refuse(value)
        )

    def to_date(value: object) -> object:  # DATE_RANGE; a dateTime counts by its day
        if isinstance(value, datetime):
            return value.astimezone(UTC).date() if value.tzinfo else value.date()
        if isinstance(value, date):
            return value
        return refuse(value)

    return to_date


def _literal_key(literal: Literal, for_ordering: bool, ref: FieldRef | None = None) -> object:
    value = literal.value
    if isinstance(value, str):
        if ref is not None and _is_id_field(ref) and _ID15.match(value):
            # Id filters accept the 15-character form; rows hold the 18-character one.
            value = to_18(value)
        return value.upper() if for_ordering else value.casefold()
    return value


_ID15 = re.compile(r"^[0-9A-Za-z]{15}$")


def _is_id_field(ref: FieldRef) -> bool:
    """Id and reference fields (``OwnerId``, ``ConvertedContactId``); custom fields excluded."""
    lower = ref.name.lower()
    return lower.endswith("id") and not lower.endswith("__c")


def compile_condition(cond: Condition) -> Predicate:
    """Turn a condition into one predicate; type mismatches raise SoqlError when met."""
    if isinstance(cond, Not):
        inner = compile_condition(cond.operand)
        return lambda row: not inner(row)
    if isinstance(cond, BoolOp):
        parts = [compile_condition(operand) for operand in cond.operands]
        return _and(parts) if cond.op == "AND" else _or(parts)
    return _compile_comparison(cond)


def _and(parts: list[Predicate]) -> Predicate:
    # Nested pairs instead of all(generator): a generator per row costs more than the tests.
    first, rest = parts[0], parts[1:]
    if not rest:
        return first
    second = _and(rest)
    return lambda row: first(row) and second(row)


def _or(parts: list[Predicate]) -> Predicate:
    first, rest = parts[0], parts[1:]
    if not rest:
        return first
    second = _or(rest)
    return lambda row: first(row) or second(row)


def _compile_comparison(cmp: Comparison) -> Predicate:
    get = field_getter(cmp.field)
    if cmp.op in ("IN", "NOT IN"):
        return _compile_in(cmp, get)
    literal = cmp.values[0]
    if literal.kind is LitKind.NULL:
        if cmp.op == "=":
            return lambda row: get(row) is None
        return lambda row: get(row) is not None
    if cmp.op == "LIKE":
        return _compile_like(cmp.field, literal, get)
    if isinstance(literal.value, DateRange):
        return _compile_range(cmp, literal.value, get)
    for_ordering = cmp.op in _ORDERING
    coerce = _coercer(literal.kind, cmp.field, for_ordering)
    key = _literal_key(literal, for_ordering, cmp.field)
    # Salesforce keeps rows whose field is null for "!=" and drops them for everything else.
    null_result = cmp.op == "!="
    test = {"=": operator.eq, "!=": operator.ne, **_ORDERING}[cmp.op]

    def compare(row: Row) -> bool:
        value = get(row)
        if value is None:
            return null_result
        return bool(test(coerce(value), key))

    return compare


def _compile_like(ref: FieldRef, literal: Literal, get: Getter) -> Predicate:
    pattern = re.compile(literal.like, re.DOTALL)

    def like(row: Row) -> bool:
        value = get(row)
        if value is None:
            return False
        if not isinstance(value, str):
            raise SoqlError(
                f"invalid operator on non-string field '{ref.name}': LIKE",
                error_code=FILTER_ERROR,
            )
        return pattern.fullmatch(value.casefold()) is not None

    return like


def _compile_range(cmp: Comparison, days: DateRange, get: Getter) -> Predicate:
    coerce = _coercer(LitKind.DATE_RANGE, cmp.field, for_ordering=True)
    start, end = days.start, days.end
    tests: dict[str, Callable[[date], bool]] = {
        "=": lambda day: start <= day < end,
        "!=": lambda day: not start <= day < end,
        "<": lambda day: day < start,
        "<=": lambda day: day < end,
        ">": lambda day: day >= end,
        ">=": lambda day: day >= start,
    }
    test = tests[cmp.op]
    null_result = cmp.op == "!="

    def in_range(row: Row) -> bool:
        value = get(row)
        if value is None:
            return null_result
        day = coerce(value)
        assert isinstance(day, date)
        return test(day)

    return in_range


def _compile_in(cmp: Comparison, get: Getter) -> Predicate:
    present = [v for v in cmp.values if v.kind is not LitKind.NULL]
    has_null = len(present) < len(cmp.values)
    keys = {_literal_key(v, False, cmp.field) for v in present}
    coerce = _coercer(present[0].kind, cmp.field, False) if present else None
    negate = cmp.op == "NOT IN"

    def contains(row: Row) -> bool:
        value = get(row)
        if value is None:
            return has_null != negate
        return (coerce is not None and coerce(value) in keys) != negate

    return contains


SortKey = Callable[[Row], tuple[Any, ...]]
R = TypeVar("R", bound=Row)


@dataclass(frozen=True)
class SortStep:
    key: SortKey
    descending: bool
    field: str


def compile_sort(items: tuple[OrderItem, ...]) -> tuple[SortStep, ...]:
    """The ORDER BY items as sort keys (nulls first unless NULLS LAST, like Salesforce)."""
    return tuple(
        SortStep(_sort_key(field_getter(item.field), item), item.descending, item.field.name)
        for item in items
    )


def _sort_key(get: Getter, item: OrderItem) -> SortKey:
    # Ranks put nulls before or after every value, whichever the direction.
    null_rank = 0 if item.nulls_last == item.descending else 2

    def key(row: Row) -> tuple[Any, ...]:
        value = get(row)
        if value is None:
            return (null_rank,)
        if isinstance(value, str):
            return (1, value.upper())
        return (1, value)

    return key


def apply_sort(rows: Iterable[R], steps: tuple[SortStep, ...]) -> list[R]:
    """A new list of ``rows`` in order; stable, so ties keep their order."""
    result = list(rows)
    # Sorting by the last key first keeps each earlier key in charge (sorts are stable).
    for step in reversed(steps):
        try:
            result.sort(key=step.key, reverse=step.descending)
        except TypeError:
            raise SoqlError(f"cannot order by field '{step.field}'") from None
    return result
