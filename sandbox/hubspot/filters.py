"""Search filters: the request models, indexed documents and compiled OR-of-AND predicates."""

from __future__ import annotations

import fnmatch
import math
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from sandbox.hubspot.errors import validation
from sandbox.hubspot.properties import PropertyDef
from sandbox.hubspot.values import parse_moment, to_ms, typed

MAX_GROUPS = 5
MAX_FILTERS_PER_GROUP = 6
MAX_FILTERS = 18
QUERY_PROPERTIES = ("email", "firstname", "lastname", "phone", "company", "hs_additional_emails")
"""Properties HubSpot's free-text ``query`` looks in for contacts."""

Operator = Literal[
    "EQ",
    "NEQ",
    "LT",
    "LTE",
    "GT",
    "GTE",
    "BETWEEN",
    "IN",
    "NOT_IN",
    "HAS_PROPERTY",
    "NOT_HAS_PROPERTY",
    "CONTAINS_TOKEN",
    "NOT_CONTAINS_TOKEN",
]
Typed = float | str | bool


class Filter(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    property_name: str = Field(alias="propertyName")
    operator: Operator
    value: str | int | float | bool | None = None
    high_value: str | int | float | None = Field(default=None, alias="highValue")
    values: list[str | int | float | bool] | None = None


class FilterGroup(BaseModel):
    filters: list[Filter] = Field(default_factory=list)


@dataclass
class Doc:
    """One contact as the search index holds it (the last version indexed)."""

    cid: int
    props: Mapping[str, str]
    _typed: dict[str, Typed | None] = field(default_factory=dict)
    _tokens: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def typed(self, name: str, prop: PropertyDef | None) -> Typed | None:
        try:
            return self._typed[name]
        except KeyError:
            raw = self.props.get(name)
            value = None if raw is None or raw == "" else typed(prop, raw)
            if isinstance(value, float) and math.isnan(value):
                value = None
            self._typed[name] = value
            return value

    def tokens(self, name: str) -> tuple[str, ...]:
        if name not in self._tokens:
            raw = self.props.get(name, "").lower()
            words = [w for w in re.split(r"[^\w@.+-]+", raw) if w]
            parts = [p for w in words for p in re.split(r"[@.+-]+", w) if p]
            domains = [w.partition("@")[2] for w in words if "@" in w]
            self._tokens[name] = (raw, *words, *parts, *domains)
        return self._tokens[name]


Predicate = Callable[[Doc], bool]
Schema = Callable[[str], PropertyDef | None]


@dataclass(frozen=True)
class Range:
    """Inclusive bounds one group puts on a numeric or datetime property (for an index scan)."""

    prop: PropertyDef
    low: float = -math.inf
    high: float = math.inf


@dataclass
class Group:
    """The AND of one filter group's predicates, and its range on a sortable property if any."""

    predicates: list[Predicate]
    range: Range | None = None


@dataclass
class Query:
    """A compiled search: OR of the groups (none: everything), and the free-text query."""

    groups: list[Group]
    text: str = ""

    def matches(self, doc: Doc) -> bool:
        text = self.text
        if text and not any(text in doc.props.get(p, "").lower() for p in QUERY_PROPERTIES):
            return False
        if not self.groups:
            return True
        return any(all(p(doc) for p in g.predicates) for g in self.groups)


def _operand(prop: PropertyDef, raw: object) -> Typed:
    if raw is None:
        raise validation(f"Filter on {prop.name} needs a value")
    text = str(raw).strip()
    if prop.type in ("datetime", "date"):
        moment = parse_moment(text)
        if moment is None:
            raise validation(f"{text} is not a valid epoch millisecond value for {prop.name}")
        return float(to_ms(moment))
    if prop.type == "number":
        try:
            return float(text)
        except ValueError as exc:
            raise validation(f"{text} is not a valid number for {prop.name}") from exc
    if prop.type == "bool":
        return text.lower() == "true"
    if prop.type == "enumeration":
        return text  # compared with the stored option value exactly (see values.typed)
    return text.lower()


_ORDER_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "LT": operator.lt,
    "LTE": operator.le,
    "GT": operator.gt,
    "GTE": operator.ge,
}


