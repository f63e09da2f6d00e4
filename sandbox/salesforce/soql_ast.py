"""Syntax tree of the supported SOQL subset, as the parser builds it and the evaluator reads it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum


class LitKind(Enum):
    STRING = "string"
    NUMBER = "number"
    BOOLEAN = "boolean"
    NULL = "null"
    DATE = "date"
    DATETIME = "dateTime"
    DATE_RANGE = "date literal"


@dataclass(frozen=True)
class DateRange:
    """The days a relative date literal covers: ``start`` inclusive, ``end`` exclusive."""

    start: date
    end: date


LiteralValue = str | int | float | bool | date | datetime | DateRange | None


@dataclass(frozen=True)
class Literal:
    kind: LitKind
    value: LiteralValue
    pos: int
    like: str = ""  # for strings: the LIKE pattern as a regular expression over casefolded text


@dataclass(frozen=True)
class FieldRef:
    name: str  # as written; dotted for relationship paths ("Account.Name")
    pos: int

    @property
    def is_path(self) -> bool:
        return "." in self.name


@dataclass(frozen=True)
class Comparison:
    field: FieldRef
    op: str  # = != < > <= >= LIKE IN NOT IN
    values: tuple[Literal, ...]  # one literal, or the IN list


@dataclass(frozen=True)
class Not:
    operand: Condition


@dataclass(frozen=True)
class BoolOp:
    op: str  # AND | OR
    operands: tuple[Condition, ...]


Condition = Comparison | Not | BoolOp


@dataclass(frozen=True)
class OrderItem:
    field: FieldRef
    descending: bool
    nulls_last: bool


@dataclass(frozen=True)
class Statement:
    object_type: str
    fields: tuple[FieldRef, ...]
    is_count: bool
    where: Condition | None
    order_by: tuple[OrderItem, ...]
    limit: int | None
    offset: int | None
    count_of: FieldRef | None = None  # SELECT COUNT(field) [alias]: the field counted
    count_alias: str | None = None


def condition_fields(cond: Condition) -> list[FieldRef]:
    """Every field a condition names, in order."""
    if isinstance(cond, Comparison):
        return [cond.field]
    if isinstance(cond, Not):
        return condition_fields(cond.operand)
    return [ref for operand in cond.operands for ref in condition_fields(operand)]
