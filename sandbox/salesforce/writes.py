"""One record write of a request and its per-record result, as composite and bulk report it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from sandbox.salesforce.errors import SalesforceError

ROLLED_BACK = SalesforceError(
    "ALL_OR_NONE_OPERATION_ROLLED_BACK", "Record rolled back because not all records were valid"
)


@dataclass(frozen=True)
class WriteOp:
    """One record write of a request: create, update by Id, or upsert by an external id."""

    kind: Literal["create", "update", "upsert"]
    object_type: str
    fields: Mapping[str, object]
    record_id: str | None = None  # update
    ext_field: str | None = None  # upsert
    ext_value: str | None = None  # upsert
    lock_fail: bool = False  # an injected UNABLE_TO_LOCK_ROW for this record
    # Sforce-Auto-Assign of the request (sandbox/salesforce/assignment.py); the Python API's
    # writes are a person in the UI, who does not tick "assign using active assignment rule".
    auto_assign: str = "FALSE"


@dataclass
class SaveResult:
    """The outcome of one WriteOp, as composite and bulk answers report it."""

    id: str | None
    success: bool
    errors: list[SalesforceError] = field(default_factory=list)
    created: bool = False

    def as_json(self, *, with_created: bool = False) -> dict[str, object]:
        body: dict[str, object] = {
            "id": self.id,
            "success": self.success,
            "errors": [e.save_error() for e in self.errors],
        }
        if with_created:
            body["created"] = self.created
        return body


def lock_row_error(record_id: str | None) -> SalesforceError:
    return SalesforceError(
        "UNABLE_TO_LOCK_ROW",
        f"unable to obtain exclusive access to this record or 1 records: {record_id or ''}",
    )


def refuse_duplicate_external_ids(
    ops: list[WriteOp | SalesforceError],
) -> list[WriteOp | SalesforceError]:
    """Refuse every upsert whose external id value occurs twice in one request.

    Salesforce cannot tell which of the two should win, so it fails all of them with
    DUPLICATE_EXTERNAL_ID instead of applying them in order.
    """
    seen: dict[tuple[str, str, str], int] = {}
    for op in ops:
        if isinstance(op, WriteOp) and op.kind == "upsert" and op.ext_value is not None:
            key = (op.object_type.lower(), str(op.ext_field).lower(), op.ext_value.lower())
            seen[key] = seen.get(key, 0) + 1
    if all(count == 1 for count in seen.values()):
        return ops
    out: list[WriteOp | SalesforceError] = []
    for op in ops:
        if isinstance(op, WriteOp) and op.kind == "upsert" and op.ext_value is not None:
            key = (op.object_type.lower(), str(op.ext_field).lower(), op.ext_value.lower())
            if seen[key] > 1:
                out.append(
                    SalesforceError(
                        "DUPLICATE_EXTERNAL_ID",
                        f"Duplicate external id specified: {op.ext_value}",
                        [str(op.ext_field)],
                    )
                )
                continue
        out.append(op)
    return out
