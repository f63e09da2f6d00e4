"""HubSpot owners for the owner sync: the owners listing, and ids swapped for emails.

``GET /crm/v3/owners`` pages with ``after`` (up to 500 a page) and lists deactivated users
only with ``archived=true`` (HubSpot CRM API "Owners" guide). Records keep pointing at an
archived owner, so those are read too: their ids still translate to an email, but nothing is
assigned to them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from connectors import owners as owners_module
from connectors.base import SourceRecord, WriteOp
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


def _owner_id(record: SourceRecord) -> str | None:
    raw = record.fields.get(OWNER_PROPERTY)
    return None if raw in (None, "") else str(raw).split(".")[0]


def _owner_email(op: WriteOp) -> str | None:
    value = op.fields.get(OWNER_PROPERTY)
    return None if value in (None, "") else str(value)


def with_owner_emails(
    records: Sequence[SourceRecord], owners: OwnerDirectory
) -> list[SourceRecord]:
    """Records whose owner id is replaced by the owner's email (None when it has none)."""
    return owners_module.with_owner_emails(records, OWNER_PROPERTY, owners, _owner_id)


def with_owner_ids(ops: Sequence[WriteOp], owners: OwnerDirectory) -> list[WriteOp]:
    """Writes whose owner email is replaced by the owner id; an unknown email is not written."""
    return owners_module.with_owner_ids(ops, OWNER_PROPERTY, owners, _owner_email)
