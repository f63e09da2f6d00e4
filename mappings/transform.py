"""Pure translation between a system's field values and the canonical record, both ways."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from connectors.base import System, Value
from mappings import normalize
from mappings.coerce import COERCERS, parse_datetime
from mappings.errors import MappingError
from mappings.mappingset import MappingSet
from mappings.models import FieldMap

COUNTRY_FIELD = "country"  # local phone numbers are read in the record's stated country
TYPE_PSEUDO_FIELD = "$type"  # a Salesforce "field" that reads as the object type (Lead/Contact)

Reader = Callable[[Mapping[str, Value]], Value | object]  # a Value, or ABSENT
ABSENT = object()
INVALID_VALUE = "INVALID_VALUE"


@dataclass(frozen=True)
class FieldError:
    """A canonical value that cannot be written to the target system."""

    field: str
    code: str  # "too_long"; INVALID_VALUE for a value read that cannot be carried
    message: str


@dataclass(frozen=True)
class Outbound:
    """Field values in the target system's names and vocabulary, plus values refused."""

    fields: dict[str, Value] = field(default_factory=dict)
    errors: list[FieldError] = field(default_factory=list)


def _blank(value: Value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _reader(
    fm: FieldMap, system: System, object_type: str, country_keys: tuple[str, ...]
) -> Reader | None:
    keys = fm.source_field(system, object_type)
    if not keys:
        return None
    if keys == (TYPE_PSEUDO_FIELD,):
        return lambda raw: object_type
    coerce = COERCERS[fm.type]
    text = fm.type == "string"
    # trim() on already-tidy text is the common case: test that here, without the call.
    tidy = normalize.TIDY.fullmatch
    trim_first = bool(fm.normalizers) and fm.normalizers[0] == "trim"
    later = fm.normalizers[1:] if trim_first else fm.normalizers
    steps = tuple(normalize.NORMALIZERS[n] for n in later if n != "phone")
    phone = "phone" in fm.normalizers
    vocabulary = dict(fm.to_canonical.get(system, {}))
    folded = {k.casefold(): v for k, v in vocabulary.items()}
    placeholder = fm.required_default.get(system)
    first = keys[0]
    single = len(keys) == 1

    def read(raw: Mapping[str, Value]) -> Value | object:
        if single:
            if first not in raw:
                return ABSENT
            value = raw[first]
        else:
            found = False
            value = None
            for key in keys:
                if key in raw:
                    found = True
                    value = raw[key]
                    if not _blank(value):
                        break
            if not found:
                return ABSENT
        if value is None:
            return None
        if not (text and value.__class__ is str):
            value = coerce(value)
        if isinstance(value, str):
            if trim_first and tidy(value) is None:
                value = normalize.trim(value)
            for step in steps:
                value = step(value)
            if phone and normalize.is_e164(value) is None:  # E.164 is kept as is: no region
                region = None
                for key in country_keys:
                    stated = raw.get(key)
                    if isinstance(stated, str) and stated:
                        region = normalize.country_region(stated)
                        break
                value = normalize.phone(value, region)
            if not value or value.isspace():
                return None
            if vocabulary:
                value = vocabulary.get(value) or folded.get(value.casefold(), value)
            # leadsync's own placeholder for a required field is not a real value.
            if placeholder is not None and value == placeholder:
                return None
        return value

    return read


# How to_canonical reads a field: the common shapes are handled inline in its loop (a Python
# call per field costs more than the work), anything else goes through the field's reader.
_GENERAL = 0  # call the reader
_TEXT = 1  # one key, string type, no normalizer but trim; vocabulary and placeholder allowed
_NUMBER = 2  # one key, number type, no normalizer: an int or float read as a float
_DATETIME = 3  # one key, datetime type, no normalizer: ISO text parsed here
_EMAIL = 4  # one key, string type, email normalizer only, no vocabulary
_PHONE = 5  # one key, string type, phone normalizer only, no vocabulary: E.164 is kept as is


# (key to probe or None, canonical name, reader, shape, vocabulary, case-folded vocabulary,
# placeholder, memo of tidy text read before): a plain tuple, unpacked in to_canonical's loop
# faster than attributes are read.
_Plan = tuple[
    str | None,
    str,
    Reader,
    int,
    Mapping[str, str],
    Mapping[str, str],
    str | None,
    dict[str, Value],
]
MEMO_SIZE = 4096  # per field; once full, new values are read the long way and not kept


def _readers(ms: MappingSet, system: System, object_type: str) -> tuple[_Plan, ...]:
    """The compiled reads of every field on that side, in file order."""
    key = ("read", system, object_type)
    cached = ms.cache.get(key)
    if cached is None:
        country_keys: tuple[str, ...] = ()
        for fm in ms.fields:
            if fm.name == COUNTRY_FIELD:
                country_keys = fm.source_field(system, object_type)
        built: list[_Plan] = []
        for fm in ms.fields:
            reader = _reader(fm, system, object_type, country_keys)
            if reader is None:
                continue
            keys = fm.source_field(system, object_type)
            # A single-key field the record lacks is skipped without calling its reader:
            # most records carry a fraction of the mapped properties.
            probe = keys[0] if len(keys) == 1 and keys[0] != TYPE_PSEUDO_FIELD else None
            shape = _GENERAL
            if probe is not None and fm.type == "string" and fm.normalizers in ((), ("trim",)):
                shape = _TEXT
            elif probe is not None and fm.type == "number" and not fm.normalizers:
                shape = _NUMBER
            elif probe is not None and fm.type == "datetime" and not fm.normalizers:
                shape = _DATETIME
            elif (
                probe is not None
                and fm.type == "string"
                and fm.normalizers == ("email",)
                and not fm.to_canonical.get(system)
            ):
                shape = _EMAIL
            elif (
                probe is not None
                and fm.type == "string"
                and fm.normalizers == ("phone",)
                and not fm.to_canonical.get(system)
            ):
                shape = _PHONE
            vocabulary = dict(fm.to_canonical.get(system, {}))
            folded = {k.casefold(): v for k, v in vocabulary.items()}
            placeholder = fm.required_default.get(system)
            built.append((probe, fm.name, reader, shape, vocabulary, folded, placeholder, {}))
        cached = ms.cache[key] = tuple(built)
    return cached  # type: ignore[return-value]


class UnreadableValue(MappingError):
    """A record holds values that cannot be read as their canonical fields: dead-letter it.

    Raised by ``to_canonical`` (``read_canonical`` returns the same as data). A MappingError
    so a caller handling mapping failures catches it, but it is about one record, not the
    files: ``issues`` is empty, ``errors`` names each field, ``values`` holds the fields read.
    """

    def __init__(self, errors: Sequence[FieldError], values: Mapping[str, Value]) -> None:
        self.errors = tuple(errors)
        self.values = dict(values)
        self.issues = []
        Exception.__init__(self, "; ".join(f"{e.field}: {e.message}" for e in self.errors))


@dataclass(frozen=True)
class Inbound:
    """A record's canonical values, and the fields whose value could not be read."""

    values: dict[str, Value]
    errors: tuple[FieldError, ...] = ()


class _Unfit(ValueError):
    """A field read to a value leadsync cannot carry (found on the fast path)."""


_MAX_INT = 2**63 - 1
_PLAIN_VALUES = (str, bool, date)  # a tuple: ``str | bool | date`` builds a union per call
# What reading a hostile value can raise (a huge int as a float, a date past year 9999, an
# object of no known type): the record is read again field by field and the field named.
_READ_FAULTS = (ArithmeticError, ValueError, TypeError, AttributeError, OSError)


def _unfit(value: object) -> str | None:
    """Why a read value cannot be a canonical value, or None when it can."""
    if value is None or isinstance(value, _PLAIN_VALUES):
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else "not a finite number"
    if isinstance(value, int):
        return None if -_MAX_INT - 1 <= value <= _MAX_INT else "integer out of range"
    return f"a {value.__class__.__name__} is not a field value"


def to_canonical(
    ms: MappingSet, system: System, object_type: str, fields: Mapping[str, Value]
) -> dict[str, Value]:
    """A system record's fields as canonical values; fields the record lacks are left out.

    Raises UnreadableValue (a MappingError) naming every field whose value cannot be read
    (a non-finite or out-of-range number, a value of no known type): never another error.
    """
    inbound = read_canonical(ms, system, object_type, fields)
    if inbound.errors:
        raise UnreadableValue(inbound.errors, inbound.values)
    return inbound.values


def read_canonical(
    ms: MappingSet, system: System, object_type: str, fields: Mapping[str, Value]
) -> Inbound:
    """``to_canonical`` that returns the fields it cannot read as errors, never raising."""
    try:
        values = _read_fast(ms, system, object_type, fields)
    except _READ_FAULTS:
        return _read_each(ms, system, object_type, fields)
    # Inbound(values) as its generated __init__ builds it, without two object.__setattr__ calls.
    inbound: Inbound = _new_object(Inbound)
    _set_attribute(inbound, "__dict__", {"values": values, "errors": ()})
    return inbound


_new_object = object.__new__
_set_attribute = object.__setattr__


def _read_each(
    ms: MappingSet, system: System, object_type: str, fields: Mapping[str, Value]
) -> Inbound:
    """Every field through its reader alone, a value that fails named (the slow, safe way)."""
    out: dict[str, Value] = {}
    errors: list[FieldError] = []
    for probe, name, read, *_ in _readers(ms, system, object_type):
        try:
            value = read(fields)
            why = None if value is ABSENT else _unfit(value)
        except _READ_FAULTS as exc:
            why = f"cannot be read ({exc.__class__.__name__})"
        if why is not None:
            raw = fields.get(probe) if probe is not None else None
            shown = repr(raw)
            shown = shown if len(shown) <= 80 else shown[:79] + "…"
            errors.append(FieldError(name, INVALID_VALUE, f"{shown}: {why}"))
        elif value is not ABSENT:
            out[name] = value  # type: ignore[assignment]
    return Inbound(out, tuple(errors))


def _read_fast(
    ms: MappingSet, system: System, object_type: str, fields: Mapping[str, Value]
) -> dict[str, Value]:
    """The canonical values; raises one of _READ_FAULTS at a value it cannot read."""
    out: dict[str, Value] = {}
    tidy = normalize.TIDY.fullmatch
    has_space = normalize.has_space
    is_e164 = normalize.is_e164
    get = fields.get
    for probe, name, read, shape, vocabulary, folded, placeholder, memo in _readers(
        ms, system, object_type
    ):
        if probe is not None:
            value: Any = get(probe, ABSENT)  # a Value or ABSENT; narrowed by class tests below
            if value is ABSENT:
                continue
            if value is None:
                out[name] = None
                continue
            cls = value.__class__
            if shape == _TEXT:
                if cls is str:
                    # Text fields repeat (countries, stages, sources, titles, names): a seen
                    # value is one dict lookup, cheaper than the tidiness test below.
                    known: Any = memo.get(value, ABSENT)
                    if known is not ABSENT:
                        out[name] = known
                        continue
                    # Tidy text (trimmed, single spaces, not blank) is what the reader would
                    # return before its vocabulary and placeholder steps, done here the same way.
                    if tidy(value) is not None:
                        raw = value
                        if vocabulary:
                            value = vocabulary.get(value) or folded.get(value.casefold(), value)
                        if placeholder is not None and value == placeholder:
                            value = None
                        if len(memo) < MEMO_SIZE:
                            memo[raw] = value
                        out[name] = value
                        continue
            elif shape == _NUMBER and (cls is int or cls is float):
                number = float(value)
                if number - number == 0.0:  # finite: NaN and infinities take the long way
                    out[name] = number
                    continue
            elif shape == _EMAIL and cls is str:
                # normalize.email() inlined: lower case, and text without spaces is kept whole.
                lowered = value.lower()
                if lowered and has_space(lowered) is None:
                    out[name] = (
                        None if placeholder is not None and lowered == placeholder else lowered
                    )
                    continue
            elif shape == _PHONE and cls is str and is_e164(value) is not None:
                # What the reader does with an E.164 number: keeps it, whatever the country.
                out[name] = None if placeholder is not None and value == placeholder else value
                continue
            elif shape == _DATETIME and cls is str:
                # What the reader's coercion does; text that does not parse takes the long way.
                parsed = parse_datetime(value)
                if parsed is not None:
                    out[name] = parsed
                    continue
        value = read(fields)
        if value is not ABSENT:
            if _unfit(value) is not None:
                raise _Unfit(name)
            out[name] = value
    return out


@dataclass(frozen=True)
class _Writer:
    name: str
    target: str
    spelling: Mapping[str, str]
    default: str | None
    limit: int | None
    reject: bool


_WriterPlan = tuple[str, str, Mapping[str, str], str | None, int | None, bool]


def _writers(ms: MappingSet, system: System, object_type: str) -> tuple[_WriterPlan, ...]:
    key = ("write", system, object_type)
    cached = ms.cache.get(key)
    if cached is None:
        built = []
        for fm in ms.fields:
            target = fm.target_field(system, object_type)
            if target is None or not fm.writes_to(system):
                continue
            built.append(
                _Writer(
                    name=fm.name,
                    target=target,
                    spelling=fm.from_canonical.get(system, {}),
                    default=fm.required_default.get(system),
                    limit=fm.max_length.get(system),
                    reject=fm.too_long == "reject",
                )
            )
        # Plain tuples: from_canonical unpacks them faster than it reads attributes.
        cached = ms.cache[key] = tuple(
            (w.name, w.target, w.spelling, w.default, w.limit, w.reject) for w in built
        )
    return cached  # type: ignore[return-value]


def from_canonical(
    ms: MappingSet,
    system: System,
    object_type: str,
    values: Mapping[str, Value],
    *,
    creating: bool = False,
) -> Outbound:
    """Canonical values as the target system's field names and vocabulary.

    Fields the sync rule never writes to ``system`` (and read-only sources) are skipped. A
    required field gets its declared default when it would be blank (always when creating).
    """
    fields: dict[str, Value] = {}
    errors: list[FieldError] = []
    for name, target, spelling, default, limit, reject in _writers(ms, system, object_type):
        if name not in values:
            if creating and default is not None:
                fields[target] = default
            continue
        value = values[name]
        if isinstance(value, str):
            value = spelling.get(value, value)
        if default is not None and _blank(value):
            value = default
        if limit is not None and isinstance(value, str) and len(value) > limit:
            if reject:
                message = f"{len(value)} characters; {target} takes {limit}"
                errors.append(FieldError(name, "too_long", message))
                continue
            value = value[:limit]
        fields[target] = value
    return Outbound(fields, errors)


# The forms a side may store a cut value in: as sent, with the whitespace the cut left at its
# end trimmed or collapsed (a system may tidy text on save), or composed to Unicode NFC.
_STORED_FORMS: tuple[Callable[[str], str], ...] = (
    lambda text: text,
    str.rstrip,
    str.strip,
    lambda text: " ".join(text.split()),
    lambda text: unicodedata.normalize("NFC", text).strip(),
)
_ReadBack = tuple[str, Mapping[str, str], int, Reader]


def _read_backs(ms: MappingSet, system: System, object_type: str) -> dict[str, _ReadBack]:
    key = ("readback", system, object_type)
    cached = ms.cache.get(key)
    if cached is None:
        readers = {plan[1]: plan[2] for plan in _readers(ms, system, object_type)}
        maps = {fm.name: fm for fm in ms.fields}
        built: dict[str, _ReadBack] = {}
        for name, target, spelling, _default, limit, reject in _writers(ms, system, object_type):
            reader = readers.get(name)
            if limit is None or reject or reader is None:
                continue
            # Only a field read back from the field it is written to can be recognised.
            if target in maps[name].source_field(system, object_type):
                built[name] = (target, spelling, limit, reader)
        cached = ms.cache[key] = built
    return cached  # type: ignore[return-value]


def written_read_backs(
    ms: MappingSet, system: System, object_type: str, name: str, value: Value
) -> frozenset[Value]:
    """The canonical values ``value`` reads back as once ``from_canonical`` wrote it to ``system``.

    For the fields with a length limit that are cut (``too_long: truncate``) there and read
    back from the field they are written to; empty for any other field. The value goes
    through the side's spelling and is cut to the limit; the side may keep it as sent or
    trim or collapse the whitespace the cut left; reading applies the field's normalizers
    and vocabulary. A read-back equal to one of these is leadsync's own write, not an edit
    made on that side.
    """
    entry = _read_backs(ms, system, object_type).get(name)
    if entry is None or not isinstance(value, str):
        return frozenset()
    target, spelling, limit, reader = entry
    cut = spelling.get(value, value)[:limit]
    out: set[Value] = set()
    for form in _STORED_FORMS:
        read = reader({target: form(cut) or None})
        if read is not ABSENT:
            out.add(read)  # type: ignore[arg-type]
    return frozenset(out)