def _comparable(value: Typed | None, operand: Typed) -> bool:
    # Text compares with text only, numbers (and epoch ms) with numbers.
    return value is not None and isinstance(value, str) == isinstance(operand, str)


def _compile_filter(f: Filter, prop: PropertyDef) -> Predicate:
    name, op = prop.name, f.operator
    if op == "HAS_PROPERTY":
        return lambda d: bool(d.props.get(name))
    if op == "NOT_HAS_PROPERTY":
        return lambda d: not d.props.get(name)
    if op in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        pattern = str(f.value if f.value is not None else "").lower()
        if not pattern:
            raise validation(f"Filter on {name} needs a value")
        wild = "*" in pattern or "?" in pattern

        def contains(d: Doc) -> bool:
            tokens = d.tokens(name)
            if wild:
                return any(fnmatch.fnmatchcase(t, pattern) for t in tokens)
            return pattern in tokens

        return contains if op == "CONTAINS_TOKEN" else (lambda d: not contains(d))
    if op in ("IN", "NOT_IN"):
        if not f.values:
            raise validation(f"Filter {op} on {name} needs values")
        members = {_operand(prop, v) for v in f.values}
        if op == "IN":
            return lambda d: d.typed(name, prop) in members
        return lambda d: d.typed(name, prop) not in members
    low = _operand(prop, f.value)
    if op == "EQ":
        return lambda d: d.typed(name, prop) == low
    if op == "NEQ":
        return lambda d: d.typed(name, prop) != low
    if op == "BETWEEN":
        high = _operand(prop, f.high_value)

        def between(d: Doc) -> bool:
            value = d.typed(name, prop)
            return _comparable(value, low) and low <= value <= high  # type: ignore[operator]

        return between
    check = _ORDER_OPS[op]

    def compare(d: Doc) -> bool:
        value = d.typed(name, prop)
        return _comparable(value, low) and check(value, low)

    return compare


def _range(filters: list[tuple[Filter, PropertyDef]]) -> Range | None:
    """The bounds of the first numeric/datetime property the group restricts, if any."""
    for f, prop in filters:
        if prop.type not in ("number", "datetime", "date"):
            continue
        if f.operator not in ("EQ", "GT", "GTE", "LT", "LTE", "BETWEEN"):
            continue
        low, high = -math.inf, math.inf
        for g, other in filters:
            if other.name != prop.name:
                continue
            value = _operand(prop, g.value) if g.value is not None else None
            if not isinstance(value, float):
                continue
            if g.operator in ("EQ", "GT", "GTE", "BETWEEN"):
                low = max(low, value)
            if g.operator in ("EQ", "LT", "LTE"):
                high = min(high, value)
            if g.operator == "BETWEEN" and g.high_value is not None:
                high = min(high, float(_operand(prop, g.high_value)))
        return Range(prop, low, high)
    return None


def compile_query(groups: list[FilterGroup], query: str | None, schema: Schema) -> Query:
    """Check HubSpot's limits and compile the filter groups."""
    if len(groups) > MAX_GROUPS:
        raise validation(f"Too many filter groups: {len(groups)} (at most {MAX_GROUPS})")
    total = sum(len(g.filters) for g in groups)
    if total > MAX_FILTERS or any(len(g.filters) > MAX_FILTERS_PER_GROUP for g in groups):
        raise validation(
            f"Too many filters: at most {MAX_FILTERS_PER_GROUP} per group and {MAX_FILTERS} in all"
        )
    compiled: list[Group] = []
    for group in groups:
        resolved: list[tuple[Filter, PropertyDef]] = []
        for f in group.filters:
            prop = schema(f.property_name)
            if prop is None:
                raise validation(f"Property {f.property_name} does not exist on contacts")
            resolved.append((f, prop))
        if resolved:
            predicates = [_compile_filter(f, prop) for f, prop in resolved]
            compiled.append(Group(predicates, _range(resolved)))
    return Query(compiled, (query or "").strip().lower())
