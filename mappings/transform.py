"""Pure translation between a system's field values and the canonical record, both ways."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from connectors.base import System, Value
from mappings import normalize
from mappings.coerce import COERCERS
from mappings.mappingset import MappingSet
from mappings.models import FieldMap

COUNTRY_FIELD = "country"  # local phone numbers are read in the record's stated country
TYPE_PSEUDO_FIELD = "$type"  # a Salesforce "field" that reads as the object type (Lead/Contact)

Reader = Callable[[Mapping[str, Value]], tuple[bool, Value]]


@dataclass(frozen=True)
class FieldError:
    """A canonical value that cannot be written to the target system."""

    field: str
    code: str  # "too_long"
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
        return lambda raw: (True, object_type)
    coerce = COERCERS[fm.type]
    steps = [normalize.NORMALIZERS[n] for n in fm.normalizers if n != "phone"]
    phone = "phone" in fm.normalizers
    vocabulary = dict(fm.to_canonical.get(system, {}))
    folded = {k.casefold(): v for k, v in vocabulary.items()}
    placeholder = fm.required_default.get(system)

    first = keys[0]
    single = len(keys) == 1

    def read(raw: Mapping[str, Value]) -> tuple[bool, Value]:
        if single:
            if first not in raw:
                return False, None
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
                return False, None
        if value is None:
            return True, None
        value = coerce(value)
        if isinstance(value, str):
            for step in steps:
                value = step(value)
            if phone:
                region = None
                for key in country_keys:
                    stated = raw.get(key)
                    if isinstance(stated, str) and stated:
                        region = normalize.country_region(stated)
                        break
                value = normalize.phone(value, region)
            if not value.strip():
                return True, None
            if vocabulary:
                value = vocabulary.get(value) or folded.get(value.casefold(), value)
            # leadsync's own placeholder for a required field is not a real value.
            if placeholder is not None and value == placeholder:
                return True, None
        return True, value

    return read


def _readers(ms: MappingSet, system: System, object_type: str) -> tuple[tuple[str, Reader], ...]:
    key = ("read", system, object_type)
    cached = ms.cache.get(key)
    if cached is None:
        country_keys: tuple[str, ...] = ()
        for fm in ms.fields:
            if fm.name == COUNTRY_FIELD:
                country_keys = fm.source_field(system, object_type)
        built = []
        for fm in ms.fields:
            reader = _reader(fm, system, object_type, country_keys)
            if reader is not None:
                built.append((fm.name, reader))
        cached = ms.cache[key] = tuple(built)
    return cached  # type: ignore[return-value]


def to_canonical(
    ms: MappingSet, system: System, object_type: str, fields: Mapping[str, Value]
) -> dict[str, Value]:
    """A system record's fields as canonical values; fields the record lacks are left out."""
    out: dict[str, Value] = {}
    for name, read in _readers(ms, system, object_type):
        present, value = read(fields)
        if present:
            out[name] = value
    return out


def _outgoing(fm: FieldMap, system: System, value: Value) -> Value:
    if isinstance(value, str):
        spelled = fm.from_canonical.get(system, {}).get(value)
        if spelled is not None:
            return spelled
    return value


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
    out = Outbound()
    for fm in ms.fields:
        target = fm.target_field(system, object_type)
        if target is None or not fm.writes_to(system):
            continue
        default = fm.required_default.get(system)
        if fm.name not in values:
            if creating and default is not None:
                out.fields[target] = default
            continue
        value = _outgoing(fm, system, values[fm.name])
        if _blank(value) and default is not None:
            value = default
        limit = fm.max_length.get(system)
        if limit is not None and isinstance(value, str) and len(value) > limit:
            if fm.too_long == "reject":
                out.errors.append(
                    FieldError(
                        fm.name, "too_long", f"{len(value)} characters; {target} takes {limit}"
                    )
                )
                continue
            value = value[:limit]
        out.fields[target] = value
    return out
