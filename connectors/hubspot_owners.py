"""HubSpot owners for the owner sync: the owners listing, and ids swapped for emails.

``GET /crm/v3/owners`` pages with ``after`` (up to 500 a page) and lists deactivated users
only with ``archived=true`` (HubSpot CRM API "Owners" guide). Records keep pointing at an
archived owner, so those are read too: their ids still translate to an email, but nothing is
assigned to them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

from connectors.base import SourceRecord, Value, WriteOp
from connectors.owners import OwnerDirectory, OwnerEntry

OWNER_PROPERTY = "hubspot_owner_id"
OWNERS_PAGE = 500

Page = Callable[[bool, str | None], Mapping[str, Any]]  # (archived, after) -> answer


def list_owners(page: Page) -> Iterator[OwnerEntry]:
    """Every owner, active then archived, following ``paging.next.after``."""
    for archived in (False, True):
        after: str | None = None
        seen: set[str] = set()
        while True:
            answer = page(archived, after)
            for raw in answer.get("results") or []:
                owner_id = str(raw.get("id") or "")
                if owner_id:
                    email = raw.get("email")
                    yield OwnerEntry(owner_id, str(email) if email else None, not archived)
            paging = answer.get("paging") or {}
            after = str(((paging.get("next") or {}).get("after")) or "") or None
            if after is None or after in seen:  # a repeated cursor would loop forever
                break
            seen.add(after)


def with_owner_emails(
    records: Sequence[SourceRecord], owners: OwnerDirectory
) -> list[SourceRecord]:
    """Records whose owner id is replaced by the owner's email (None when it has none)."""
    out: list[SourceRecord] = []
    for record in records:
        raw = record.fields.get(OWNER_PROPERTY)
        if OWNER_PROPERTY not in record.fields or raw in (None, ""):
            out.append(record)
            continue
        fields = dict(record.fields)
        fields[OWNER_PROPERTY] = owners.email_of(str(raw).split(".")[0])
        out.append(replace(record, fields=fields))
    return out


def with_owner_ids(ops: Sequence[WriteOp], owners: OwnerDirectory) -> list[WriteOp]:
    """Writes whose owner email is replaced by the owner id; an unknown email is not written.

    The engine only plans owners the directory has (``owner_emails``); one that went away in
    between is left out rather than failing the record.
    """
    out: list[WriteOp] = []
    for op in ops:
        value = op.fields.get(OWNER_PROPERTY)
        if OWNER_PROPERTY not in op.fields or value in (None, ""):
            out.append(op)
            continue
        fields: dict[str, Value] = dict(op.fields)
        owner_id = owners.id_for(str(value))
        if owner_id is None:
            del fields[OWNER_PROPERTY]
        else:
            fields[OWNER_PROPERTY] = owner_id
        out.append(replace(op, fields=fields))
    return out
