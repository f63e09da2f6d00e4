"""Property values: HubSpot's string forms, checking values written, typed values for search."""

from __future__ import annotations

import contextlib
import math
import re
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING

from sandbox.hubspot.errors import PropertyProblem

if TYPE_CHECKING:
    from sandbox.hubspot.properties import PropertyDef

PropertyInput = str | int | float | bool | datetime | date | None
"""A value as a caller hands it in; stored and answered as HubSpot's string form."""

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def iso_ms(moment: datetime) -> str:
    """HubSpot's datetime form, Java's ``Instant.toString()``: UTC, ``Z``, milliseconds unless 0."""
    moment = moment.astimezone(UTC)
    millis = moment.microsecond // 1000
    base = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return f"{base}.{millis:03d}Z" if millis else f"{base}Z"


def to_ms(moment: datetime) -> int:
    return int(round(moment.timestamp() * 1000))


def parse_moment(raw: str) -> datetime | None:
    """Epoch milliseconds or ISO 8601 (date or datetime) -> aware UTC datetime; None if neither."""
    text = raw.strip()
    if re.fullmatch(r"-?\d+", text):
        return datetime.fromtimestamp(int(text) / 1000, UTC)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _format_number(number: float) -> str:
    return str(int(number)) if number.is_integer() and abs(number) < 1e16 else repr(number)


def _moment(raw: PropertyInput) -> datetime | None:
    """A datetime, a date (midnight), epoch ms or ISO text as an aware UTC datetime."""
    if isinstance(raw, datetime):
        return raw.astimezone(UTC) if raw.tzinfo else raw.replace(tzinfo=UTC)
    if isinstance(raw, date):
        return datetime.combine(raw, time(), UTC)
    if isinstance(raw, bool) or raw is None:
        return None
    moment = parse_moment(str(raw))
    return moment.astimezone(UTC) if moment else None


def _ms_text(raw: PropertyInput) -> str:
    """How HubSpot echoes a refused date: as epoch milliseconds."""
    moment = _moment(raw)
    return str(to_ms(moment)) if moment is not None else str(raw)


def normalize(prop: PropertyDef, raw: PropertyInput) -> str | PropertyProblem | None:
    """The stored string for ``raw`` (None clears the value), or why HubSpot refuses it."""
    result = _normalize(prop, raw)
    if isinstance(result, PropertyProblem):
        result.value = str(raw)
    return result


def _normalize(prop: PropertyDef, raw: PropertyInput) -> str | PropertyProblem | None:
    if raw is None or raw == "":
        return None
    name = prop.name
    if prop.type in ("datetime", "date"):
        moment = _moment(raw)
        if prop.type == "datetime":
            if moment is None:
                return PropertyProblem(name, "INVALID_LONG", f"{raw!s} was not a valid long.")
            return iso_ms(moment)
        if moment is None:
            return PropertyProblem(name, "INVALID_LONG", f"{raw!s} was not a valid long.")
        if moment.time() != time():
            # HubSpot's own wording, unpadded: "1521225089103 is at 18:31:29.103 UTC, not midnight!"
            at = f"{moment.hour}:{moment.minute}:{moment.second}.{moment.microsecond // 1000}"
            return PropertyProblem(
                name, "INVALID_DATE", f"{_ms_text(raw)} is at {at} UTC, not midnight!"
            )
        return moment.date().isoformat()
    if prop.type == "number":
        number = math.nan
        if isinstance(raw, str | int | float) and not isinstance(raw, bool):
            with contextlib.suppress(ValueError):
                number = float(raw)
        if not math.isfinite(number):
            return PropertyProblem(name, "INVALID_DOUBLE", f"{raw!s} is not a valid number")
        return _format_number(number)
    if prop.type == "bool":
        text = str(raw).strip().lower()
        if text not in {"true", "false"}:
            return PropertyProblem(name, "INVALID_BOOLEAN", f"{raw!s} is not a valid boolean")
        return text
    text = str(raw)
    if prop.type == "enumeration" and prop.options:
        parts = text.split(";") if prop.field_type == "checkbox" else [text]
        bad = [p for p in parts if p not in prop.option_values]
        if bad:
            # HubSpot prints the options as protobuf text, one block per option.
            allowed = ", ".join(
                f'label: "{o.label}"\nvalue: "{o.value}"\ndisplay_order: {o.display_order}\n'
                f"hidden: {str(o.hidden).lower()}\nread_only: false\n"
                for o in prop.options
            )
            return PropertyProblem(
                name,
                "INVALID_OPTION",
                f"{bad[0]} was not one of the allowed options: [{allowed}]",
            )
    if name == "email":
        text = text.strip().lower()
        if not _EMAIL.match(text):
            return PropertyProblem(name, "INVALID_EMAIL", f"Email address {raw!s} is invalid")
    return text


def typed(prop: PropertyDef | None, value: str) -> float | str | bool:
    """The value search compares: numbers and epoch ms as floats, text case-folded.

    Enumeration values are compared as stored: HubSpot matches an option's internal value
    exactly, so a filter on ``hs_lead_status`` = ``open`` finds no ``OPEN`` contact.
    """
    if prop is None:
        return value.lower()
    if prop.type == "number":
        try:
            return float(value)
        except ValueError:
            return math.nan
    if prop.type in ("datetime", "date"):
        moment = parse_moment(value)
        return float(to_ms(moment)) if moment else math.nan
    if prop.type == "bool":
        return value == "true"
    if prop.type == "enumeration":
        return value  # option values match exactly: "OPEN" is not "open"
    return value.lower()
