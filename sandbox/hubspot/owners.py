"""The portal's owners (users who can own records) and ``GET /crm/v3/owners``.

HubSpot CRM API "Owners" guide: owners are read-only through the API; ``GET /crm/v3/owners``
lists them (``limit`` up to 500, default 100; ``after`` pages; ``email`` filters;
``archived=true`` lists only deactivated owners), each with ``id`` (the value a record's
``hubspot_owner_id`` holds), ``email``, ``type`` PERSON, names, ``userId``, dates, ``archived``
and ``teams``. ``GET /crm/v3/owners/{ownerId}`` reads one (``archived`` as above).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sandbox.context import SandboxContext
from sandbox.hubspot.errors import HubSpotError, validation
from sandbox.hubspot.values import iso_ms
from sandbox.storage import RecordStore

OWNERS = "owner"
OWNER_PROPERTY = "hubspot_owner_id"
FIRST_OWNER_ID = 71630001
MAX_LIMIT = 500


@dataclass(frozen=True)
class Owner:
    """One owner as the owners API describes it."""

    id: str
    email: str
    first_name: str
    last_name: str
    user_id: int
    created_at: datetime
    updated_at: datetime
    archived: bool = False

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "email": self.email,
            "type": "PERSON",
            "firstName": self.first_name,
            "lastName": self.last_name,
            "userId": self.user_id,
            "userIdIncludingInactive": self.user_id,
            "createdAt": iso_ms(self.created_at),
            "updatedAt": iso_ms(self.updated_at),
            "archived": self.archived,
        }


class OwnerStore:
    """Owners kept in the sandbox's record store (so a persisted sandbox keeps them)."""

    def __init__(self, records: RecordStore, ctx: SandboxContext) -> None:
        self._records = records
        self._ctx = ctx

    def _all(self) -> list[Owner]:
        rows = self._records.table(OWNERS).values()
        owners = [
            Owner(
                str(r["id"]),
                str(r["email"]),
                str(r["first_name"]),
                str(r["last_name"]),
                int(r["user_id"]),
                r["created_at"],
                r["updated_at"],
                bool(r["archived"]),
            )
            for r in rows
        ]
        return sorted(owners, key=lambda o: int(o.id))

    def add(self, email: str, first_name: str, last_name: str, *, archived: bool = False) -> str:
        """A new owner (a user added to the portal); returns its owner id."""
        with self._ctx.lock:
            owner_id = str(FIRST_OWNER_ID + len(self._records.table(OWNERS)))
            now = self._ctx.now()
            row = {
                "id": owner_id,
                "email": email,
                "first_name": first_name,
                "last_name": last_name,
                "user_id": 9000000 + int(owner_id) % 100000,
                "created_at": now,
                "updated_at": now,
                "archived": archived,
            }
            self._records.put(OWNERS, owner_id, row)
            return owner_id

    def set_archived(self, owner_id: str, archived: bool = True) -> None:
        """Deactivate (or restore) a user: the owner moves to the ``archived=true`` listing."""
        with self._ctx.lock:
            row = dict(self._records.table(OWNERS)[owner_id])
            row["archived"] = archived
            row["updated_at"] = self._ctx.now()
            self._records.put(OWNERS, owner_id, row)

    def all(self, *, archived: bool = False) -> list[Owner]:
        """The active owners (``archived``: the deactivated ones), by id."""
        return [o for o in self._all() if o.archived == archived]

    def get(self, owner_id: str, *, archived: bool = False) -> Owner | None:
        return next((o for o in self._all() if o.id == owner_id and o.archived == archived), None)

    def id_for(self, email: str, *, archived: bool = False) -> str | None:
        """The id of the owner with this email (case-blind), for tests and helpers."""
        wanted = email.strip().casefold()
        return next(
            (o.id for o in self._all() if o.email.casefold() == wanted and o.archived == archived),
            None,
        )

    def page(
        self, *, after: str | None, limit: int, archived: bool, email: str | None
    ) -> dict[str, object]:
        """One page of the listing, as the API answers it."""
        if not 1 <= limit <= MAX_LIMIT:
            raise validation(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
        owners = [o for o in self._all() if o.archived == archived]
        if email:
            owners = [o for o in owners if o.email.casefold() == email.strip().casefold()]
        if after:
            if not after.isdigit():
                raise validation(f"after must be a paging cursor, got {after!r}")
            owners = [o for o in owners if int(o.id) > int(after)]
        page = owners[:limit]
        body: dict[str, object] = {"results": [o.to_json() for o in page]}
        if len(owners) > limit:
            body["paging"] = {"next": {"after": page[-1].id}}
        return body

    def one(self, owner_id: str, *, archived: bool) -> dict[str, object]:
        owner = self.get(owner_id, archived=archived)
        if owner is None:
            raise HubSpotError(404, "OBJECT_NOT_FOUND", f"Owner {owner_id} not found")
        return owner.to_json()
