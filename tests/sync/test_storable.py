"""What the state store can hold: the same refusals on every backend, named per field."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

import pytest

from sync.storable import (
    EMAIL_MAX,
    UnstorableValue,
    check_values,
    refusal,
    shown,
    storable,
    storable_email,
    storable_payload,
)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (math.nan, "NON_FINITE_NUMBER"),
        (math.inf, "NON_FINITE_NUMBER"),
        (-math.inf, "NON_FINITE_NUMBER"),
        (10**400, "NUMBER_OUT_OF_RANGE"),
        (-(2**63) - 1, "NUMBER_OUT_OF_RANGE"),
        ("Ro\x00b", "NUL_IN_TEXT"),
        ("Smith\ud800", "INVALID_UNICODE"),
        (["a"], "NOT_A_VALUE"),
    ],
)
def test_refused_values_are_named(value: object, code: str) -> None:
    problem = refusal(value)  # type: ignore[arg-type]
    assert problem is not None and problem[0] == code
    with pytest.raises(UnstorableValue) as caught:
        check_values({"f": value})  # type: ignore[dict-item]
    assert caught.value.field == "f" and caught.value.code == code


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        0,
        2**63 - 1,
        1.5,
        -0.0,
        "Zoë 🚀\u200b\u202e",
        date(9999, 12, 31),
        datetime(1, 1, 1, tzinfo=UTC),
        "x" * 100_000,
    ],
)
def test_storable_values_pass(value: object) -> None:
    assert refusal(value) is None  # type: ignore[arg-type]
    check_values({"f": value})  # type: ignore[dict-item]


def test_an_email_longer_than_the_column_is_refused_and_left_out_of_links() -> None:
    long = "a" * (EMAIL_MAX - 5) + "@x.io"
    assert len(long) == EMAIL_MAX
    check_values({"email": long})
    with pytest.raises(UnstorableValue, match="at most 320") as caught:
        check_values({"email": "a" + long})
    assert caught.value.code == "EMAIL_TOO_LONG"
    assert storable_email("a" + long) is None and storable_email(long) == long
    assert storable_email("a\x00@x.io") is None


def test_storable_drops_only_what_cannot_be_held() -> None:
    assert storable({"a": 1.0, "b": math.nan, "c": "x\x00"}) == {"a": 1.0}


def test_shown_is_safe_short_text() -> None:
    assert shown("a\x00b\x1b[31m") == "a\\x00b\\x1b[31m"
    assert shown(10**5000) == "<integer of about 5001 digits>"  # repr() would refuse
    assert len(shown("x" * 1000)) == 200
    assert storable_payload({"n": math.nan, "ok": 2, "t": "\x00"}) == {
        "n": "nan",
        "ok": 2,
        "t": "\\x00",
    }
