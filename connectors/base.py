"""The interface every system adapter offers the engine, and the typed records it returns."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal, Protocol, runtime_checkable

System = Literal["hubspot", "salesforce"]
Value = str | int | float | bool | date | datetime | None
"""A field value as it travels through leadsync (datetimes are timezone-aware UTC)."""


@dataclass(frozen=True)
class SourceRecord:
    """One record as read from a system, with the system's own field names."""

    system: System
    object_type: str  # "contact" (HubSpot); "Lead", "Contact", "Opportunity" (Salesforce)
    id: str
    fields: Mapping[str, Value]
    modified_at: datetime
    deleted: bool = False  # deleted in Salesforce / archived in HubSpot
    merged_ids: tuple[str, ...] = ()  # HubSpot: ids absorbed into this contact by a merge
    # Values refused at the connector boundary: the engine dead-letters the record.
    problems: tuple[RecordError, ...] = ()


@dataclass(frozen=True)
class Cursor:
    """Where an incremental read stopped: the last modification time and the ids seen at it."""

    value: datetime | None = None
    ids_at_value: frozenset[str] = frozenset()

    def to_json(self) -> dict[str, object]:
        return {
            "value": self.value.isoformat() if self.value else None,
            "ids_at_value": sorted(self.ids_at_value),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object] | None) -> Cursor:
        if not data or not data.get("value"):
            return cls()
        raw_ids = data.get("ids_at_value") or []
        ids = frozenset(str(i) for i in raw_ids) if isinstance(raw_ids, list) else frozenset()
        return cls(value=datetime.fromisoformat(str(data["value"])), ids_at_value=ids)


@dataclass(frozen=True)
class ChangePage:
    """A page of changed records and the cursor to store once they are committed."""

    records: Sequence[SourceRecord]
    cursor: Cursor


@dataclass(frozen=True)
class WriteOp:
    """One record to write. ``id`` None means create (upserted on ``external_id`` when given)."""

    object_type: str
    fields: Mapping[str, Value]
    id: str | None = None
    external_id: str | None = None  # value of the external-id field / HubSpot idProperty
    ref: str = ""  # caller's correlation key, echoed in the result
    # Run the CRM's assignment rules on this update too (a stage change that hands the record
    # to sales); creates follow the adapter's own setting.
    assign: bool = False


@dataclass(frozen=True)
class RecordError:
    """Why a system refused one record."""

    code: str
    message: str
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class WriteResult:
    """Outcome for one WriteOp."""

    ref: str
    ok: bool
    id: str | None = None
    created: bool = False
    errors: tuple[RecordError, ...] = ()
    # The object actually written: "Contact" when a converted Lead's write went to its Contact.
    object_type: str = ""


@dataclass(frozen=True)
class FieldSchema:
    """One field of a live schema (Salesforce describe / HubSpot property)."""

    name: str
    type: str
    length: int | None = None
    nillable: bool = True
    createable: bool = True
    updateable: bool = True
    picklist_values: tuple[str, ...] = ()
    restricted_picklist: bool = False
    external_id: bool = False


@dataclass(frozen=True)
class ObjectSchema:
    """The live schema of one object."""

    object_type: str
    fields: Mapping[str, FieldSchema] = field(default_factory=dict)


@dataclass(frozen=True)
class ApiUsage:
    """API usage as the system last reported it."""

    calls: int  # calls this adapter made in this process
    used: int | None = None  # daily usage reported by the server
    limit: int | None = None
    retries: int = 0  # attempts repeated by the retry policy (faults, 429s, locked rows)


class Connector(Protocol):
    """What the engine needs from a system; adapters translate vendor errors at this edge."""

    system: System

    def changes(
        self, object_type: str, since: Cursor, *, full: bool = False
    ) -> Iterator[ChangePage]:
        """Stream records changed since ``since`` (all records when ``full``), page by page."""
        ...

    def read(self, object_type: str, ids: Sequence[str]) -> list[SourceRecord]:
        """Read records by id (missing ids are left out)."""
        ...

    def find_by_email(self, object_type: str, emails: Sequence[str]) -> list[SourceRecord]:
        """Live records whose email is one of ``emails`` (looked up before creating)."""
        ...

    def write(self, ops: Sequence[WriteOp]) -> list[WriteResult]:
        """Write a batch; one result per op, in order. Raises only for whole-batch failures."""
        ...

    def describe(self, object_type: str) -> ObjectSchema:
        """The live schema of an object."""
        ...

    def want(self, object_type: str, fields: Sequence[str]) -> None:
        """Read only these fields of an object (and the ones the adapter itself needs)."""
        ...

    def usage(self) -> ApiUsage:
        """API calls spent and the server's reported allowance."""
        ...

    def server_now(self) -> datetime:
        """The system's current time as its answers told it (our clock until one did)."""
        ...


@dataclass(frozen=True)
class HandoffTask:
    """A follow-up for the rep who owns a record: what to do, by when, and why."""

    key: str  # the hand-off's kind (its stage): one task per record and key
    record_id: str  # the CRM record (a Lead or Contact)
    owner: str | None  # the owner's email; None leaves the task with the integration user
    subject: str
    due: date
    description: str


@runtime_checkable
class HandoffTarget(Protocol):
    """A CRM that takes hand-off tasks (the Salesforce adapter)."""

    def create_handoff_tasks(self, tasks: Sequence[HandoffTask]) -> list[WriteResult]:
        """A task per hand-off not already there; one result per task, ``ref`` = the record."""
        ...

    def existing_handoffs(self, tasks: Sequence[HandoffTask]) -> set[tuple[str, str]]:
        """(record id, key) of the hand-offs that already have a task (a dry run's look-up)."""
        ...
