"""Salesforce writes: composite batches of 200, Bulk 2.0 for big jobs, converted-Lead routing."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import Enum

from connectors.base import ObjectSchema, RecordError, Value, WriteOp, WriteResult
from connectors.errors import (
    RecordRejectedError,
    UnknownConnectorError,
    record_error_is_retryable,
)
from connectors.payload import refuse_unsendable
from connectors.salesforce_read import EXTERNAL_ID_FIELD

COMPOSITE_MAX = 200
CONVERTED = "CANNOT_UPDATE_CONVERTED_LEAD"
# A converted Lead's values go to its Contact under these names; others are Lead-only.
LEAD_TO_CONTACT = {"City": "MailingCity", "Country": "MailingCountry"}


class Mode(Enum):
    """How an op is written, which also decides whether repeating it is safe."""

    UPDATE = "update"  # by Id: idempotent
    UPSERT = "upsert"  # by external id: idempotent
    CREATE = "create"  # no key: a blind repeat would duplicate


def mode_of(op: WriteOp) -> Mode:
    """The write mode of an op."""
    if op.id:
        return Mode.UPDATE
    return Mode.UPSERT if op.external_id else Mode.CREATE


def serialize(value: Value) -> object:
    """A value as Salesforce's JSON expects it (ISO datetimes in UTC)."""
    if isinstance(value, datetime):
        text = value.astimezone(UTC).isoformat(timespec="milliseconds")
        return text.replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if value == "":
        return None  # a blank clears the field
    return value


def csv_cell(value: Value) -> str:
    """A value as a Bulk 2.0 CSV cell: ``#N/A`` clears (an empty cell would mean unchanged)."""
    out = serialize(value)
    if out is None:
        return "#N/A"
    if isinstance(out, bool):
        return "true" if out else "false"
    return str(out)


def composite_record(op: WriteOp, mode: Mode) -> dict[str, object]:
    """One record of a composite collections request."""
    record: dict[str, object] = {"attributes": {"type": op.object_type}}
    record.update({k: serialize(v) for k, v in op.fields.items()})
    if mode is Mode.UPDATE:
        record["id"] = op.id
    elif mode is Mode.UPSERT:
        record[EXTERNAL_ID_FIELD] = op.external_id
    return record


def parse_errors(raw: object) -> tuple[RecordError, ...]:
    """Per-record errors of a composite or single-record answer."""
    errors: list[RecordError] = []
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, Mapping):
            code = str(item.get("statusCode") or item.get("errorCode") or "UNKNOWN")
            fields = item.get("fields") or ()
            errors.append(
                RecordError(code=code, message=str(item.get("message", "")), fields=tuple(fields))
            )
    return errors and tuple(errors) or (RecordError(code="UNKNOWN", message="no result"),)


def parse_composite_result(op: WriteOp, raw: Mapping[str, object]) -> WriteResult:
    """One entry of a composite answer as a WriteResult."""
    if raw.get("success"):
        return WriteResult(
            ref=op.ref,
            ok=True,
            id=str(raw.get("id")),
            created=bool(raw.get("created", mode_of(op) is Mode.CREATE)),
            object_type=op.object_type,
        )
    return WriteResult(
        ref=op.ref,
        ok=False,
        id=op.id,
        errors=parse_errors(raw.get("errors")),
        object_type=op.object_type,
    )


def bulk_csv(ops: Sequence[WriteOp], mode: Mode) -> tuple[list[str], str]:
    """The CSV body of a Bulk 2.0 ingest job for ops of one object and mode."""
    key = "Id" if mode is Mode.UPDATE else EXTERNAL_ID_FIELD
    columns = [key] + sorted({name for op in ops for name in op.fields if name != key})
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for op in ops:
        row = [str(op.id if mode is Mode.UPDATE else op.external_id)]
        # An empty cell leaves a field unchanged: right for fields this op does not carry.
        row += [csv_cell(op.fields[c]) if c in op.fields else "" for c in columns[1:]]
        writer.writerow(row)
    return columns, buffer.getvalue()


