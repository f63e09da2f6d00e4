"""The rule condition language: YAML trees compiled once into closures (no eval)."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from connectors.base import Value
from mappings.errors import Issue, nearest
from mappings.facts import FACTS, Context
from mappings.saferegex import RegexError, bounded_search, nested_quantifier
from mappings.yamlsrc import Loc, Located

Condition = Callable[[Context], bool]
Getter = Callable[[Context], Value]

COMBINATORS = ("all", "any", "not")
OPERATORS = (
    "eq",
    "ne",
    "lt",
    "lte",
    "gt",
    "gte",
    "in",
    "not_in",
    "in_list",
    "not_in_list",
    "contains",
    "not_contains",
    "starts_with",
    "ends_with",
    "matches",
    "blank",
    "present",
    "within_days",
    "older_than_days",
)


@dataclass
class Scope:
    """What a condition may name: canonical fields, facts, list files; and where to report."""

    src: Located
    fields: frozenset[str]
    lists: Mapping[str, frozenset[str]]
    issues: list[Issue]

    def error(
        self, loc: Loc, message: str, suggestion: str | None = None, *, key: bool = False
    ) -> None:
        self.issues.append(self.src.issue(loc, message, suggestion, key=key))


def _fold(value: Value) -> Value:
    return value.casefold() if isinstance(value, str) else value


def _blank(value: Value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _as_datetime(value: Value) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=None)
    return None


def _days_since(value: Value, now: datetime) -> float | None:
    moment = _as_datetime(value)
    if moment is None:
        return None
    if moment.tzinfo is None and now.tzinfo is not None:
        moment = moment.replace(tzinfo=now.tzinfo)
    return (now - moment).total_seconds() / 86400.0


def _comparable(value: Value, arg: Value) -> tuple[object, object] | None:
    """Both sides in one ordered domain (numbers, or dates/datetimes), or None."""
    if isinstance(value, bool) or isinstance(arg, bool):
        return None
    if isinstance(value, int | float) and isinstance(arg, int | float):
        return value, arg
    left, right = _as_datetime(value), _as_datetime(arg)
    if left is not None and right is not None:
        if (left.tzinfo is None) != (right.tzinfo is None):
            left, right = left.replace(tzinfo=None), right.replace(tzinfo=None)
        return left, right
    if isinstance(value, str) and isinstance(arg, int | float):
        try:
            return float(value), arg
        except ValueError:
            return None
    return None


_ORDER: dict[str, Callable[[Any, Any], Any]] = {
    "lt": operator.lt,
    "lte": operator.le,
    "gt": operator.gt,
    "gte": operator.ge,
}

MEMO_SIZE = 4096  # values remembered per regex test

# The closures below inline case folding and the common numeric case rather than call helpers:
# rules run per record, and a Python call costs more than the comparison itself.


def _op(
    name: str,
    arg: object,
    get: Getter,
    scope: Scope,
    loc: Loc,
    field: str | None = None,
    fact: str | None = None,
) -> Condition | None:
    """One operator applied to a subject; None (and an issue) when the argument is wrong.

    ``field`` names a canonical field subject, ``fact`` a fact: the hot closures read it from
    the record or the context (a dict lookup) directly instead of calling ``get``.
    """
    if name in ("eq", "ne"):
        want = _fold(arg)  # type: ignore[arg-type]
        negate = name == "ne"

        def equal(ctx: Context) -> bool:
            value = ctx.record.get(field) if field is not None else ctx[fact] if fact else get(ctx)
            if isinstance(value, str):
                value = value.casefold()
            return (value == want) is not negate

        return equal
    if name in _ORDER:
        compare = _ORDER[name]
        if _comparable(1.0, arg) is None and _as_datetime(arg) is None:  # type: ignore[arg-type]
            scope.error(loc, f"{name} needs a number or a date, got {arg!r}")
            return None
        numeric = isinstance(arg, int | float)

        def ordered(ctx: Context) -> bool:
            value = ctx.record.get(field) if field is not None else ctx[fact] if fact else get(ctx)
            if numeric and (value.__class__ is float or value.__class__ is int):
                return compare(value, arg)
            pair = _comparable(value, arg)  # type: ignore[arg-type]
            return pair is not None and compare(*pair)

        return ordered
    if name in ("in", "not_in"):
        if not isinstance(arg, list):
            scope.error(loc, f"{name} needs a list of values")
            return None
        options = frozenset(_fold(a) for a in arg)
        outside = name == "not_in"

        def among(ctx: Context) -> bool:
            value = ctx.record.get(field) if field is not None else ctx[fact] if fact else get(ctx)
            if isinstance(value, str):
                value = value.casefold()
            return (value in options) is not outside

        return among
    if name in ("in_list", "not_in_list"):
        if not isinstance(arg, str) or arg not in scope.lists:
            scope.error(loc, f"unknown list {arg!r}", nearest(str(arg), scope.lists))
            return None
        entries = scope.lists[arg]
        off_list = name == "not_in_list"
        if not entries:  # an empty list (as shipped) decides without reading the record
            return lambda ctx: off_list

        def listed(ctx: Context) -> bool:
            value = ctx.record.get(field) if field is not None else ctx[fact] if fact else get(ctx)
            if isinstance(value, str):
                value = value.casefold()
            return (value in entries) is not off_list

        return listed
    if name in ("contains", "not_contains", "starts_with", "ends_with"):
        if not isinstance(arg, str):
            scope.error(loc, f"{name} needs text")
            return None
        part = arg.casefold()
        if name == "contains":
            return lambda ctx: isinstance(v := get(ctx), str) and part in v.casefold()
        if name == "not_contains":
            return lambda ctx: not (isinstance(v := get(ctx), str) and part in v.casefold())
        if name == "starts_with":
            return lambda ctx: isinstance(v := get(ctx), str) and v.casefold().startswith(part)
        return lambda ctx: isinstance(v := get(ctx), str) and v.casefold().endswith(part)
    if name == "matches":
        if not isinstance(arg, str):
            scope.error(loc, "matches needs a regular expression")
            return None
        if nested_quantifier(arg):
            scope.error(
                loc,
                f"regular expression {arg!r} nests a repeat inside a repeat (like (a+)+), which "
                "can take minutes on one value; rewrite it without the outer repeat (a+)",
            )
            return None
        try:
            where = str(scope.src.issue(loc, "")).rstrip(": ")
            bounded = bounded_search(arg, where)
        except RegexError as exc:
            scope.error(loc, f"bad regular expression: {exc}")
            return None
        # Matched text repeats (titles, event names): a seen value is one dict lookup instead
        # of a regex search. Bounded: once full, new values are searched and not kept.
        memo: dict[str, bool] = {}

        def matching(ctx: Context) -> bool:
            value = ctx.record.get(field) if field is not None else ctx[fact] if fact else get(ctx)
            if value.__class__ is not str:
                return isinstance(value, str) and bounded(value)
            found = memo.get(value)
            if found is None:
                found = bounded(value)
                if len(memo) < MEMO_SIZE:
                    memo[value] = found
            return found

        return matching
    if name in ("blank", "present"):
        if not isinstance(arg, bool):
            scope.error(loc, f"{name} needs true or false")
            return None
        want_blank = arg if name == "blank" else not arg

        def blankness(ctx: Context) -> bool:
            value = ctx.record.get(field) if field is not None else ctx[fact] if fact else get(ctx)
            is_blank = value is None or (isinstance(value, str) and (not value or value.isspace()))
            return is_blank is want_blank

        return blankness
    if name in ("within_days", "older_than_days"):
        if isinstance(arg, bool) or not isinstance(arg, int | float) or arg < 0:
            scope.error(loc, f"{name} needs a number of days")
            return None
        days = float(arg)
        if name == "within_days":
            return lambda ctx: (d := _days_since(get(ctx), ctx.now)) is not None and d <= days
        return lambda ctx: (d := _days_since(get(ctx), ctx.now)) is not None and d > days
    scope.error(loc, f"unknown operator {name!r}", nearest(name, OPERATORS), key=True)
    return None


def subject_getter(name: str, scope: Scope, loc: Loc) -> Getter | None:
    """How to read a canonical field or a fact; None (and an issue) for an unknown name."""
    if name in FACTS:
        return lambda ctx: ctx[name]  # computed by Context.__missing__ on first use
    if name in scope.fields:
        return lambda ctx: ctx.record.get(name)
    scope.error(
        loc, f"unknown field or fact {name!r}", nearest(name, (*scope.fields, *FACTS)), key=True
    )
    return None


def _test(subject: str, test: object, scope: Scope, loc: Loc) -> Condition | None:
    get = subject_getter(subject, scope, loc)
    if get is None:
        return None
    fact = subject if subject in FACTS else None
    field = subject if subject in scope.fields and fact is None else None
    if isinstance(test, dict):
        parts = [_op(str(op), arg, get, scope, (*loc, op), field, fact) for op, arg in test.items()]
        if not parts:
            scope.error(loc, f"no operator for {subject!r}")
            return None
        return _all(parts) if None not in parts else None
    if isinstance(test, list):
        return _op("in", test, get, scope, loc, field, fact)
    if isinstance(test, bool) and subject in FACTS:
        return _fact_is(subject, test)
    return _op("eq", test, get, scope, loc, field, fact)


def _fact_is(name: str, want: bool) -> Condition:
    """``{fact: true}``, the most common test, fused into one call (facts are real bools)."""
    return lambda ctx: ctx[name] is want


def _all(parts: list[Condition | None]) -> Condition:
    checks = tuple(p for p in parts if p is not None)
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:  # the common case, without a generator per call
        first, second = checks
        return lambda ctx: first(ctx) and second(ctx)

    def every(ctx: Context) -> bool:
        for check in checks:  # noqa: SIM110 - a loop is faster than all() over a generator
            if not check(ctx):
                return False
        return True

    return every


def _any(checks: tuple[Condition, ...]) -> Condition:
    if len(checks) == 1:
        return checks[0]

    def some(ctx: Context) -> bool:
        for check in checks:  # noqa: SIM110
            if check(ctx):
                return True
        return False

    return some


def _not(inner: Condition) -> Condition:
    return lambda ctx: not inner(ctx)


def compile_condition(node: object, scope: Scope, loc: Loc) -> Condition | None:
    """Compile ``when:`` YAML into a closure; problems are added to ``scope.issues``."""
    if isinstance(node, bool):
        return (lambda ctx: True) if node else (lambda ctx: False)
    if not isinstance(node, dict) or not node:
        scope.error(loc, "a condition is a mapping: {field: test}, all, any or not")
        return None
    parts: list[Condition | None] = []
    for key, value in node.items():
        here = (*loc, key)
        if key in ("all", "any"):
            if not isinstance(value, list) or not value:
                scope.error(here, f"{key} needs a non-empty list of conditions")
                parts.append(None)
                continue
            subs = [compile_condition(v, scope, (*here, i)) for i, v in enumerate(value)]
            if None in subs:
                parts.append(None)
                continue
            checks = tuple(s for s in subs if s is not None)
            parts.append(_all(list(checks)) if key == "all" else _any(checks))
        elif key == "not":
            inner = compile_condition(value, scope, here)
            parts.append(None if inner is None else _not(inner))
        else:
            parts.append(_test(str(key), value, scope, here))
    return None if None in parts else _all(parts)
