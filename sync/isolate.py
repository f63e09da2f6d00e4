"""Per-record isolation: the faults one record's values can cause, and the record to blame."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from connectors.base import RecordError, SourceRecord, System, Value
from mappings.mappingset import MappingSet
from mappings.transform import to_canonical
from sync.person import Person
from sync.state_models import NewDeadLetter
from sync.storable import UnstorableValue, check_values, refusal, shown, storable_payload

# What a value can make the pure steps raise: a number past float's range (OverflowError), text
# that is no date (ValueError), a list where a scalar belongs (TypeError), an unstorable value
# (UnstorableValue). Anything else is a bug and stops the run, with its traceback in the log.
RECORD_FAULTS: tuple[type[Exception], ...] = (ValueError, TypeError, ArithmeticError)

UNPROCESSABLE = "UNPROCESSABLE_RECORD"


@dataclass(frozen=True)
class Culprit:
    """The record (and field, when known) whose value made one person's processing fail."""

    system: System
    object_type: str
    record_id: str
    field: str | None


def refused_letter(rec: SourceRecord, problem: RecordError | None) -> NewDeadLetter:
    """The dead letter of a record a connector refused at its boundary."""
    fields = problem.fields if problem else ()
    payload: dict[str, Value] = {name: rec.fields.get(name) for name in fields}
    return NewDeadLetter(
        rec.system,
        rec.object_type,
        rec.id,
        storable_payload(payload),
        problem.code if problem else "REFUSED_VALUE",
        shown(problem.message if problem else "a value was refused when read", 1000),
        fields[0] if fields else None,
    )


def culprit(ms: MappingSet, person: Person, exc: Exception) -> Culprit | None:
    """Which of the person's records (and which field) caused ``exc``; None if none is known."""
    records = [r for r in (person.pair.hubspot, person.pair.salesforce) if r is not None]
    if isinstance(exc, UnstorableValue):
        for side, now in (("hubspot", person.hubspot_now), ("salesforce", person.salesforce_now)):
            if now and exc.field in now and _unstorable(now, exc.field):
                rec = next((r for r in records if r.system == side), None)
                if rec is not None:
                    return Culprit(rec.system, rec.object_type, rec.id, _vendor(ms, rec, exc.field))
    for rec in records:
        name = _failing_field(ms, rec)
        if name is not None:
            return Culprit(rec.system, rec.object_type, rec.id, name)
    if records:
        rec = records[0]
        field = exc.field if isinstance(exc, UnstorableValue) else None
        return Culprit(rec.system, rec.object_type, rec.id, field)
    return None


def fault_letter(person: Person, who: Culprit | None, exc: Exception) -> NewDeadLetter:
    """The dead letter of a person whose values could not be mapped, qualified or stored."""
    code = exc.code if isinstance(exc, UnstorableValue) else UNPROCESSABLE
    detail = exc.message if isinstance(exc, UnstorableValue) else f"{type(exc).__name__}: {exc}"
    if who is None:
        system: System = "hubspot"
        object_type, ref, field = "contact", person.hubspot_id or person.link_id, None
    else:
        system, object_type, ref, field = who.system, who.object_type, who.record_id, who.field
    payload: dict[str, Value] = {}
    raw = _raw(person, system)
    if field and field in raw:
        payload[field] = raw[field]
    where = f"field {field}: " if field else ""
    return NewDeadLetter(
        system,
        object_type,
        ref,
        storable_payload(payload),
        code,
        shown(f"{where}{detail}", 1000),
        field,
        person.link_id,
    )


def _unstorable(values: Mapping[str, Value], name: str) -> bool:
    try:
        check_values({name: values[name]})
    except UnstorableValue:
        return True
    return False


def _raw(person: Person, system: System) -> Mapping[str, Value]:
    rec = person.pair.hubspot if system == "hubspot" else person.pair.salesforce
    return rec.fields if rec is not None else {}


def _failing_field(ms: MappingSet, rec: SourceRecord) -> str | None:
    """The first of the record's fields that cannot be read into the canonical record."""
    for name, value in rec.fields.items():
        try:
            to_canonical(ms, rec.system, rec.object_type, {name: value})
        except RECORD_FAULTS:
            return name
        if refusal(value) is not None and _mapped(ms, rec, name):
            return name
    return None


def _mapped(ms: MappingSet, rec: SourceRecord, name: str) -> bool:
    return any(name in fm.source_field(rec.system, rec.object_type) for fm in ms.fields)


def _vendor(ms: MappingSet, rec: SourceRecord, canonical: str) -> str:
    """The record's own field a canonical field is read from (the canonical name if none)."""
    for fm in ms.fields:
        if fm.name == canonical:
            keys: Iterable[str] = fm.source_field(rec.system, rec.object_type)
            for key in keys:
                if key in rec.fields:
                    return key
    return canonical
