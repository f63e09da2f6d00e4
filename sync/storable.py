"""What the state store can hold, the same on every backend: refusals named before a write."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime

from connectors.base import Value

EMAIL_MAX = 320  # links.email / decisions.email: the longest address RFC 5321 allows
INT_MAX = 2**63 - 1  # what a BIGINT and every JSON reader hold without loss
SHORT_TEXT_MAX = 200  # dead_letters.code / field / record_ref
SHOWN_VALUE_MAX = 200  # a refused value quoted in a dead letter
_PLAIN = frozenset({bool, date, datetime})  # always storable


class UnstorableValue(ValueError):
    """A value of one record the state store cannot hold (PostgreSQL refuses, SQLite would not).

    SQLite takes a NUL or an over-long string silently, PostgreSQL refuses them and loses the
    whole batch: both are refused here, per record, so the backends behave alike.
    """

    def __init__(self, field: str, code: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.code = code
        self.message = message


def refusal(value: Value) -> tuple[str, str] | None:
    """Why the state store cannot hold ``value`` as (code, message), or None when it can."""
    if isinstance(value, bool) or value is None or isinstance(value, date):
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            return "NON_FINITE_NUMBER", f"{value!r} is not a finite number"
        return None
    if isinstance(value, int):
        if abs(value) > INT_MAX:
            return "NUMBER_OUT_OF_RANGE", f"an integer of about {_digits(value)} digits"
        return None
    if isinstance(value, str):
        if "\x00" in value:
            return "NUL_IN_TEXT", "text holds a NUL character (PostgreSQL cannot store it)"
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return "INVALID_UNICODE", "text holds a lone surrogate (not valid UTF-8)"
        return None
    return "NOT_A_VALUE", f"a {type(value).__name__} is not a field value"


def check_values(values: Mapping[str, Value], *, email_field: str = "email") -> None:
    """Raise UnstorableValue for the first value (or email) the state store cannot hold."""
    for name, value in values.items():
        # Called for every person of every run: the common cases are decided inline.
        if isinstance(value, str):
            if "\x00" not in value and value.isascii():
                continue
        elif value is None or value.__class__ in _PLAIN:
            continue
        elif isinstance(value, float) and value - value == 0.0:
            continue  # finite: inf - inf and nan - nan are nan
        problem = refusal(value)
        if problem is not None:
            raise UnstorableValue(name, *problem)
    email = values.get(email_field)
    if isinstance(email, str) and len(email) > EMAIL_MAX:
        raise UnstorableValue(
            email_field,
            "EMAIL_TOO_LONG",
            f"{len(email)} characters; an email address has at most {EMAIL_MAX}",
        )


def storable(values: Mapping[str, Value]) -> dict[str, Value]:
    """``values`` without the ones the state store cannot hold (a last line of defence)."""
    return {name: value for name, value in values.items() if refusal(value) is None}


def storable_email(email: str | None) -> str | None:
    """An email as a link keeps it; one the column cannot hold is left out (identity by id)."""
    if email is None or len(email) > EMAIL_MAX or "\x00" in email:
        return None
    return email


def shown(value: object, limit: int = SHOWN_VALUE_MAX) -> str:
    """A value as text safe to store and print: NULs and controls escaped, long text cut."""
    if isinstance(value, int) and not isinstance(value, bool) and _digits(value) > limit:
        return f"<integer of about {_digits(value)} digits>"  # repr() refuses past 4,300 digits
    text = value if isinstance(value, str) else repr(value)
    out = "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in text)
    return out if len(out) <= limit else out[: limit - 1] + "…"


def storable_payload(payload: Mapping[str, Value]) -> dict[str, Value]:
    """A dead letter's payload with every value the store cannot hold shown as safe text."""
    return {
        shown(name, SHORT_TEXT_MAX): value if refusal(value) is None else shown(value)
        for name, value in payload.items()
    }


def _digits(value: int) -> int:
    return int(abs(value).bit_length() * 0.30103) + 1
