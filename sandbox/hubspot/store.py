"""The emulated portal's contacts: validation, unique emails, merges, persistence, search index."""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime

from sandbox.context import SandboxContext
from sandbox.hubspot.catalog import PropertyCatalog
from sandbox.hubspot.contact import (
    Contact,
    ListPage,
    SearchPage,
    emails,
    merged_properties,
    parse_iso,
)
from sandbox.hubspot.errors import (
    PropertyProblem,
    conflict,
    invalid_properties,
    not_found,
    not_unique,
    validation,
)
from sandbox.hubspot.owners import OWNER_PROPERTY, OwnerStore
from sandbox.hubspot.properties import PropertyDef
from sandbox.hubspot.search import SearchIndex, SearchRequest, page
from sandbox.hubspot.values import PropertyInput, iso_ms, normalize
from sandbox.storage import RecordStore, Row

CONTACTS = "hs_contacts"
MERGED = "hs_merged"  # absorbed id -> {"survivor": id}
FIRST_ID = 1001
# Set by the system on every write; never taken from callers.
_MANAGED = {"hs_object_id", "lastmodifieddate"}


class HubSpotStore:
    """The portal's contacts behind both the HTTP app and the Python API (thread-safe)."""

    def __init__(
        self,
        records: RecordStore,
        ctx: SandboxContext,
        *,
        leadsync_properties: bool = True,
        extra_properties: tuple[PropertyDef, ...] = (),
    ) -> None:
        self._records = records
        self._ctx = ctx
        self.catalog = PropertyCatalog(
            records, ctx, leadsync_properties=leadsync_properties, extra=extra_properties
        )
        self.owners = OwnerStore(records, ctx)  # GET /crm/v3/owners (sandbox/hubspot/owners.py)
        self._contacts: dict[str, Contact] = {}
        self._by_email: dict[str, str] = {}
        self._merged: dict[str, str] = {}
        ids: list[int] = []
        for row in records.rows(CONTACTS):
            contact = Contact.from_row(row)
            self._contacts[contact.id] = contact
            ids.append(int(contact.id))
            self._index_emails(contact)
        for rid, row in records.table(MERGED).items():
            self._merged[rid] = str(row["survivor"])
            ids.append(int(rid))
        self._order = sorted(int(c) for c in self._contacts)
        self._next_id = max(ids, default=FIRST_ID - 1) + 1
        self._dirty: dict[str, Row] | None = None
        self.index = SearchIndex(self.property, self._indexed_version)
        self.index.reset({c.id: c.properties for c in self._contacts.values() if not c.archived})

    # -- properties ----------------------------------------------------------------------------
    def property(self, name: str) -> PropertyDef | None:
        return self.catalog.get(name)

    def properties(self) -> list[PropertyDef]:
        return self.catalog.all()

    def create_property(self, body: Mapping[str, object]) -> PropertyDef:
        return self.catalog.create(body)

    # -- Python API ----------------------------------------------------------------------------
    def create(
        self,
        properties: Mapping[str, PropertyInput],
        *,
        when: datetime | None = None,
        system: bool = True,
    ) -> str:
        """Create a contact; ``system`` may set read-only properties, ``when`` backdates it."""
        return self.create_contact(properties, when=when, system=system).id

    def update(
        self,
        contact_id: str,
        properties: Mapping[str, PropertyInput],
        *,
        when: datetime | None = None,
        system: bool = True,
    ) -> None:
        """Update a contact (absorbed ids write the survivor); 404 HubSpotError if unknown."""
        self.update_contact(contact_id, properties, when=when, system=system)

    def poke(self, contact_id: str, properties: Mapping[str, str | None]) -> None:
        """Store raw property text as it is, unchecked, and stamp the change (hostile-data tests).

        A real portal can hold text its API would refuse today (imports, older validation):
        ``Infinity`` in a number, an epoch beyond any calendar in a datetime. None unsets.
        """
        with self._ctx.lock:
            contact = self._resolve(contact_id)
            if contact is None:
                raise not_found(contact_id, by_id=True)
            self._refresh()
            self._write(contact, properties, self._ctx.now())

    def get(self, contact_id: str) -> dict[str, object] | None:
        """A copy with every property set (absorbed ids answer the survivor, like HubSpot)."""
        with self._ctx.lock:
            contact = self._resolve(contact_id, archived=None)
            return contact.to_api(sorted(contact.properties)) if contact else None

    def all(self, *, archived: bool = False) -> list[dict[str, object]]:
        """Copies of every live (or every archived) contact, with all their properties."""
        with self._ctx.lock:
            return [
                c.to_api(sorted(c.properties))
                for c in self._contacts.values()
                if c.archived == archived
            ]

    def find_by_email(self, email: str) -> str | None:
        """The live contact with this primary or additional email (case-insensitive)."""
        with self._ctx.lock:
            return self._by_email.get(email.strip().lower())

    def archive(self, contact_id: str) -> None:
        """Archive (soft-delete); unknown or already archived ids are ignored, like HubSpot."""
        with self._ctx.lock:
            contact = self._resolve(contact_id)
            if contact is None:
                return
            self._refresh()
            now = self._ctx.now()
            contact.archived = True
            contact.archived_at = now
            contact.updated_at = now
            self._unindex_emails(contact)
            self._save(contact)

    def merge(
        self,
        primary_id: str,
        secondary_id: str,
        *,
        when: datetime | None = None,
        new_id: bool | None = None,
    ) -> str:
        """Merge ``secondary`` into ``primary``; returns the survivor's id.

        The absorbed id is gone: reads by it answer the survivor. ``when`` backdates the merge.
        The survivor keeps the primary's id, or with ``new_id`` (default: drawn at
        ``faults.hubspot_merge_new_id_rate``) gets a brand-new id and lists both originals in
        ``hs_merged_object_ids``: "the merged record gets a new ID" (pipe0's HubSpot merge
        notes; HubSpot's merge webhooks carry a ``newObjectId`` for it, amp-labs/connectors#3487).
        """
        with self._ctx.lock:
            primary = self._resolve(primary_id)
            secondary = self._resolve(secondary_id)
            if primary is None:
                raise not_found(primary_id)
            if secondary is None:
                raise not_found(secondary_id)
            if primary.id == secondary.id:
                raise validation("Cannot merge an object with itself")
            if new_id is None:
                new_id = self._ctx.roll(self._ctx.faults.hubspot_merge_new_id_rate)
            self._refresh()
            now = when or self._ctx.now()
            merged = merged_properties(primary.properties, secondary.properties, secondary.id)
            gone = [secondary]
            survivor = primary
            if new_id:
                ids = {primary.id, *merged["hs_merged_object_ids"].split(";")}
                merged["hs_merged_object_ids"] = ";".join(sorted(ids, key=int))
                survivor = Contact(str(self._next_id), {}, primary.created_at, now)
                self._next_id += 1
                survivor.history = primary.history
                self._contacts[survivor.id] = survivor
                self._order.append(int(survivor.id))
                self._unindex_emails(primary)
                gone.append(primary)
            merged["hs_object_id"] = survivor.id
            merged["lastmodifieddate"] = iso_ms(now)
            self._unindex_emails(secondary)
            for name, entries in secondary.history.items():
                if name not in primary.properties:
                    survivor.history[name] = [*entries, *survivor.history.get(name, [])]
            survivor.properties = merged
            survivor.created_at = min(primary.created_at, secondary.created_at)
            survivor.updated_at = now
            for contact in gone:
                del self._contacts[contact.id]
                if self._dirty is not None:
                    self._dirty.pop(contact.id, None)
                self._records.delete(CONTACTS, contact.id)
            absorbed = merged["hs_merged_object_ids"].split(";")
            for absorbed_id in absorbed:
                self._merged[absorbed_id] = survivor.id
            self._records.put_many(MERGED, [(i, {"survivor": survivor.id}) for i in absorbed])
            self._index_emails(survivor)
            self._save(survivor)
            for contact in gone:
                self.index.mark(contact.id, now.timestamp())
            return survivor.id

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """Group writes into one durable commit (batch endpoints, seeding)."""
        with self._ctx.lock:
            if self._dirty is not None:
                yield
                return
            self._dirty = {}
            try:
                yield
            finally:
                dirty, self._dirty = self._dirty, None
                if dirty:
                    self._records.put_many(CONTACTS, list(dirty.items()))

    # -- used by the HTTP app ------------------------------------------------------------------
    def contact(
        self, contact_id: str, *, id_property: str | None = None, archived: bool | None = False
    ) -> Contact | None:
        """By id (absorbed ids resolve to the survivor) or by ``idProperty=email``."""
        with self._ctx.lock:
            if id_property and id_property != "hs_object_id":
                if id_property != "email":
                    raise not_unique(id_property)
                found = self._by_email.get(contact_id.strip().lower())
                return self._resolve(found, archived=archived) if found else None
            return self._resolve(contact_id, archived=archived)

    def create_contact(
        self,
        properties: Mapping[str, PropertyInput],
        *,
        when: datetime | None = None,
        system: bool = False,
    ) -> Contact:
        with self._ctx.lock:
            values = self._check(properties, system=system)
            email = values.get("email")
            if email and email in self._by_email:
                raise conflict(self._by_email[email])
            self._refresh()
            moment = when or self._ctx.now()
            cid = str(self._next_id)
            self._next_id += 1
            props = {k: v for k, v in values.items() if v is not None}
            props.setdefault("createdate", iso_ms(moment))
            props["lastmodifieddate"] = iso_ms(moment)
            props["hs_object_id"] = cid
            contact = Contact(cid, props, moment, moment)
            contact.remember([n for n in props if n not in _MANAGED], moment, _source(system))
            self._contacts[cid] = contact
            self._order.append(int(cid))
            self._index_emails(contact)
            self._save(contact)
            return contact

    def update_contact(
        self,
        contact_id: str,
        properties: Mapping[str, PropertyInput],
        *,
        id_property: str | None = None,
        when: datetime | None = None,
        system: bool = False,
    ) -> Contact:
        with self._ctx.lock:
            contact = self.contact(contact_id, id_property=id_property)
            if contact is None:
                raise not_found(contact_id, by_id=id_property in (None, "hs_object_id"))
            values = self._check(properties, system=system)
            email = values.get("email")
            if email and self._by_email.get(email, contact.id) != contact.id:
                raise conflict(self._by_email[email])
            self._refresh()
            self._write(contact, values, when or self._ctx.now(), source=_source(system))
            return contact

    def _write(
        self,
        contact: Contact,
        values: Mapping[str, str | None],
        moment: datetime,
        *,
        source: str | None = None,
    ) -> None:
        """Set (None: unset) property texts, stamp the change, re-index the emails, persist.

        With a ``source`` the new values join the properties' history (raw pokes do not).
        """
        self._unindex_emails(contact)
        for name, value in values.items():
            if value is None:
                contact.properties.pop(name, None)
            else:
                contact.properties[name] = value
        contact.properties["lastmodifieddate"] = iso_ms(moment)
        contact.updated_at = moment
        if source is not None:
            contact.remember(values, moment, source)
        self._index_emails(contact)
        self._save(contact)

    def upsert_contact(
        self, key: str, properties: Mapping[str, PropertyInput], *, id_property: str | None
    ) -> tuple[Contact, bool]:
        """Update the contact ``key`` names or create it; returns (contact, created)."""
        with self._ctx.lock:
            existing = self.contact(key, id_property=id_property)
            if existing is not None:
                return self.update_contact(existing.id, properties), False
            if id_property != "email":
                raise not_found(key)
            return self.create_contact({**properties, "email": key}), True

    def page(self, after: str | None, limit: int, *, archived: bool = False) -> ListPage:
        """``GET /crm/v3/objects/contacts``: ascending ids from ``after`` (inclusive)."""
        with self._ctx.lock:
            try:
                start = bisect.bisect_left(self._order, int(after)) if after else 0
            except ValueError as exc:
                raise validation(f"Invalid value for after: {after}") from exc
            found: list[Contact] = []
            pos = start
            while pos < len(self._order) and len(found) <= limit:
                contact = self._contacts.get(str(self._order[pos]))
                if contact is not None and contact.archived == archived:
                    found.append(contact)
                pos += 1
            next_after = found[limit].id if len(found) > limit else None
            return ListPage(found[:limit], next_after)

    def search(self, req: SearchRequest) -> SearchPage:
        with self._ctx.lock:
            self._refresh()
            ids = self.index.search(req)
            chunk, next_after = page(ids, req)
            contacts = [self._indexed_contact(i) for i in chunk]
            return SearchPage(len(ids), contacts, next_after)

    def requested(self, names: list[str] | None) -> list[str] | None:
        """Asked-for property names HubSpot answers: unknown names are ignored, not nulled."""
        if names is None:
            return None
        with self._ctx.lock:
            return [n for n in dict.fromkeys(names) if self.catalog.get(n) is not None]

    def email_owner(self, email: str) -> str | None:
        """The id of the live contact holding ``email`` (primary or additional), if any."""
        with self._ctx.lock:
            return self._by_email.get(email.strip().lower())

    def purge(self, contact_id: str, *, id_property: str | None = None) -> None:
        """GDPR delete: the contact is gone for good (not archived); 404 if unknown."""
        with self._ctx.lock:
            contact = self.contact(contact_id, id_property=id_property, archived=None)
            if contact is None:
                raise not_found(contact_id, by_id=id_property in (None, "hs_object_id"))
            self._refresh()
            self._unindex_emails(contact)
            del self._contacts[contact.id]
            self._order.remove(int(contact.id))
            if self._dirty is not None:
                self._dirty.pop(contact.id, None)
            self._records.delete(CONTACTS, contact.id)
            self.index.mark(contact.id, self._ctx.now().timestamp())

    # -- internals -----------------------------------------------------------------------------
    def _resolve(self, contact_id: str | None, *, archived: bool | None = False) -> Contact | None:
        if not contact_id:
            return None
        cid = self._merged.get(contact_id, contact_id)
        contact = self._contacts.get(cid)
        if contact is None or (archived is not None and contact.archived != archived):
            return None
        return contact

    def _check(
        self, properties: Mapping[str, PropertyInput], *, system: bool
    ) -> dict[str, str | None]:
        values, problems = self.examine(properties, system=system)
        if problems:
            raise invalid_properties(problems)
        return values

    def examine(
        self, properties: Mapping[str, PropertyInput], *, system: bool = False
    ) -> tuple[dict[str, str | None], list[PropertyProblem]]:
        """The stored forms of ``properties`` and every problem HubSpot would name (no write)."""
        problems: list[PropertyProblem] = []
        values: dict[str, str | None] = {}
        for name, raw in properties.items():
            if name in _MANAGED and system:
                continue
            prop = self.catalog.get(name)
            if prop is None:
                problems.append(
                    PropertyProblem(
                        name,
                        "PROPERTY_DOESNT_EXIST",
                        f'Property "{name}" does not exist',
                        "" if raw is None else str(raw),
                    )
                )
                continue
            if prop.read_only and not system:
                problems.append(
                    PropertyProblem(
                        name,
                        "READ_ONLY_VALUE",
                        f'"{name}" is a calculated property; its value cannot be set.',
                        "" if raw is None else str(raw),
                    )
                )
                continue
            value = normalize(prop, raw)
            if isinstance(value, PropertyProblem):
                problems.append(value)
            elif name == OWNER_PROPERTY and value and self.owners.get(value) is None:
                # The property's options are the active owners (an assumption: HubSpot's exact
                # refusal of an unknown or archived owner id is not documented).
                problems.append(
                    PropertyProblem(
                        name, "INVALID_OPTION", f"{value} was not one of the allowed options"
                    )
                )
            else:
                values[name] = value
        return values, problems

    def _refresh(self) -> None:
        self.index.refresh(self._ctx.now().timestamp(), self._ctx.faults.hubspot_index_delay_s)

    def _save(self, contact: Contact) -> None:
        self.index.mark(contact.id, contact.updated_at.timestamp(), self._index_lag())
        row = contact.to_row()
        if self._dirty is not None:
            self._dirty[contact.id] = row
        else:
            self._records.put(CONTACTS, contact.id, row)

    def _index_lag(self) -> float:
        """The extra wait of one write for search: most writes none, a seeded share a long tail.

        HubSpot only says search reflects writes after "a few moments"; integrators report
        seconds and more (Locoia's connector notes, Sequin's "the Search API is eventually
        consistent"), so the lag is drawn per write rather than fixed.
        """
        faults = self._ctx.faults
        if not self._ctx.roll(faults.hubspot_index_tail_rate):
            return 0.0
        return self._ctx.draw(faults.hubspot_index_tail_s)

    def _indexed_version(self, cid: str) -> Mapping[str, str] | None:
        contact = self._contacts.get(cid)
        if contact is None or contact.archived:
            return None
        return dict(contact.properties)

    def _indexed_contact(self, cid: str) -> Contact:
        # Search answers the indexed version, which may lag the stored one (or be gone since).
        props = self.index.indexed_properties(cid)
        created = parse_iso(props.get("createdate")) or self._ctx.now()
        return Contact(
            cid, dict(props), created, parse_iso(props.get("lastmodifieddate")) or created
        )

    def _index_emails(self, contact: Contact) -> None:
        if contact.archived:
            return
        for email in emails(contact):
            self._by_email[email] = contact.id

    def _unindex_emails(self, contact: Contact) -> None:
        for email in emails(contact):
            if self._by_email.get(email) == contact.id:
                del self._by_email[email]


def _source(system: bool) -> str:
    # History's sourceType: the private app's writes vs. HubSpot-side (users, forms, tracking).
    return "CRM_UI" if system else "INTEGRATION"
