"""Coercion of raw API values (HubSpot sends every property as text) to a field's type."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, date, datetime

from connectors.base import Value

_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


def _to_number(value: Value) -> Value:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return value
    try:
        return float(value)
    except ValueError:
        return value  # keep what we cannot read rather than lose it
    except OverflowError:  # an integer past any float: refused by the reader
        return math.inf


def _to_integer(value: Value) -> Value:
    number = _to_number(value)
    if isinstance(number, float) and number.is_integer():
        return int(number)
    return number


def _to_bool(value: Value) -> Value:
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    if isinstance(value, int | float) and not isinstance(value, bool):
        return bool(value)
    return value


def parse_datetime(text: str) -> datetime | None:
    """ISO 8601 text or epoch milliseconds as an aware datetime (UTC when no zone); else None."""
    text = text.strip()
    if text.isdigit():  # HubSpot datetimes may arrive as epoch milliseconds
        try:
            return datetime.fromtimestamp(int(text) / 1000, UTC)
        except (OverflowError, ValueError, OSError):  # past the calendar (or the digit limit)
            return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _to_datetime(value: Value) -> Value:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str):
        return parse_datetime(value) or value
    return value


def _to_date(value: Value) -> Value:
    if isinstance(value, datetime):
        return value.astimezone(UTC).date()
    if isinstance(value, str):
        parsed = parse_datetime(value)
        return parsed.astimezone(UTC).date() if parsed else value
    return value


def _to_string(value: Value) -> Value:
    if isinstance(value, str) or value is None:
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value.isoformat() if isinstance(value, date) else str(value)


COERCERS: dict[str, Callable[[Value], Value]] = {
    "string": _to_string,
    "number": _to_number,
    "integer": _to_integer,
    "bool": _to_bool,
    "date": _to_date,
    "datetime": _to_datetime,
}
