"""JSON encoding of field values for the state store that round-trips dates and datetimes."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime

from connectors.base import Value

JsonValue = str | int | float | bool | None | dict[str, str]
"""A Value as stored in a JSON column: plain JSON scalars, or a tagged object for dates."""

_DATE = "$date"
_DATETIME = "$datetime"


def encode_value(value: Value) -> JsonValue:
    """Encode one Value for a JSON column; dates and datetimes become tagged objects."""
    # datetime is a subclass of date, so it must be tested first.
    if isinstance(value, datetime):
        return {_DATETIME: value.isoformat()}
    if isinstance(value, date):
        return {_DATE: value.isoformat()}
    if isinstance(value, float) and not math.isfinite(value):
        # JSON (and PostgreSQL's json type) has no NaN/Infinity; refuse early and clearly.
        raise ValueError(f"cannot store non-finite float {value!r}")
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"not a field value: {type(value).__name__}")


def decode_value(raw: object) -> Value:
    """Decode what ``encode_value`` produced (after a trip through JSON)."""
    if isinstance(raw, dict):
        if _DATETIME in raw:
            return datetime.fromisoformat(str(raw[_DATETIME]))
        if _DATE in raw:
            return date.fromisoformat(str(raw[_DATE]))
        raise ValueError(f"unknown tagged value: {sorted(raw)}")
    if raw is None or isinstance(raw, str | int | float | bool):
        return raw
    raise ValueError(f"not a stored field value: {type(raw).__name__}")


def encode_fields(fields: Mapping[str, Value]) -> dict[str, JsonValue]:
    """Encode a field -> value mapping."""
    return {name: encode_value(value) for name, value in fields.items()}


def decode_fields(raw: object) -> dict[str, Value]:
    """Decode a stored field -> value mapping (an empty mapping for NULL)."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ValueError(f"stored fields are not an object: {type(raw).__name__}")
    return {str(name): decode_value(value) for name, value in raw.items()}
