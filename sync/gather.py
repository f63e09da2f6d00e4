"""Identity, with its reads: stored links, touched links, counterparts, look-up before create."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from connectors.base import Connector, SourceRecord, System
from mappings.mappingset import MappingSet
from mappings.normalize import email as normalize_email
from sync.link import LinkRef, Pair, Resolution, resolve
from sync.planner import DELETED_FLAG
from sync.pulled import Pulled
from sync.state import StateStore
from sync.state_models import DeadLetter, Link


class Gatherer:
    """Decides who is who for one run, reading what identity needs and nothing more."""

    def __init__(
        self, ms: MappingSet, state: StateStore, hubspot: Connector, salesforce: Connector
    ) -> None:
        self.ms = ms
        self.state = state
        self.hs = hubspot
        self.sf = salesforce
        self.links_by_id: dict[str, Link] = {}  # active links, as loaded this run

    def resolve(
        self, pulled: Pulled, dead: Sequence[DeadLetter], backfilled: set[System]
    ) -> tuple[Resolution, dict[str, list[str]]]:
        """Pair what was pulled, plus links touched by Opportunities and due retries."""
        every = self.state.load_links()
        # Retired links are passed too: their records are neither re-created nor re-linked.
        refs = [
            LinkRef(
                lk.id,
                lk.hubspot_id,
                lk.salesforce_id,
                lk.salesforce_type,
                lk.email,
                retired=lk.status != "active",
            )
            for lk in every
        ]
        links = [lk for lk in every if lk.status == "active"]
        by_sf = {lk.salesforce_id: lk for lk in links if lk.salesforce_id}
        by_id = {lk.id: lk for lk in links}
        self.links_by_id = by_id
        # Links touched without a pulled person record: an Opportunity changed, or a retry is due.
        touched: set[str] = set()
        for contact_id in pulled.opportunities:
            if contact_id in by_sf:
                touched.add(by_sf[contact_id].id)
        retried: dict[str, list[str]] = {}  # record key -> dead letter ids
        extra_hs: set[str] = set()
        extra_sf: dict[str, set[str]] = {"Lead": set(), "Contact": set()}
        for dl in dead:
            link = by_id.get(dl.link_id or "")
            if link is not None:
                touched.add(link.id)
                retried.setdefault(link.id, []).append(dl.id)
            else:
                # No link yet: the dead letter names the source record (a create failed, or
                # the record itself was refused); read it again by the shape of its id.
                retried.setdefault(dl.record_ref, []).append(dl.id)
                if (kind := _salesforce_kind(dl.record_ref)) is not None:
                    extra_sf[kind].add(dl.record_ref)
                elif dl.record_ref.isdigit():
                    extra_hs.add(dl.record_ref)
        for link_id in touched:
            link = by_id[link_id]
            if link.hubspot_id and link.hubspot_id not in pulled.hubspot:
                extra_hs.add(link.hubspot_id)
            if link.salesforce_id and link.salesforce_id not in pulled.salesforce:
                extra_sf.setdefault(link.salesforce_type or "Lead", set()).add(link.salesforce_id)
        self._read_into(pulled, extra_hs, extra_sf)
        resolution = self._resolve_once(refs, pulled)
        for _ in range(2):
            need = resolution.needed
            hs_ids = set(need.hubspot_ids) - set(pulled.hubspot)
            sf_ids = {
                t: set(ids) - set(pulled.salesforce) for t, ids in need.salesforce_ids.items()
            }
            if not hs_ids and not any(sf_ids.values()):
                break
            self._read_into(pulled, hs_ids, sf_ids)
            resolution = self._resolve_once(refs, pulled)
        return self._attach_existing(resolution, pulled, backfilled), retried

    def _attach_existing(
        self, res: Resolution, pulled: Pulled, backfilled: set[System]
    ) -> Resolution:
        """Before creating a record, look for one with the same email that nobody links.

        A record not read this run (unchanged since the cursor), or one identity set aside
        (the counterpart of a retired link), is linked rather than duplicated.
        """
        want: dict[System, set[str]] = {"hubspot": set(), "salesforce": set()}
        excluded_by = self.ms.rules.outputs["hubspot"].exclusion
        for pair in res.pairs:
            if pair.email and pair.create_on is not None and not _held_back(pair, excluded_by):
                want[pair.create_on].add(pair.email)
        if not want["hubspot"] and not want["salesforce"]:
            return res
        if want["hubspot"] and "hubspot" not in backfilled:
            for rec in self.hs.find_by_email("contact", sorted(want["hubspot"])):
                pulled.add(rec)
        if want["salesforce"] and "salesforce" not in backfilled:
            for object_type in ("Contact", "Lead"):
                for rec in self.sf.find_by_email(object_type, sorted(want["salesforce"])):
                    pulled.add(rec)
        taken = {
            i for lk in self.links_by_id.values() for i in (lk.hubspot_id, lk.salesforce_id) if i
        }
        taken |= {i for p in res.pairs for i in (p.hubspot_id, p.salesforce_id) if i}
        free_hs = _free_by_email(pulled.hubspot.values(), "email", taken)
        free_sf = _free_by_email(pulled.salesforce.values(), "Email", taken)
        pairs = []
        for pair in res.pairs:
            key = pair.email or ""
            if pair.create_on == "hubspot" and (hs_match := free_hs.pop(key, None)):
                pair = replace(pair, hubspot=hs_match, hubspot_id=hs_match.id)
            elif pair.create_on == "salesforce" and (sf_match := free_sf.pop(key, None)):
                pair = replace(
                    pair,
                    salesforce=sf_match,
                    salesforce_id=sf_match.id,
                    salesforce_type=sf_match.object_type,
                )
            pairs.append(pair)
        return replace(res, pairs=tuple(pairs))

    def _read_into(
        self, pulled: Pulled, hs_ids: Iterable[str], sf_ids: dict[str, set[str]]
    ) -> None:
        hs_list = sorted(hs_ids)
        for i in range(0, len(hs_list), 100):
            for rec in self.hs.read("contact", hs_list[i : i + 100]):
                pulled.add(rec)
        for object_type, ids in sf_ids.items():
            id_list = sorted(ids)
            for i in range(0, len(id_list), 200):
                for rec in self.sf.read(object_type, id_list[i : i + 200]):
                    pulled.add(rec)

    def _resolve_once(self, refs: Sequence[LinkRef], pulled: Pulled) -> Resolution:
        return resolve(
            refs,
            list(pulled.hubspot.values()),
            list(pulled.salesforce.values()),
            normalize_email=safe_email,
        )


def _held_back(pair: Pair, exclusion_property: str) -> bool:
    """A HubSpot contact leadsync already keeps out of Salesforce: no lookup before creating.

    Excluded sign-ups and contacts whose Lead was deleted are not created (the planner decides
    again); looking them up would spend API calls on every run they change.
    """
    hs = pair.hubspot
    if pair.create_on != "salesforce" or hs is None:
        return False
    flag = hs.fields.get(DELETED_FLAG)
    deleted = flag is True or str(flag).lower() == "true"
    return bool(hs.fields.get(exclusion_property)) or deleted


def _free_by_email(
    records: Iterable[SourceRecord], email_field: str, taken: set[str]
) -> dict[str, SourceRecord]:
    """Live records no link holds, by normalized email (Contact over Lead, then newest)."""
    out: dict[str, SourceRecord] = {}
    for rec in records:
        raw = rec.fields.get(email_field)
        if rec.deleted or rec.id in taken or not raw or rec.fields.get("IsConverted") is True:
            continue
        email = safe_email(str(raw))
        seen = out.get(email)
        rank = (rec.object_type == "Contact", rec.modified_at)
        if seen is None or rank > (seen.object_type == "Contact", seen.modified_at):
            out[email] = rec
    return out


def _salesforce_kind(record_id: str) -> str | None:
    """Lead or Contact from a Salesforce id's key prefix."""
    return {"00Q": "Lead", "003": "Contact"}.get(record_id[:3])


def safe_email(value: str) -> str:
    """An email normalized for matching; text normalize refuses is only trimmed and lowered."""
    try:
        return normalize_email(value)
    except ValueError:
        return value.strip().lower()
