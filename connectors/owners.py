"""Record owners matched across systems by email: a per-run directory of one system's owners.

Owner ids differ per system (a HubSpot owner id, a Salesforce User or queue id), so the value
leadsync carries is the owner's normalized email. Each adapter reads its owners once per run
(one owners listing, one User + queue query) and translates ids to emails as records are read
and emails to ids as they are written.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol, runtime_checkable

from connectors.base import SourceRecord, Value, WriteOp

log = logging.getLogger(__name__)


def owner_key(email: str) -> str:
    """How owner emails are compared: trimmed and case-blind."""
    return email.strip().casefold()


@dataclass(frozen=True)
class OwnerEntry:
    """One owner as a system lists it."""

    id: str
    email: str | None
    assignable: bool = True  # active: records may be given to it
    queue: bool = False  # a Salesforce queue or the integration user: its records have no rep yet


class OwnerDirectory:
    """One system's owners, loaded on first use and kept until ``reset`` (once per run)."""

    def __init__(self, system: str, load: Callable[[], Iterable[OwnerEntry]]) -> None:
        self._system = system
        self._load = load
        self._lock = threading.Lock()
        self._by_id: dict[str, OwnerEntry] | None = None
        self._by_email: dict[str, str] = {}
        self._unknown: set[str] = set()

    def reset(self) -> None:
        """Forget the owners: the next translation reads them again."""
        with self._lock:
            self._by_id = None
            self._by_email = {}
            self._unknown = set()

    def _entries(self) -> dict[str, OwnerEntry]:
        with self._lock:
            if self._by_id is None:
                entries = list(self._load())
                self._by_id = {e.id: e for e in entries}
                # Several users may share an address: an active one is the one records go to.
                for entry in sorted(entries, key=lambda e: (e.assignable, e.id)):
                    if entry.email and not entry.queue:
                        self._by_email[owner_key(entry.email)] = entry.id
                log.debug("%s: %d owners read", self._system, len(entries))
            return self._by_id

    def email_of(self, owner_id: str) -> str | None:
        """The owner's email; None for a queue or an id the listing does not have."""
        entry = self._entries().get(owner_id)
        if entry is None:
            if owner_id not in self._unknown:
                self._unknown.add(owner_id)
                log.warning("%s owner %s is not in the owners listing", self._system, owner_id)
            return None
        return None if entry.queue else entry.email

    def id_for(self, email: str) -> str | None:
        """The id of the assignable owner with this email, or None."""
        entries = self._entries()
        owner_id = self._by_email.get(owner_key(email))
        if owner_id is None or not entries[owner_id].assignable:
            return None
        return owner_id

    def is_assignable(self, owner_id: str) -> bool:
        """Whether records may be given to this owner id (an active owner, not a queue)."""
        entry = self._entries().get(owner_id)
        return entry is not None and entry.assignable and not entry.queue

    def assignable_emails(self) -> frozenset[str]:
        """Emails records can be given to on this system (active owners, no queues)."""
        entries = self._entries()
        return frozenset(
            k for k, owner_id in self._by_email.items() if entries[owner_id].assignable
        )


def with_owner_emails(
    records: Sequence[SourceRecord],
    field: str,
    owners: OwnerDirectory,
    owner_id: Callable[[SourceRecord], str | None],
) -> list[SourceRecord]:
    """Records whose owner id (``owner_id``: None = nothing to translate) becomes an email.

    A queue, or an id the listing does not have, reads as None (no rep).
    """
    out: list[SourceRecord] = []
    for record in records:
        raw = owner_id(record)
        if raw is None:
            out.append(record)
            continue
        out.append(replace(record, fields={**record.fields, field: owners.email_of(raw)}))
    return out


def with_owner_ids(
    ops: Sequence[WriteOp],
    field: str,
    owners: OwnerDirectory,
    owner_email: Callable[[WriteOp], str | None],
) -> list[WriteOp]:
    """Writes whose owner email (``owner_email``: None = no owner written) becomes an id.

    The engine only plans owners the directory has (``owner_emails``); one that went away in
    between, or that cannot be given records, is left out of the write rather than failing it.
    """
    out: list[WriteOp] = []
    for op in ops:
        email = owner_email(op)
        if email is None:
            out.append(op)
            continue
        fields: dict[str, Value] = dict(op.fields)
        found = owners.id_for(email)
        if found is None:
            del fields[field]
        else:
            fields[field] = found
        out.append(replace(op, fields=fields))
    return out


@runtime_checkable
class OwnerLookup(Protocol):
    """An adapter that translates owners (both leadsync adapters; test fakes may not)."""

    def owner_emails(self) -> frozenset[str]:
        """The owner emails records can be assigned to on this system, read once per run."""
        ...

    def reset_owners(self) -> None:
        """Start a new run: read the owners again on next use."""
        ...
