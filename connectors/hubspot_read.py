"""HubSpot reads: property values parsed by type, and the overlapping, de-duplicated cursor."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from connectors.base import Cursor, FieldSchema, ObjectSchema, RecordError, SourceRecord, Value
from connectors.refusal import MAX_EMAIL, Refused, check_text, number_from_text, refusal

OBJECT_TYPE = "contact"
MODIFIED = "lastmodifieddate"
MERGED = "hs_merged_object_ids"
# Read whatever the mapping asks for: identity (email, merges), stamps and the object id.
SYSTEM_PROPERTIES = (
    "email",
    MODIFIED,
    "createdate",
    "hs_object_id",
    MERGED,
    "hs_additional_emails",
)
_INT = re.compile(r"^-?\d+$")
_ID = re.compile(r"[0-9A-Za-z_-]{1,64}")
_MAX_MS_DIGITS = 20  # epoch milliseconds with more digits are past any calendar
_EPOCH = datetime.fromtimestamp(0, UTC)


def to_ms(moment: datetime) -> int:
    """Epoch milliseconds, what HubSpot's search filters take."""
    return int(round(moment.timestamp() * 1000))


def from_ms(ms: int) -> datetime:
    """Aware UTC datetime from epoch milliseconds (OverflowError past year 9999)."""
    return _EPOCH + timedelta(milliseconds=ms)


def parse_datetime(raw: str) -> datetime | None:
    """HubSpot datetimes come as ISO 8601 (``...T15:04:05.123Z``) or epoch milliseconds.

    None for blank text and for text that is not a datetime a calendar holds.
    """
    text = raw.strip()
    if not text:
        return None
    if _INT.match(text):
        if len(text) > _MAX_MS_DIGITS:
            return None
        try:
            return from_ms(int(text))
        except OverflowError:  # epoch milliseconds past year 9999 (or before year 1)
            return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    try:
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except OverflowError:  # an offset that moves the moment past the calendar's ends
        return None


def parse_value(raw: str | None, field: FieldSchema | None) -> Value:
    """A property string as a native value, by the property's type; "" is None.

    Raises Refused for a value leadsync will not take in: a number that is not finite or not
    in range, a date or datetime no calendar holds, text a state store cannot keep.
    """
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):  # the API sends text; anything else is read as its text
        raw = str(raw)
    kind = field.type if field else "string"
    if kind == "number":
        return number_from_text(raw)
    if kind == "bool":
        return raw.strip().lower() == "true"
    if kind == "datetime":
        moment = parse_datetime(raw)
        if moment is None:
            raise Refused("not a datetime")
        return moment
    if kind == "date":
        moment = parse_datetime(raw) if _INT.match(raw.strip()) else None
        if moment is not None:
            return moment.date()
        try:
            return date.fromisoformat(raw.strip()[:10])
        except ValueError as exc:
            raise Refused("not a date") from exc
    if field is not None and field.name == "email":
        return check_text(raw, limit=MAX_EMAIL)
    return check_text(raw)


def parse_contact(
    contact_id: str,
    properties: Mapping[str, str | None],
    schema: ObjectSchema,
    *,
    archived_at: datetime | None = None,
    updated_at: datetime | None = None,
) -> SourceRecord:
    """One contact as a SourceRecord; archived ones come as deleted at their archive time.

    Never raises on a value: one leadsync refuses is left out and named in ``problems``.
    A refused ``lastmodifieddate`` leaves the record stamped with ``updatedAt`` (else epoch).
    """
    fields: dict[str, Value] = {}
    problems: list[RecordError] = []
    for name, value in properties.items():
        try:
            fields[name] = parse_value(value, schema.fields.get(name))
        except Refused as exc:
            problems.append(refusal(name, value, str(exc)))
    modified = fields.get(MODIFIED)
    if not isinstance(modified, datetime):
        modified = updated_at or _EPOCH
    merged = str(properties.get(MERGED) or "")
    return SourceRecord(
        system="hubspot",
        object_type=OBJECT_TYPE,
        id=str(contact_id),
        fields=fields,
        modified_at=archived_at or modified,
        deleted=archived_at is not None,
        merged_ids=tuple(i for i in merged.split(";") if i.strip()),
        problems=tuple(problems),
    )