@dataclass(frozen=True)
class BulkOutcome:
    """The three result sets of a finished Bulk 2.0 ingest job, as CSV texts, and its end."""

    successful: str
    failed: str
    unprocessed: str
    state: str = "JobComplete"  # or Failed / Aborted: the job stopped part way
    reason: str = ""  # why it stopped, naming the job and its state


BULK_STOPPED = {"Failed": "BULK_JOB_FAILED", "Aborted": "BULK_JOB_ABORTED"}


def parse_bulk_outcome(
    ops: Sequence[WriteOp], mode: Mode, outcome: BulkOutcome
) -> tuple[dict[int, WriteResult], list[int]]:
    """Results by op index, and the indexes Salesforce did not process (to write again)."""
    key = "Id" if mode is Mode.UPDATE else EXTERNAL_ID_FIELD
    index = {str(op.id if mode is Mode.UPDATE else op.external_id): i for i, op in enumerate(ops)}
    results: dict[int, WriteResult] = {}
    for row in csv.DictReader(io.StringIO(outcome.successful)):
        i = index.get(row.get(key, ""))
        if i is not None:
            created = row.get("sf__Created", "").lower() == "true"
            results[i] = WriteResult(
                ref=ops[i].ref,
                ok=True,
                id=row.get("sf__Id"),
                created=created,
                object_type=ops[i].object_type,
            )
    for row in csv.DictReader(io.StringIO(outcome.failed)):
        i = index.get(row.get(key, ""))
        if i is not None:
            code, _, message = row.get("sf__Error", "UNKNOWN").partition(":")
            results[i] = WriteResult(
                ref=ops[i].ref,
                ok=False,
                id=ops[i].id,
                errors=(RecordError(code=code.strip() or "UNKNOWN", message=message.strip()),),
                object_type=ops[i].object_type,
            )
    leftover = [i for i in range(len(ops)) if i not in results]
    if outcome.state != "JobComplete":
        # Rows a stopped job never processed are not written again blindly in the same run:
        # they become failures naming the job's end, and the dead-letter retries take them up.
        code = BULK_STOPPED.get(outcome.state, "BULK_JOB_" + outcome.state.upper())
        error = RecordError(code=code, message=outcome.reason or f"bulk job {outcome.state}")
        for i in leftover:
            results[i] = WriteResult(
                ref=ops[i].ref,
                ok=False,
                id=ops[i].id,
                errors=(error,),
                object_type=ops[i].object_type,
            )
        leftover = []
    return results, leftover


def contact_op_for_lead(op: WriteOp, contact_id: str, contact: ObjectSchema) -> WriteOp:
    """The Contact update that carries a converted Lead's write (Lead-only fields dropped)."""
    fields: dict[str, Value] = {}
    for name, value in op.fields.items():
        target = LEAD_TO_CONTACT.get(name, name)
        schema = contact.fields.get(target)
        if schema is not None and schema.updateable and target != EXTERNAL_ID_FIELD:
            fields[target] = value
    return WriteOp(object_type="Contact", fields=fields, id=contact_id, ref=op.ref)


Composite = Callable[[Mode, str, list[dict[str, object]]], list[Mapping[str, object]]]
Bulk = Callable[[Mode, str, Sequence[WriteOp]], BulkOutcome]
ConvertedLookup = Callable[[Sequence[WriteOp]], dict[str, str]]


