"""Values refused at the read boundary: the checks a parsed value passes before it enters leadsync.

A value that fails is left out of the record and named in ``SourceRecord.problems`` so the
engine dead-letters that one record; the parsers never raise on a value, whatever the API sent.
"""

from __future__ import annotations

import math
import re

from connectors.base import RecordError

INVALID_VALUE = "INVALID_VALUE"
MAX_TEXT = 131_072  # Salesforce's longest text area; HubSpot's text properties take 65,536
MAX_EMAIL = 254  # the longest address SMTP can carry (RFC 5321); the state column takes 320
MAX_INT = 2**63 - 1  # what every state backend and both APIs store as an integer
MAX_NUMBER_TEXT = 400  # a number written with more characters is not read (int() is quadratic)
SHOWN = 80  # characters of a refused value quoted in the dead letter
# NUL is refused by PostgreSQL text; a lone surrogate cannot be encoded as UTF-8 anywhere.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_SECRET_NAME = re.compile(r"token|secret|password|passwd|api_?key", re.IGNORECASE)


class Refused(ValueError):
    """A value a parser will not let in; the message says why (without the value)."""


def check_text(text: str, *, limit: int = MAX_TEXT) -> str:
    """``text`` if a state store and both APIs can hold it; else Refused."""
    if len(text) > limit:
        raise Refused(f"{len(text)} characters; at most {limit} are read")
    found = _UNSTORABLE.search(text)
    if found is not None:
        what = "a NUL character" if found.group() == "\x00" else "an unpaired surrogate"
        raise Refused(f"contains {what}")
    return text


def check_int(number: int) -> int:
    """An integer within the 64-bit range every store holds; else Refused."""
    if -MAX_INT - 1 <= number <= MAX_INT:
        return number
    raise Refused("integer out of the 64-bit range")


def check_float(number: float) -> float:
    """A finite float; NaN and infinities (``1e400`` reads as one) are Refused."""
    if math.isfinite(number):
        return number
    raise Refused("not a finite number")


def number_from_text(text: str) -> int | float:
    """A number written as text (an integer stays an int); Refused when not a sane number."""
    text = text.strip()
    if len(text) > MAX_NUMBER_TEXT:
        raise Refused(f"a number of {len(text)} characters")
    body = text[1:] if text[:1] in "+-" else text
    if body.isdigit() and body.isascii():
        return check_int(int(text))
    try:
        number = float(text)
    except ValueError as exc:
        raise Refused("not a number") from exc
    return check_float(number)


def shown(name: str, raw: object) -> str:
    """The value as quoted in a dead letter: repr, cut to SHOWN characters; secrets never."""
    if _SECRET_NAME.search(name):
        return "(value not shown)"
    text = repr(raw)
    return text if len(text) <= SHOWN else text[: SHOWN - 1] + "…"


def refusal(name: str, raw: object, reason: str) -> RecordError:
    """The problem naming one refused value: field, the value (cut) and why."""
    return RecordError(INVALID_VALUE, f"{name} = {shown(name, raw)}: {reason}", (name,))
