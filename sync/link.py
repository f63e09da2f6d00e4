"""Identity: which HubSpot contact goes with which Salesforce Lead or Contact (pure)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace

from connectors.base import SourceRecord, System
from sync.link_types import (
    Collision,
    Deletion,
    Duplicate,
    LinkRef,
    NeededReads,
    Pair,
    RePoint,
    Resolution,
    Skipped,
)

PERSON_TYPES = ("Lead", "Contact")


@dataclass
class _Slot:
    """A pair under construction for one stored link."""

    link: LinkRef
    hubspot: SourceRecord | None = None
    salesforce: SourceRecord | None = None

    def __iter__(self) -> Iterator[SourceRecord]:
        """The records pulled for this link so far."""
        return iter(r for r in (self.hubspot, self.salesforce) if r is not None)


class _Links:
    """Mutable index over the stored links while they are re-pointed."""

    def __init__(self, links: Iterable[LinkRef]) -> None:
        self.by_id: dict[str, LinkRef] = {}
        self.by_hubspot: dict[str, LinkRef] = {}
        self.by_salesforce: dict[str, LinkRef] = {}
        for link in links:
            self.put(link)

    def put(self, link: LinkRef) -> None:
        self.remove(link.link_id)
        self.by_id[link.link_id] = link
        if link.hubspot_id:
            self.by_hubspot[link.hubspot_id] = link
        if link.salesforce_id:
            self.by_salesforce[link.salesforce_id] = link

    def remove(self, link_id: str) -> None:
        old = self.by_id.pop(link_id, None)
        if old is None:
            return
        if old.hubspot_id and self.by_hubspot.get(old.hubspot_id) == old:
            del self.by_hubspot[old.hubspot_id]
        if old.salesforce_id and self.by_salesforce.get(old.salesforce_id) == old:
            del self.by_salesforce[old.salesforce_id]


def _latest(records: Iterable[SourceRecord]) -> dict[str, SourceRecord]:
    """One record per id (overlapping pull windows repeat records): the latest one."""
    out: dict[str, SourceRecord] = {}
    for rec in records:
        seen = out.get(rec.id)
        if seen is None or rec.modified_at >= seen.modified_at:
            out[rec.id] = rec
    return out


def _converted_contact(rec: SourceRecord) -> str | None:
    """The Contact id a converted Lead now lives on, or None."""
    if rec.object_type != "Lead":
        return None
    flag = rec.fields.get("IsConverted")
    contact = rec.fields.get("ConvertedContactId")
    converted = flag is True or (isinstance(flag, str) and flag.lower() == "true")
    return str(contact) if converted and contact else None


def _pick_salesforce(records: Sequence[SourceRecord]) -> SourceRecord:
    """The stated rule: a Contact over a Lead, then the most recently modified."""
    return max(records, key=lambda r: (r.object_type == "Contact", r.modified_at, r.id))


def _pick_hubspot(records: Sequence[SourceRecord]) -> SourceRecord:
    return max(records, key=lambda r: (r.modified_at, r.id))


def resolve(
    links: Sequence[LinkRef],
    hubspot: Sequence[SourceRecord],
    salesforce: Sequence[SourceRecord],
    *,
    normalize_email: Callable[[str], str],
    hubspot_email_field: str = "email",
    salesforce_email_field: str = "Email",
) -> Resolution:
    """Pair pulled records: stored links first (after merges and conversions), then email.

    Two passes: read what ``needed`` asks for (counterparts not pulled, by id; emails to look
    up on the other side before creating), then call again with those records added; stop when
    ``needed`` asks for nothing new, and act on the last pass only. An id that ``read`` did
    not return is best passed back as a ``SourceRecord(..., deleted=True)`` so that the link
    is reported in ``deletions``.
    """
    resolver = _Resolver(
        _Links(link for link in links if not link.retired),
        _latest(hubspot),
        _latest(salesforce),
        normalize_email,
        {"hubspot": hubspot_email_field, "salesforce": salesforce_email_field},
    )
    for link in links:
        if link.retired:
            resolver.retired_ids.update(i for i in (link.hubspot_id, link.salesforce_id) if i)
    return resolver.run()


@dataclass
class _Resolver:
    """One resolution; the steps run in order, each reading what the previous ones decided."""

    index: _Links
    hs: dict[str, SourceRecord]
    sf: dict[str, SourceRecord]
    normalize: Callable[[str], str]
    email_fields: Mapping[System, str]
    repointed: list[RePoint] = field(default_factory=list)
    collisions: list[Collision] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    deletions: list[Deletion] = field(default_factory=list)
    absorbed: set[str] = field(default_factory=set)  # HubSpot ids merged into another contact
    converted: set[str] = field(default_factory=set)  # converted Lead ids
    deleted_links: set[str] = field(default_factory=set)
    retired_ids: set[str] = field(default_factory=set)  # records of retired links
    slots: dict[str, _Slot] = field(default_factory=dict)
    loose: list[SourceRecord] = field(default_factory=list)  # pulled, active, not linked
    new_pairs: list[Pair] = field(default_factory=list)
    need_sf: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    need_hs_email: set[str] = field(default_factory=set)
    need_sf_email: set[str] = field(default_factory=set)

    def run(self) -> Resolution:
        self.follow_merges()
        self.follow_conversions()
        self.mark_deletions()
        self.use_stored_links()
        self.match_emails()
        return self.result()

    def email(self, rec: SourceRecord | None) -> str | None:
        if rec is None:
            return None
        return _normalized(rec.fields.get(self.email_fields[rec.system]), self.normalize)

    def slot(self, link: LinkRef) -> _Slot:
        """The pair under construction for ``link`` (whose newest version it keeps)."""
        slot = self.slots.setdefault(link.link_id, _Slot(link))
        slot.link = link
        return slot

    def repoint(self, link: LinkRef, reason: str, after: LinkRef) -> LinkRef:
        """Move a link; it is merged this run even if none of its records were pulled."""
        self.index.put(after)
        self.repointed.append(RePoint(link, after, reason))
        self.slot(after)
        return after

    def retire(self, kept: LinkRef, retired: LinkRef, side: System, reason: str) -> None:
        """Drop ``retired``; its record on ``side`` is now a duplicate of ``kept``'s."""
        self.index.remove(retired.link_id)
        self.slots.pop(retired.link_id, None)
        self.collisions.append(Collision(kept.link_id, retired, reason))
        self.retired_ids.update(i for i in (retired.hubspot_id, retired.salesforce_id) if i)
        if side == "hubspot":
            dup = (retired.hubspot_id, "contact", kept.hubspot_id)
        else:
            dup = (retired.salesforce_id, retired.salesforce_type or "Lead", kept.salesforce_id)
        record_id, object_type, kept_id = dup
        if record_id and kept_id:
            email = _normalized(retired.email, self.normalize) or ""
            self.duplicates.append(
                Duplicate(email, side, object_type, record_id, kept_id, kept.link_id, reason)
            )

    def follow_merges(self) -> None:
        """HubSpot merges: survivors list the absorbed ids; their links move to the survivor."""
        survivor_of: dict[str, str] = {}
        for rec in self.hs.values():
            if not rec.deleted:
                survivor_of.update((old, rec.id) for old in rec.merged_ids if old != rec.id)

        def final(contact_id: str) -> str:
            seen: set[str] = set()
            while contact_id in survivor_of and contact_id not in seen:  # chains; cycles stop
                seen.add(contact_id)
                contact_id = survivor_of[contact_id]
            return contact_id

        self.absorbed = {old for old in survivor_of if final(old) != old}
        for link in sorted(self.index.by_id.values(), key=lambda k: k.link_id):
            if link.hubspot_id not in self.absorbed:
                continue
            old_id, new_id = link.hubspot_id, final(link.hubspot_id)
            survivor = self.index.by_hubspot.get(new_id)
            if (
                survivor is not None
                and survivor.link_id != link.link_id
                and survivor.salesforce_id is None
                and link.salesforce_id is not None
            ):
                # The survivor was HubSpot-only (say, an excluded sign-up): the absorbed link
                # brings its Salesforce record along instead of being dropped.
                reason = f"HubSpot merged {old_id} into {new_id}, which had no Salesforce record"
                after = replace(link, hubspot_id=new_id)
                self.retire(after, survivor, "salesforce", reason)
                self.retired_ids.discard(new_id)
                self.repoint(link, "hubspot_merge", after)
            elif survivor is not None and survivor.link_id != link.link_id:
                reason = f"HubSpot merged {old_id} into {new_id}; both were linked"
                self.retire(survivor, link, "salesforce", reason)
            else:
                self.repoint(link, "hubspot_merge", replace(link, hubspot_id=new_id))

    def follow_conversions(self) -> None:
        """Converted Leads: the link follows the person to the Contact (the Lead is frozen)."""
        for rec in self.sf.values():
            contact_id = _converted_contact(rec)
            if contact_id is None or rec.deleted:
                continue
            self.converted.add(rec.id)
            if contact_id not in self.sf:
                self.need_sf["Contact"].add(contact_id)
            link = self.index.by_salesforce.get(rec.id)
            if link is None:
                reason = "converted Lead; its Contact is synced instead"
                self.skipped.append(Skipped("salesforce", rec.object_type, rec.id, reason))
                continue
            holder = self.index.by_salesforce.get(contact_id)
            if holder is not None and holder.link_id != link.link_id:
                reason = f"Lead {rec.id} converted into {contact_id}, already linked"
                self.retire(holder, link, "hubspot", reason)
            else:
                after = replace(link, salesforce_id=contact_id, salesforce_type="Contact")
                self.repoint(link, "lead_conversion", after)

    def mark_deletions(self) -> None:
        """Deleted / archived linked records: the engine flags the counterpart, keeps the link."""
        for rec in self.hs.values():
            link = self.index.by_hubspot.get(rec.id)
            if rec.deleted and rec.id not in self.absorbed and link is not None:
                self.deleted_links.add(link.link_id)
                self.deletions.append(
                    Deletion(
                        link.link_id, "hubspot", rec.id, link.salesforce_id, link.salesforce_type
                    )
                )
        for rec in self.sf.values():
            link = self.index.by_salesforce.get(rec.id)
            if rec.deleted and link is not None:
                self.deleted_links.add(link.link_id)
                self.deletions.append(
                    Deletion(link.link_id, "salesforce", rec.id, link.hubspot_id, None)
                )

    def use_stored_links(self) -> None:
        """Put each active pulled record with its link; the rest are matched by email."""
        for rec in self.hs.values():
            if rec.deleted or rec.id in self.absorbed:
                continue
            link = self.index.by_hubspot.get(rec.id)
            if link is None:
                self.loose.append(rec)
            elif link.link_id not in self.deleted_links:
                self.slot(link).hubspot = rec
        for rec in self.sf.values():
            if rec.deleted or rec.id in self.converted:
                continue
            if rec.object_type not in PERSON_TYPES:
                self.skipped.append(
                    Skipped("salesforce", rec.object_type, rec.id, "not a Lead or Contact")
                )
                continue
            link = self.index.by_salesforce.get(rec.id)
            if link is None:
                self.loose.append(rec)
            elif link.link_id not in self.deleted_links:
                self.slot(link).salesforce = rec

    def claimed_emails(self) -> dict[str, str]:
        """Email -> the link holding it; the first holder wins, in a fixed order.

        Pulled HubSpot emails first, then pulled Salesforce ones, then stored ones; ties by
        link id.
        """
        held: list[tuple[int, str, str]] = []  # (priority, link id, email)
        for link in self.index.by_id.values():
            if link.link_id in self.deleted_links:
                continue
            slot = self.slots.get(link.link_id)
            hubspot = slot.hubspot if slot else None
            salesforce = slot.salesforce if slot else None
            # The stored email stands for the HubSpot record (or the Salesforce one when there
            # is none yet); once that record is pulled, its current email replaces it.
            stands_for = hubspot if link.hubspot_id else salesforce
            stored = None if stands_for else _normalized(link.email, self.normalize)
            for priority, email in enumerate((self.email(hubspot), self.email(salesforce), stored)):
                if email:
                    held.append((priority, link.link_id, email))
        claimed: dict[str, str] = {}
        for _, link_id, email in sorted(held):
            claimed.setdefault(email, link_id)
        return claimed

    def match_emails(self) -> None:
        """Unlinked records: fill an empty side of the link holding their email, or pair anew."""
        claimed = self.claimed_emails()
        by_email: dict[str, tuple[list[SourceRecord], list[SourceRecord]]] = defaultdict(
            lambda: ([], [])
        )
        for rec in self.loose:
            email = self.email(rec)
            if rec.id in self.retired_ids:
                reason = "its link was retired (counterpart deleted, merged or converted)"
                self.skipped.append(Skipped(rec.system, rec.object_type, rec.id, reason))
            elif email is None:
                reason = "no usable email and no stored link"
                self.skipped.append(Skipped(rec.system, rec.object_type, rec.id, reason))
            else:
                by_email[email][0 if rec.system == "hubspot" else 1].append(rec)
        for email, (hs_recs, sf_recs) in sorted(by_email.items()):
            chosen_hs = _pick_hubspot(hs_recs) if hs_recs else None
            chosen_sf = _pick_salesforce(sf_recs) if sf_recs else None
            link_id = claimed.get(email)
            if link_id is not None:
                link = self.fill_link(self.index.by_id[link_id], chosen_hs, chosen_sf)
                kept_hs, kept_sf = link.hubspot_id, link.salesforce_id
                reason = f"email already linked (link {link_id})"
            else:
                self.new_pair(email, chosen_hs, chosen_sf)
                kept_hs = chosen_hs.id if chosen_hs else None
                kept_sf = chosen_sf.id if chosen_sf else None
                reason = "another record has this email"
            for rec in [*hs_recs, *sf_recs]:
                kept = kept_hs if rec.system == "hubspot" else kept_sf
                if kept is not None and kept != rec.id:
                    self.duplicates.append(
                        Duplicate(email, rec.system, rec.object_type, rec.id, kept, link_id, reason)
                    )

    def fill_link(
        self, link: LinkRef, hubspot: SourceRecord | None, salesforce: SourceRecord | None
    ) -> LinkRef:
        """Attach records to the empty sides of a stored link that holds their email."""
        if hubspot is not None and link.hubspot_id is None:
            link = self.repoint(link, "email_match", replace(link, hubspot_id=hubspot.id))
            self.slot(link).hubspot = hubspot
        if salesforce is not None and link.salesforce_id is None:
            after = replace(
                link, salesforce_id=salesforce.id, salesforce_type=salesforce.object_type
            )
            link = self.repoint(link, "email_match", after)
            self.slot(link).salesforce = salesforce
        return link

    def new_pair(
        self, email: str, hubspot: SourceRecord | None, salesforce: SourceRecord | None
    ) -> None:
        pair = Pair(
            None,
            hubspot,
            salesforce,
            hubspot.id if hubspot else None,
            salesforce.id if salesforce else None,
            salesforce.object_type if salesforce else None,
            email,
        )
        self.new_pairs.append(pair)
        # Before creating, the engine may look the email up on the side that lacks a record.
        if salesforce is None:
            self.need_sf_email.add(email)
        if hubspot is None:
            self.need_hs_email.add(email)

    def result(self) -> Resolution:
        pairs: list[Pair] = []
        need_hs: set[str] = set()
        for slot in self.slots.values():
            link = slot.link
            if link.link_id in self.deleted_links:
                continue  # re-pointed, then found deleted: reported in deletions only
            if link.hubspot_id and slot.hubspot is None:
                need_hs.add(link.hubspot_id)
            if link.salesforce_id and slot.salesforce is None:
                self.need_sf[link.salesforce_type or "Lead"].add(link.salesforce_id)
            email = next((e for e in map(self.email, slot) if e), None)
            pairs.append(
                Pair(
                    link.link_id,
                    slot.hubspot,
                    slot.salesforce,
                    link.hubspot_id,
                    link.salesforce_id,
                    link.salesforce_type,
                    email or _normalized(link.email, self.normalize),
                )
            )
        pairs.sort(key=lambda p: p.link_id or "")
        needed = NeededReads(
            frozenset(need_hs),
            {kind: frozenset(ids) for kind, ids in sorted(self.need_sf.items()) if ids},
            frozenset(self.need_hs_email),
            frozenset(self.need_sf_email),
        )
        return Resolution(
            (*pairs, *self.new_pairs),
            tuple(self.repointed),
            tuple(self.collisions),
            tuple(sorted(self.duplicates, key=lambda d: (d.email, d.system, d.record_id))),
            tuple(sorted(self.skipped, key=lambda k: (k.system, k.record_id))),
            tuple(self.deletions),
            needed,
        )


def _normalized(raw: object, normalize: Callable[[str], str]) -> str | None:
    """The normalized email, or None when blank or unusable."""
    if not isinstance(raw, str) or not raw.strip():
        return None
    try:
        email = normalize(raw)
    except ValueError:
        return None
    return email or None


__all__ = [
    "Collision",
    "Deletion",
    "Duplicate",
    "LinkRef",
    "NeededReads",
    "PERSON_TYPES",
    "Pair",
    "RePoint",
    "Resolution",
    "Skipped",
    "resolve",
]