@dataclass
class SalesforceWriter:
    """Writes a batch of ops with the transports the connector provides.

    ``composite`` and ``bulk`` do one (retried) call each; this class chunks, retries records
    refused with a transient per-record code (UNABLE_TO_LOCK_ROW) and routes converted Leads.
    """

    composite: Composite
    bulk: Bulk
    converted_contacts: ConvertedLookup  # op ref -> ConvertedContactId
    contact_schema: Callable[[], ObjectSchema]
    pause: Callable[[int], None]  # sleeps before a retry round (attempt number)
    known_converted: Mapping[str, str] = field(default_factory=dict)  # Lead id -> Contact id
    bulk_threshold: int = 2000
    max_rounds: int = 6

    def write(self, ops: Sequence[WriteOp]) -> list[WriteResult]:
        """One result per op, in order."""
        results, sendable = refuse_unsendable(ops)
        routed: dict[int, WriteOp] = {}
        plain: dict[int, WriteOp] = {}
        for i in sendable:
            op = ops[i]
            contact_id = self.known_converted.get(op.id or "") if op.object_type == "Lead" else None
            if contact_id:
                routed[i] = contact_op_for_lead(op, contact_id, self.contact_schema())
            else:
                plain[i] = op
        results.update(self._write_grouped(plain))
        converted = {
            i: plain[i] for i, r in results.items() if i in plain and _has_code(r, CONVERTED)
        }
        if converted:
            targets = self.converted_contacts(list(converted.values()))
            schema = self.contact_schema()
            for i, op in converted.items():
                if op.ref in targets:
                    routed[i] = contact_op_for_lead(op, targets[op.ref], schema)
        if routed:
            results.update(self._write_grouped(routed))
        return [results[i] for i in range(len(ops))]

    def _write_grouped(self, ops: Mapping[int, WriteOp]) -> dict[int, WriteResult]:
        groups: dict[tuple[str, Mode], list[int]] = {}
        for i, op in ops.items():
            groups.setdefault((op.object_type, mode_of(op)), []).append(i)
        results: dict[int, WriteResult] = {}
        for (object_type, mode), indexes in groups.items():
            pending = indexes
            if mode is not Mode.CREATE and len(indexes) >= self.bulk_threshold:
                done, pending = self._bulk(object_type, mode, [(i, ops[i]) for i in indexes])
                results.update(done)
            results.update(
                self._composite_rounds(object_type, mode, [(i, ops[i]) for i in pending])
            )
        return results

    def _bulk(
        self, object_type: str, mode: Mode, items: list[tuple[int, WriteOp]]
    ) -> tuple[dict[int, WriteResult], list[int]]:
        batch = [op for _, op in items]
        try:
            outcome = self.bulk(mode, object_type, batch)
        except (RecordRejectedError, UnknownConnectorError) as exc:
            # The job itself was refused (or failed in a way no table row knows): these ops
            # are dead-lettered with the reason; the other groups of the batch go on.
            error = exc.record_error()
            return {
                i: WriteResult(
                    ref=op.ref, ok=False, id=op.id, errors=(error,), object_type=op.object_type
                )
                for i, op in items
            }, []
        by_pos, leftover = parse_bulk_outcome(batch, mode, outcome)
        done: dict[int, WriteResult] = {}
        again = [items[p][0] for p in leftover]
        for pos, result in by_pos.items():
            if not result.ok and any(
                record_error_is_retryable("salesforce", e.code) for e in result.errors
            ):
                again.append(items[pos][0])  # locked rows: the composite rounds retry them
            else:
                done[items[pos][0]] = result
        return done, again

    def _composite_rounds(
        self, object_type: str, mode: Mode, items: list[tuple[int, WriteOp]]
    ) -> dict[int, WriteResult]:
        results: dict[int, WriteResult] = {}
        pending = items
        for attempt in range(1, self.max_rounds + 1):
            retry: list[tuple[int, WriteOp]] = []
            for start in range(0, len(pending), COMPOSITE_MAX):
                chunk = pending[start : start + COMPOSITE_MAX]
                answer = self.composite(
                    mode, object_type, [composite_record(op, mode) for _, op in chunk]
                )
                for (i, op), raw in zip(chunk, answer, strict=True):
                    result = parse_composite_result(op, raw)
                    results[i] = result
                    transient = not result.ok and all(
                        record_error_is_retryable("salesforce", e.code) for e in result.errors
                    )
                    if transient:
                        retry.append((i, op))
            if not retry or attempt == self.max_rounds:
                break
            self.pause(attempt)
            pending = retry
        return results


def _has_code(result: WriteResult, code: str) -> bool:
    return any(e.code == code for e in result.errors)
