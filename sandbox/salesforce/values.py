"""Field values: client input (JSON or CSV text) to stored Python values, and back to wire form."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from functools import lru_cache

from sandbox.salesforce.errors import SalesforceError
from sandbox.salesforce.schema import FieldSpec

# Salesforce's own check is permissive: local part of the usual characters, a dotted domain.
_EMAIL = re.compile(
    r"^[A-Za-z0-9._%+'&/=!#$*?^`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$"
)


def _bad(spec: FieldSpec, raw: object) -> SalesforceError:
    return SalesforceError(
        "JSON_PARSER_ERROR",
        f"Cannot deserialize instance of {spec.type} from value {raw!r} for field {spec.name}",
    )


def parse_datetime(text: str) -> datetime:
    """Parse an ISO or Salesforce-style datetime (``...000+0000``, ``Z``) to aware UTC."""
    value = text.strip().replace("Z", "+00:00")
    if re.search(r"[+-]\d{4}$", value):
        value = value[:-2] + ":" + value[-2:]
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def coerce(spec: FieldSpec, raw: object) -> object:
    """A client value (JSON or CSV text) as the stored Python value; raises SalesforceError."""
    if raw is None or raw == "":
        return None  # Salesforce stores a blank as null
    kind = spec.type
    try:
        if kind == "boolean":
            if isinstance(raw, bool):
                return raw
            if isinstance(raw, str) and raw.lower() in ("true", "false"):
                return raw.lower() == "true"
            raise _bad(spec, raw)
        if kind == "int":
            if isinstance(raw, bool) or not isinstance(raw, str | int | float):
                raise _bad(spec, raw)
            return int(float(raw))
        if kind in ("double", "currency", "percent"):
            if isinstance(raw, bool) or not isinstance(raw, str | int | float):
                raise _bad(spec, raw)
            return float(raw)
        if kind == "date":
            if isinstance(raw, datetime):
                return raw.astimezone(UTC).date()
            if isinstance(raw, date):
                return raw
            if not isinstance(raw, str):
                raise _bad(spec, raw)
            return date.fromisoformat(raw[:10])
        if kind == "datetime":
            if isinstance(raw, datetime):
                return raw.astimezone(UTC) if raw.tzinfo else raw.replace(tzinfo=UTC)
            if not isinstance(raw, str):
                raise _bad(spec, raw)
            return parse_datetime(raw)
    except ValueError as exc:
        raise _bad(spec, raw) from exc
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, int | float):
        return str(raw)
    if not isinstance(raw, str):
        raise _bad(spec, raw)
    return _check_text(spec, raw)


def _check_text(spec: FieldSpec, value: str) -> str:
    if spec.length and len(value) > spec.length:
        raise SalesforceError(
            "STRING_TOO_LONG",
            f"{spec.label or spec.name}: data value too large: {value[:40]} "
            f"(max length={spec.length})",
            [spec.name],
        )
    if spec.type == "email" and not _EMAIL.match(value):
        raise SalesforceError(
            "INVALID_EMAIL_ADDRESS", f"{spec.name}: invalid email address: {value}", [spec.name]
        )
    if spec.restricted and value not in spec.picklist:
        raise SalesforceError(
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            f"{spec.name}: bad value for restricted picklist field: {value}",
            [spec.name],
        )
    return value


@lru_cache(maxsize=100_000)
def _utc_text(value: datetime) -> str:
    # Cached: the same stamps are rendered page after page, sync after sync, and formatting
    # costs microseconds that add up over 2,000-record pages with several datetimes each.
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(timespec="milliseconds")[:23]


def format_datetime(value: datetime) -> str:
    """A datetime as the REST API renders it: ``2026-11-23T15:04:05.000+0000``."""
    return _utc_text(value) + "+0000"


def render(value: object) -> object:
    """A stored value as JSON."""
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def render_csv(value: object) -> str:
    """A stored value as a Bulk 2.0 CSV cell (datetimes end in ``Z``, null is empty)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return _utc_text(value) + "Z"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
