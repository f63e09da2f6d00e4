"""Salesforce reads: SOQL for changes and ids, value parsing, and the tie-safe change cursor."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote_plus, urlencode

from simple_salesforce.format import format_soql

from connectors.base import Cursor, FieldSchema, ObjectSchema, RecordError, SourceRecord, Value
from connectors.refusal import (
    Refused,
    check_float,
    check_int,
    check_text,
    number_from_text,
    refusal,
    shown,
)

OBJECT_TYPES = ("Lead", "Contact", "Opportunity")
EXTERNAL_ID_FIELD = "Leadsync_HubSpot_Id__c"
MODSTAMP = "SystemModstamp"

# Opportunities are read for the feedback loop only: stage, amount, outcome and the links.
OPPORTUNITY_FIELDS = (
    "Id",
    "Name",
    "StageName",
    "Amount",
    "IsWon",
    "IsClosed",
    "CloseDate",
    "ContactId",
    "AccountId",
    "CampaignId",  # the primary campaign source (closed-loop attribution)
    "LastModifiedDate",
    "SystemModstamp",
    "IsDeleted",
)
# Read whatever the mapping asks for: ids, stamps, the email identity matches on, conversion
# (Lead -> Contact links), the external id leadsync keeps, and merges' survivor pointer.
SYSTEM_FIELDS = (
    "Id",
    "IsDeleted",
    "SystemModstamp",
    "LastModifiedDate",
    "CreatedDate",
    "Email",
    EXTERNAL_ID_FIELD,
    "Leadsync_HubSpot_Archived__c",
    "IsConverted",
    "ConvertedDate",
    "ConvertedContactId",
    "ConvertedAccountId",
    "ConvertedOpportunityId",
    "AccountId",
    "MasterRecordId",
)
# A query travels in the URL (GET query/?q=...); both this budget and Salesforce's limit
# (16,384 bytes) count the URL-encoded form. Well under 8 KB leaves room for proxies.
QUERY_URL_BUDGET = 6_000
IN_LIST_MIN_BYTES = 2_000
# Compound fields (address, geolocation) cannot be selected with their components in REST.
_UNSELECTABLE_TYPES = {"address", "location", "base64"}
_FLOAT_TYPES = {"double", "currency", "percent"}
_NUMBER_TYPES = _FLOAT_TYPES | {"int", "long"}
_ID = re.compile(r"[0-9A-Za-z]{15}(?:[0-9A-Za-z]{3})?")
log = logging.getLogger(__name__)
_EPOCH = datetime.fromtimestamp(0, UTC)


def select_fields(
    object_type: str, schema: ObjectSchema, wanted: Sequence[str] | None = None
) -> tuple[str, ...]:
    """The fields to read, those the org has: the feedback subset for Opportunity.

    For Lead and Contact, the ``wanted`` ones plus SYSTEM_FIELDS; without ``wanted`` every
    simple field, which a real org's hundreds of fields turn into a URL too long to send.
    """
    if object_type == "Opportunity":
        return tuple(f for f in OPPORTUNITY_FIELDS if not schema.fields or f in schema.fields)
    simple = {n for n, f in schema.fields.items() if f.type not in _UNSELECTABLE_TYPES}
    if wanted is None:
        names = [n for n in schema.fields if n in simple]
    else:
        names = [n for n in dict.fromkeys((*SYSTEM_FIELDS, *wanted)) if n in simple]
    for required in ("Id", MODSTAMP, "IsDeleted"):
        if required not in names:
            names.append(required)
    return tuple(names)


def changes_soql(
    object_type: str,
    fields: Sequence[str],
    since: Cursor,
    *,
    full: bool = False,
    lookback_s: float = 0.0,
) -> str:
    """SOQL for records changed since the cursor (closed start), in modstamp then id order.

    The start is ``lookback_s`` before the cursor (late-visible transactions, see
    CursorTracker); SOQL datetimes have second precision, so it is floored. The caller drops
    what the cursor already covers.
    """
    base = format_soql("SELECT {:literal} FROM {:literal}", ", ".join(fields), object_type)
    order = f" ORDER BY {MODSTAMP} ASC, Id ASC"
    if full or since.value is None:
        return base + order
    start = since.value - timedelta(seconds=lookback_s)
    return base + format_soql(" WHERE {:literal} >= {}", MODSTAMP, start) + order


def ids_soql(object_type: str, fields: Sequence[str], ids: Sequence[str], key: str = "Id") -> str:
    """SOQL reading records whose ``key`` field is one of ``ids``."""
    return format_soql(
        "SELECT {:literal} FROM {:literal} WHERE {:literal} IN {}",
        ", ".join(fields),
        object_type,
        key,
        list(ids),
    )


def query_url_bytes(soql: str) -> int:
    """Bytes the query takes in the request URL, as requests encodes it (``q=...``)."""
    return len(urlencode({"q": soql}))


def ids_soql_chunks(
    object_type: str,
    fields: Sequence[str],
    values: Sequence[str],
    key: str = "Id",
    budget: int = QUERY_URL_BUDGET,
) -> Iterator[str]:
    """``ids_soql`` over ``values`` in as few queries as fit ``budget`` URL bytes each.

    Sized by encoded bytes, not a count: emails with quotes or non-ASCII letters grow when
    percent-encoded. A query that cannot fit even one value is sent as it is (and refused).
    """
    base = query_url_bytes(ids_soql(object_type, fields, [], key))
    # A long select list must not shrink the IN list to one value a query (a call per record
    # would spend the daily allowance): the values always get at least IN_LIST_MIN_BYTES, which
    # keeps the URL under Salesforce's 16,384 bytes for any select list that fits by itself.
    budget = max(budget, base + IN_LIST_MIN_BYTES)
    chunk: list[str] = []
    size = base
    for value in values:
        cost = len(quote_plus(format_soql("{}", value))) + len(quote_plus(","))
        if chunk and size + cost > budget:
            yield ids_soql(object_type, fields, chunk, key)
            chunk, size = [], base
        chunk.append(value)
        size += cost
    if chunk:
        yield ids_soql(object_type, fields, chunk, key)


def parse_datetime(raw: str) -> datetime:
    """Parse Salesforce's ``2026-11-23T15:04:05.000+0000`` (or ISO with Z) to aware UTC.

    Raises ValueError (OverflowError for an offset past the calendar's ends) when it is not one.
    """
    text = raw.replace("Z", "+00:00")
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _moment(raw: str) -> datetime:
    try:
        return parse_datetime(raw)
    except (ValueError, OverflowError) as exc:
        raise Refused("not a datetime") from exc


def parse_value(raw: object, field: FieldSchema | None) -> Value:
    """A JSON value from Salesforce as a native Python value, by the field's describe type.

    Raises Refused for a value leadsync will not take in: a number that is not finite or not
    in range (``NaN``, ``Infinity``, ``1e400``, a 400-digit integer), a date or datetime no
    calendar holds (``2024-13-45``, ``not-a-date``), text a state store cannot keep.
    """
    if raw is None or isinstance(raw, dict | list):
        return None
    kind = field.type if field else ""
    if isinstance(raw, str):
        if kind == "datetime":
            return _moment(raw)
        if kind == "date":
            try:
                return date.fromisoformat(raw[:10])
            except ValueError as exc:
                raise Refused("not a date") from exc
        if kind in _NUMBER_TYPES and raw.strip():
            number = number_from_text(raw)
            return float(number) if kind in _FLOAT_TYPES else number
        return check_text(raw)
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int):
        check_int(raw)
        return float(raw) if kind in _FLOAT_TYPES else raw
    if isinstance(raw, float):
        return check_float(raw)
    return check_text(str(raw))


def parse_record(object_type: str, raw: Mapping[str, object], schema: ObjectSchema) -> SourceRecord:
    """One SOQL row as a SourceRecord with parsed values.

    Never raises on a value: one leadsync refuses is left out and named in ``problems``. A
    refused SystemModstamp stamps the record with LastModifiedDate (else epoch) and stays in
    ``problems`` (CursorTracker passes such a record without moving the cursor). A row without
    an Id raises ValueError: ``parse_rows`` skips it.
    """
    record_id = row_id(raw)
    if record_id is None:
        raise ValueError("a row without a usable Id")
    fields: dict[str, Value] = {}
    problems: list[RecordError] = []
    for name, value in raw.items():
        if name == "attributes":
            continue
        try:
            fields[name] = parse_value(value, schema.fields.get(name))
        except Refused as exc:
            problems.append(refusal(name, value, str(exc)))
    modified = _EPOCH
    for name in (MODSTAMP, "LastModifiedDate"):
        stamp = raw.get(name)
        if not stamp:
            continue
        try:
            modified = _moment(str(stamp))
        except Refused as exc:
            if name == MODSTAMP and not any(p.fields == (MODSTAMP,) for p in problems):
                problems.append(refusal(name, stamp, str(exc)))
            continue
        break
    fields[MODSTAMP] = modified
    return SourceRecord(
        system="salesforce",
        object_type=object_type,
        id=record_id,
        fields=fields,
        modified_at=modified,
        deleted=bool(raw.get("IsDeleted")),
        problems=tuple(problems),
    )


def row_id(raw: Mapping[str, object]) -> str | None:
    """A row's Id when it is one (15 or 18 letters and digits); else None."""
    value = raw.get("Id")
    return value if isinstance(value, str) and _ID.fullmatch(value) else None


def parse_rows(
    object_type: str, rows: Iterable[Mapping[str, object]], schema: ObjectSchema
) -> Iterator[SourceRecord]:
    """The rows as records; a row without a usable Id is skipped with a warning."""
    for raw in rows:
        if row_id(raw) is None:
            log.warning(
                "skipped a Salesforce %s row without a usable Id: %s",
                object_type,
                shown("Id", raw.get("Id")),
            )
            continue
        yield parse_record(object_type, raw, schema)


def stamp_refused(record: SourceRecord) -> bool:
    """Whether the record's SystemModstamp was refused (its modified_at is a stand-in)."""
    return any(MODSTAMP in p.fields for p in record.problems)


def parse_schema(object_type: str, describe: Mapping[str, object]) -> ObjectSchema:
    """A describe answer as an ObjectSchema."""
    fields: dict[str, FieldSchema] = {}
    raw_fields = describe.get("fields")
    for raw in raw_fields if isinstance(raw_fields, list) else []:
        picklist = raw.get("picklistValues") or []
        fields[str(raw["name"])] = FieldSchema(
            name=str(raw["name"]),
            type=str(raw.get("type", "string")),
            length=int(raw["length"]) if raw.get("length") else None,
            nillable=bool(raw.get("nillable", True)),
            createable=bool(raw.get("createable", True)),
            updateable=bool(raw.get("updateable", True)),
            picklist_values=tuple(str(p["value"]) for p in picklist if p.get("active", True)),
            restricted_picklist=bool(raw.get("restrictedPicklist", False)),
            external_id=bool(raw.get("externalId", False)),
        )
    return ObjectSchema(object_type=object_type, fields=fields)


def version_key(record: SourceRecord) -> str:
    """The record's id and a digest of its values: one key per version of a record."""
    body = repr(sorted((k, repr(v)) for k, v in record.fields.items()))
    digest = hashlib.blake2b(body.encode(), digest_size=6).hexdigest()
    return f"{record.id}#{digest}"


# At most this many version keys are kept in a stored cursor (a bulk import can stamp hundreds of
# thousands of records within one look-back window; the cursor is one row of the state).
WINDOW_KEYS_MAX = 10_000


class CursorTracker:
    """Advances a cursor over records read in modification order; drops what it already covers.

    Salesforce stamps SystemModstamp when a transaction starts, so a long transaction becomes
    visible after later stamps were read (the reason getDeleted reports ``latestDateCovered``,
    and replication tools re-read a window of minutes). The read therefore starts
    ``lookback_s`` before the value, and ``ids_at_value`` keeps every version read inside that
    window (``id#digest@epoch_ms``) so a version is accepted once however often it is re-read.
    Anything older than the window was read before (or is beyond the look-back's promise).
    A version is the id plus a digest of the record's fields: Salesforce stamps to the second,
    so a second edit within the same second keeps its stamp and must still be read.
    """

    def __init__(self, since: Cursor, lookback_s: float = 0.0) -> None:
        self._lookback = timedelta(seconds=lookback_s)
        self._since = since
        self.value = since.value
        self._window: dict[str, datetime] = {}  # version key -> its stamp
        self._legacy: set[str] = set()  # keys of cursors stored without stamps: at the value
        for key in since.ids_at_value:
            version, _, ms = key.rpartition("@")
            if version and ms.isdigit():
                self._window[version] = _EPOCH + timedelta(milliseconds=int(ms))
            else:
                self._legacy.add(key)
        self._low = None if since.value is None else since.value - self._lookback
        if self._low is not None and self._legacy and not self._window:
            # Stored before the window was kept: nothing to de-duplicate a look-back with, so
            # this read starts at the value as it used to; the cursor it leaves has a window.
            self._low = since.value

    def accept(self, records: Iterable[SourceRecord]) -> list[SourceRecord]:
        """The records not read before, in order; the cursor moves past them."""
        fresh: list[SourceRecord] = []
        start = self._since.value
        for record in records:
            if record.problems and stamp_refused(record):
                # No stamp to place it by: passed on (to be dead-lettered), the cursor unmoved.
                fresh.append(record)
                continue
            stamp = record.modified_at
            key = version_key(record)
            if self._low is not None and stamp < self._low:
                continue
            if key in self._window:
                continue
            # a cursor stored before stamps were kept names versions (or bare ids) at its value
            if stamp == start and (key in self._legacy or record.id in self._legacy):
                continue
            fresh.append(record)
            self._window[key] = stamp
            if self.value is None or stamp > self.value:
                self.value = stamp
        return fresh

    @property
    def cursor(self) -> Cursor:
        """The cursor covering everything accepted so far (versions older than the window go).

        The key set is bounded (``WINDOW_KEYS_MAX``): when more versions than that fall inside
        the look-back (a bulk import stamps thousands in a minute), the oldest are let go and a
        later look-back reads them again. Reading a version twice costs a read, not a write:
        the engine finds its values equal to the stored base and writes nothing.
        """
        if self.value is None:
            return Cursor()
        floor = self.value - self._lookback
        self._window = {k: t for k, t in self._window.items() if t >= floor}
        if len(self._window) > WINDOW_KEYS_MAX:
            newest = sorted(self._window.items(), key=lambda kv: kv[1])[-WINDOW_KEYS_MAX:]
            self._window = dict(newest)
        ids = frozenset(f"{k}@{_ms(t)}" for k, t in self._window.items())
        if self.value == self._since.value:
            ids |= self._legacy
        return Cursor(value=self.value, ids_at_value=ids)


def _ms(moment: datetime) -> int:
    return int(round(moment.timestamp() * 1000))