def contact_id(raw: Mapping[str, Any]) -> str | None:
    """A contact object's id when it names one (HubSpot ids are digits); else None."""
    value = raw.get("id")
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value).strip()
    return text if _ID.fullmatch(text) else None


def search_stamp_ms(raw: Mapping[str, Any]) -> int | None:
    """A search result's stamp as ``parse_contact`` takes it, in epoch ms; None if unreadable."""
    props = raw.get("properties") or {}
    moment = parse_datetime(str(props.get(MODIFIED) or "")) or parse_datetime(
        str(raw.get("updatedAt") or "")
    )
    return to_ms(moment) if moment is not None else None


def seen_key(record: SourceRecord) -> str:
    """The de-duplication key of one read version of a record: ``id@epoch_ms``."""
    return f"{record.id}@{to_ms(record.modified_at)}"


class OverlapCursor:
    """A cursor whose ``ids_at_value`` holds every version read inside the overlap window.

    The next read starts ``overlap_s`` before the value (search indexes writes late), so it
    returns again what was read in that window; those versions are dropped by their key.
    """

    def __init__(self, since: Cursor, overlap_s: float) -> None:
        self.overlap_ms = int(overlap_s * 1000)
        self.value_ms: int | None = to_ms(since.value) if since.value else None
        self._window: dict[str, int] = {}
        for key in since.ids_at_value:
            _, _, ms = key.rpartition("@")
            if ms.isdigit():
                self._window[key] = int(ms)
        self.seen: set[str] = set(self._window)

    def start_ms(self) -> int:
        """Where the next search starts: the value minus the overlap (0 without a value)."""
        return max(0, self.value_ms - self.overlap_ms) if self.value_ms is not None else 0

    def accept(self, records: Iterable[SourceRecord]) -> list[SourceRecord]:
        """The versions not read before; the cursor moves to the newest one."""
        fresh: list[SourceRecord] = []
        for record in records:
            key = seen_key(record)
            if key in self.seen:
                continue
            self.seen.add(key)
            fresh.append(record)
            self.note(key, to_ms(record.modified_at))
        return fresh

    def note(self, key: str, ms: int) -> None:
        """Count one read version into the cursor."""
        if self.value_ms is None or ms > self.value_ms:
            self.value_ms = ms
        if ms >= self.value_ms - self.overlap_ms:
            self._window[key] = ms

    def cursor(self, cap_ms: int | None = None) -> Cursor:
        """The cursor to store; ``cap_ms`` bounds it (a full scan is only safe up to its start)."""
        if self.value_ms is None:
            return Cursor()
        value = self.value_ms if cap_ms is None else min(self.value_ms, cap_ms)
        if cap_ms is None:
            # Versions older than the overlap are never needed again: keep the window small.
            floor = self.value_ms - self.overlap_ms
            self._window = {k: ms for k, ms in self._window.items() if ms >= floor}
        low = value - self.overlap_ms
        ids = frozenset(k for k, ms in self._window.items() if low <= ms <= value)
        return Cursor(value=from_ms(value), ids_at_value=ids)


def parse_properties_schema(results: Iterable[Mapping[str, Any]]) -> ObjectSchema:
    """HubSpot property definitions (``GET /crm/v3/properties/contacts``) as an ObjectSchema."""
    fields: dict[str, FieldSchema] = {}
    for prop in results:
        name = str(prop.get("name", ""))
        meta = prop.get("modificationMetadata") or {}
        read_only = bool(meta.get("readOnlyValue", False))
        kind = str(prop.get("type") or "string")
        options = prop.get("options") or []
        fields[name] = FieldSchema(
            name=name,
            type=kind,
            createable=not read_only,
            updateable=not read_only,
            picklist_values=tuple(str(o.get("value")) for o in options if not o.get("hidden")),
            restricted_picklist=kind == "enumeration",
            external_id=name == "email" or bool(prop.get("hasUniqueValue", False)),
        )
    return ObjectSchema(object_type=OBJECT_TYPE, fields=fields)
