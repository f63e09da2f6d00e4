"""HubSpot writes: property values as strings, batch inputs, and results matched per input."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum

from connectors.base import RecordError, Value, WriteOp, WriteResult

BATCH_MAX = 100
ID_PROPERTY = "email"


class Mode(Enum):
    """Batch endpoint used for an op."""

    UPDATE = "update"  # by id: idempotent
    UPSERT = "upsert"  # by email: idempotent
    CREATE = "create"  # no key: never repeated blindly


def mode_of(op: WriteOp) -> Mode:
    """The write mode of an op."""
    if op.id:
        return Mode.UPDATE
    return Mode.UPSERT if op.external_id else Mode.CREATE


def to_property(value: Value) -> str:
    """A value as the string HubSpot takes; "" clears a property."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        text = value.astimezone(UTC).isoformat(timespec="milliseconds")
        return text.replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def properties_of(op: WriteOp) -> dict[str, str]:
    """The op's fields as HubSpot property strings (upserts also carry their email)."""
    props = {name: to_property(value) for name, value in op.fields.items()}
    if mode_of(op) is Mode.UPSERT and not props.get(ID_PROPERTY):
        props[ID_PROPERTY] = str(op.external_id)
    return props


def batch_input(op: WriteOp, trace_id: str) -> dict[str, object]:
    """One input of a batch request, in the API's JSON shape."""
    body: dict[str, object] = {"properties": properties_of(op), "objectWriteTraceId": trace_id}
    mode = mode_of(op)
    if mode is Mode.UPDATE:
        body["id"] = op.id
    elif mode is Mode.UPSERT:
        body["id"] = op.external_id
        body["idProperty"] = ID_PROPERTY
    return body


@dataclass(frozen=True)
class BatchAnswer:
    """What a batch endpoint answered, reduced to what matching needs."""

    results: Sequence[Mapping[str, object]]  # {"id", "properties", "new", "objectWriteTraceId"}
    errors: Sequence[Mapping[str, object]]  # {"status", "category", "message", "context"}


def _error_of(raw: Mapping[str, object]) -> RecordError:
    code = str(raw.get("category") or raw.get("status") or "UNKNOWN")
    message = str(raw.get("message", ""))
    fields: tuple[str, ...] = ()
    # Validation messages embed a JSON list naming the invalid properties.
    start = message.find("[{")
    if start >= 0:
        try:
            details = json.loads(message[start:])
            fields = tuple(
                str(d.get("name")) for d in details if isinstance(d, dict) and d.get("name")
            )
            code = str(details[0].get("error") or code) if details else code
        except (ValueError, AttributeError):
            fields = ()
    return RecordError(code=code, message=message, fields=fields)


def match_results(ops: Sequence[WriteOp], answer: BatchAnswer) -> list[WriteResult]:
    """One result per op: matched by trace id, then by id or email, errors by their context."""
    results: dict[int, WriteResult] = {}
    by_key: dict[str, int] = {}
    for i, op in enumerate(ops):
        by_key[f"trace:{i}"] = i
        if op.id:
            by_key[f"id:{op.id}"] = i
        if op.external_id:
            by_key[f"email:{op.external_id.lower()}"] = i
        email = op.fields.get(ID_PROPERTY)
        if isinstance(email, str) and email:
            by_key.setdefault(f"email:{email.lower()}", i)
    for raw in answer.results:
        props = raw.get("properties")
        email = str(props.get(ID_PROPERTY) or "").lower() if isinstance(props, Mapping) else ""
        keys = [f"trace:{raw.get('objectWriteTraceId')}", f"id:{raw.get('id')}", f"email:{email}"]
        found = next((by_key[k] for k in keys if k in by_key and by_key[k] not in results), None)
        if found is None:
            continue
        i = found
        created = (
            bool(raw.get("new"))
            if mode_of(ops[i]) is Mode.UPSERT
            else mode_of(ops[i]) is Mode.CREATE
        )
        results[i] = WriteResult(
            ref=ops[i].ref, ok=True, id=str(raw.get("id")), created=created, object_type="contact"
        )
    unmatched_errors: list[RecordError] = []
    for raw in answer.errors:
        error = _error_of(raw)
        context = raw.get("context")
        targets: list[int] = []
        if isinstance(context, Mapping):
            for name, values in context.items():
                prefix = {"objectWriteTraceId": "trace", "ids": "id", "id": "id"}.get(
                    str(name), "email"
                )
                for value in values if isinstance(values, list) else [values]:
                    key = f"{prefix}:{str(value).lower() if prefix == 'email' else value}"
                    if key in by_key and by_key[key] not in results:
                        targets.append(by_key[key])
        if not targets:
            unmatched_errors.append(error)
        for i in targets:
            results[i] = WriteResult(
                ref=ops[i].ref, ok=False, id=ops[i].id, errors=(error,), object_type="contact"
            )
    missing = [i for i in range(len(ops)) if i not in results]
    for n, i in enumerate(missing):
        # An error we could not attribute goes to the op left without a result, if it pairs up.
        error = (
            unmatched_errors[n]
            if len(unmatched_errors) == len(missing)
            else RecordError(code="NO_RESULT", message="HubSpot returned no result for this input")
        )
        results[i] = WriteResult(
            ref=ops[i].ref, ok=False, id=ops[i].id, errors=(error,), object_type="contact"
        )
    return [results[i] for i in range(len(ops))]
