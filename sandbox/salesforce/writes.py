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
