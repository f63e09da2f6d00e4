"""Salesforce Campaigns for closed-loop attribution: find or create, memberships, primary source.

Every call is batched: one SOQL query for the campaigns a batch names (cached for the run),
one for the existing memberships of a batch of people, composite collections of up to 200 for
the new members and for the Opportunities' primary campaign source. A member that exists is
never created again (Salesforce refuses it with DUPLICATE_VALUE, taken as success here: another
writer got there first).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Protocol
from urllib.parse import quote_plus

from simple_salesforce import format_soql

from connectors.base import SourceRecord, Value
from connectors.salesforce_read import QUERY_URL_BUDGET, ids_soql_chunks
from connectors.salesforce_won import WonTotal, won_totals
from connectors.salesforce_write import Mode, parse_errors

COLLECTION = 200  # composite/sobjects takes at most 200 records
NAME_LENGTH = 80  # Campaign.Name
# The member statuses Salesforce gives a new Campaign (label, counts as a response).
DEFAULT_STATUSES = (("Sent", False), ("Responded", True))
# URL bytes for the ids of one membership query (QUERY_URL_BUDGET less the query's text).
MEMBER_QUERY_BUDGET = QUERY_URL_BUDGET - 500
# Opportunity fields of the closed loop (read with the feedback subset, see salesforce_read).
PRIMARY_CAMPAIGN = "CampaignId"
CAMPAIGN_NAME = "CampaignName"  # filled in by leadsync from the Campaign, not a real field


class _Transport(Protocol):
    def soql(self, soql: str) -> Iterable[list[Mapping[str, object]]]: ...

    def collection(
        self, mode: Mode, object_type: str, records: list[dict[str, object]]
    ) -> list[Mapping[str, object]]: ...


@dataclass(frozen=True)
class Campaign:
    """A Salesforce Campaign and its member statuses (label -> counts as a response)."""

    id: str
    key: str  # the value it was matched on (name or external id)
    name: str
    statuses: Mapping[str, bool]


@dataclass(frozen=True)
class Membership:
    """One wanted membership: a Lead or Contact in the campaign a key names."""

    ref: str  # the caller's reference (a link id)
    person_id: str
    person_type: str  # Lead | Contact
    campaign_key: str
    status: str


@dataclass(frozen=True)
class Outcome:
    """What became of one wanted membership (or one Opportunity update)."""

    ref: str
    ok: bool
    created: bool = False
    code: str = ""
    message: str = ""
    object_type: str = "CampaignMember"
    record_id: str = ""


def opportunity_campaign(opp: SourceRecord) -> str | None:
    """The Opportunity's primary campaign source id, if any."""
    value = opp.fields.get(PRIMARY_CAMPAIGN)
    return str(value) if value else None


def with_campaign_name(opp: SourceRecord, name: str | None) -> SourceRecord:
    """The Opportunity with its primary campaign's name (the mapping's ``CampaignName``)."""
    fields: dict[str, Value] = {**opp.fields, CAMPAIGN_NAME: name}
    return replace(opp, fields=fields)


def with_primary_campaign(opp: SourceRecord, campaign_id: str) -> SourceRecord:
    """The Opportunity as it is after leadsync set its primary campaign source."""
    fields: dict[str, Value] = {**opp.fields, PRIMARY_CAMPAIGN: campaign_id}
    return replace(opp, fields=fields)


class SalesforceCampaigns:
    """Campaign reads and writes of one org, through the connector's retrying transport."""

    def __init__(self, transport: _Transport, *, key_field: str = "Name") -> None:
        self._t = transport
        self._key_field = key_field
        self._known: dict[str, Campaign | None] = {}  # key -> campaign (None: not in the org)
        self._by_id: dict[str, Campaign] = {}

    # -- campaigns ----------------------------------------------------------------------------
    def find(self, keys: Iterable[str]) -> dict[str, Campaign]:
        """The campaigns these keys name that exist (one query for the keys not seen yet)."""
        keys = list(keys)
        missing = sorted({k for k in keys if k and k not in self._known})
        if missing:
            found: dict[str, dict[str, object]] = {}
            fields = ["Id", "Name", self._key_field]
            for soql in ids_soql_chunks(
                "Campaign", list(dict.fromkeys(fields)), missing, self._key_field
            ):
                for rows in self._t.soql(soql):
                    for row in rows:
                        found[str(row[self._key_field]).lower()] = dict(row)
            statuses = self._statuses([str(r["Id"]) for r in found.values()])
            for key in missing:
                hit = found.get(key.lower())
                if hit is None:
                    self._known[key] = None
                    continue
                cid = str(hit["Id"])
                campaign = Campaign(cid, key, str(hit["Name"]), statuses.get(cid, {}))
                self._known[key] = campaign
                self._by_id[campaign.id] = campaign
        return {k: c for k in keys if (c := self._known.get(k)) is not None}

    def names(self, ids: Iterable[str]) -> dict[str, str]:
        """Campaign names by id (one query for the ids not seen yet)."""
        ids = list(ids)
        missing = sorted({i for i in ids if i and i not in self._by_id})
        for soql in ids_soql_chunks("Campaign", ["Id", "Name"], missing) if missing else ():
            for rows in self._t.soql(soql):
                for row in rows:
                    cid = str(row["Id"])
                    self._by_id[cid] = Campaign(cid, str(row["Name"]), str(row["Name"]), {})
        return {i: self._by_id[i].name for i in ids if i in self._by_id}

    def create(self, keys: Sequence[str]) -> dict[str, Outcome]:
        """Create campaigns for these keys (Salesforce adds the Sent / Responded statuses).

        A key too long for ``Campaign.Name`` is not created when campaigns match on the name:
        cut short, it would never match again, and every run would create another one.
        """
        out: dict[str, Outcome] = {}
        if self._key_field == "Name":
            for key in [k for k in keys if len(k) > NAME_LENGTH]:
                message = f"campaign name longer than {NAME_LENGTH} characters: {key[:40]!r}..."
                out[key] = Outcome(key, False, code="STRING_TOO_LONG", message=message)
            keys = [k for k in keys if len(k) <= NAME_LENGTH]
        for i in range(0, len(keys), COLLECTION):
            chunk = list(keys[i : i + COLLECTION])
            records: list[dict[str, object]] = []
            for key in chunk:
                record: dict[str, object] = {"attributes": {"type": "Campaign"}}
                record.update({"Name": key[:NAME_LENGTH], self._key_field: key, "IsActive": True})
                records.append(record)
            for key, answer in zip(
                chunk, self._t.collection(Mode.CREATE, "Campaign", records), strict=True
            ):
                out[key] = _outcome(key, answer, "Campaign")
                self._known.pop(key, None)  # read again with its statuses
        return out

    def assume_created(self, key: str) -> bool:
        """A dry run: take a campaign ``create`` would make as existing; False if it would not."""
        if self._key_field == "Name" and len(key) > NAME_LENGTH:
            return False
        statuses = {label: responded for label, responded in DEFAULT_STATUSES}
        self._known[key] = Campaign("", key, key[:NAME_LENGTH], statuses)
        return True

    def _statuses(self, campaign_ids: Sequence[str]) -> dict[str, dict[str, bool]]:
        out: dict[str, dict[str, bool]] = {}
        fields = ["CampaignId", "Label", "HasResponded"]
        for soql in ids_soql_chunks("CampaignMemberStatus", fields, campaign_ids, "CampaignId"):
            for rows in self._t.soql(soql):
                for row in rows:
                    out.setdefault(str(row["CampaignId"]), {})[str(row["Label"])] = bool(
                        row["HasResponded"]
                    )
        return out

    # -- memberships ---------------------------------------------------------------------------
    def add_members(self, wanted: Sequence[Membership]) -> list[Outcome]:
        """Make each wanted membership exist and count as a response.

        One query for the batch's existing members; then creates, and status updates for
        members that exist without a response (a list import left them ``Sent``).
        """
        out, writes, _ = self.plan_members(wanted)
        for mode, planned in writes.items():
            for i in range(0, len(planned), COLLECTION):
                chunk = planned[i : i + COLLECTION]
                answers = self._t.collection(mode, "CampaignMember", [r for _, r in chunk])
                for (n, _), answer in zip(chunk, answers, strict=True):
                    result = _outcome(wanted[n].ref, answer, "CampaignMember")
                    if mode is Mode.UPDATE:
                        result = replace(result, created=False)
                    elif not result.ok and result.code == "DUPLICATE_VALUE":
                        result = Outcome(wanted[n].ref, True)  # a member already: as wanted
                    out[n] = result
        return [out[n] for n in range(len(wanted))]

    def plan_members(
        self, wanted: Sequence[Membership]
    ) -> tuple[dict[int, Outcome], dict[Mode, list[tuple[int, dict[str, object]]]], dict[int, str]]:
        """Reads only: known outcomes, the writes to make, the statuses updates change.

        Writes and statuses are keyed by index into ``wanted`` (statuses: the member's current
        one, for a dry run's plan).

        A membership with no ``person_id`` (a dry run's Lead, not created yet) is a create.
        """
        campaigns = self.find(w.campaign_key for w in wanted)
        existing = self._existing([w for w in wanted if w.person_id])
        out: dict[int, Outcome] = {}
        writes: dict[Mode, list[tuple[int, dict[str, object]]]] = {Mode.CREATE: [], Mode.UPDATE: []}
        current: dict[int, str] = {}
        seen: set[tuple[str, str]] = set()
        for n, w in enumerate(wanted):
            campaign = campaigns.get(w.campaign_key)
            if campaign is None:
                out[n] = _missing(w)
                continue
            key = (campaign.id, w.person_id or w.ref)  # a dry run's new Lead: by its link
            member = existing.get(key)
            if key in seen or (member is not None and member[1]):
                out[n] = Outcome(w.ref, True, record_id=member[0] if member else "")
                continue
            seen.add(key)
            if w.status not in campaign.statuses:
                message = f"campaign {campaign.name!r} has no member status {w.status!r}"
                out[n] = Outcome(w.ref, False, code="CAMPAIGN_STATUS_MISSING", message=message)
                continue
            record: dict[str, object] = {"attributes": {"type": "CampaignMember"}}
            if member is not None:
                record.update(Id=member[0], Status=w.status)
                writes[Mode.UPDATE].append((n, record))
                current[n] = member[2]
                continue
            id_field = "ContactId" if w.person_type == "Contact" else "LeadId"
            record.update({"CampaignId": campaign.id, id_field: w.person_id, "Status": w.status})
            writes[Mode.CREATE].append((n, record))
        return out, writes, current

    def _existing(
        self, wanted: Sequence[Membership]
    ) -> dict[tuple[str, str], tuple[str, bool, str]]:
        """(campaign id, Lead or Contact id) -> (member id, responded, status), for the batch.

        One query for a batch (``LeadId IN (...) OR ContactId IN (...)``), more only when the
        ids do not fit one URL.
        """
        found: dict[tuple[str, str], tuple[str, bool, str]] = {}
        people = sorted({(w.person_type == "Contact", w.person_id) for w in wanted})
        chunk: list[tuple[bool, str]] = []
        size = 0
        for person in people:
            cost = len(quote_plus(format_soql("{}", person[1]))) + len(quote_plus(","))
            if chunk and size + cost > MEMBER_QUERY_BUDGET:
                self._members_of(chunk, found)
                chunk, size = [], 0
            chunk.append(person)
            size += cost
        if chunk:
            self._members_of(chunk, found)
        return found

    def _members_of(
        self,
        people: Sequence[tuple[bool, str]],
        found: dict[tuple[str, str], tuple[str, bool, str]],
    ) -> None:
        clauses = []
        for key, is_contact in (("LeadId", False), ("ContactId", True)):
            ids = [pid for contact, pid in people if contact is is_contact]
            if ids:
                clauses.append(format_soql("{:literal} IN {}", key, ids))
        soql = (
            "SELECT Id, CampaignId, LeadId, ContactId, Status, HasResponded FROM CampaignMember "
            "WHERE " + " OR ".join(clauses)
        )
        for rows in self._t.soql(soql):
            for row in rows:
                member = (str(row["Id"]), bool(row["HasResponded"]), str(row["Status"] or ""))
                for key in ("LeadId", "ContactId"):
                    if row.get(key):
                        found[(str(row["CampaignId"]), str(row[key]))] = member

    # -- opportunities -------------------------------------------------------------------------
    def converted(self, opportunity_ids: Sequence[str]) -> set[str]:
        """The Opportunities among these that a Lead's conversion created (one query a batch)."""
        out: set[str] = set()
        ids = sorted(set(opportunity_ids))
        key = "ConvertedOpportunityId"
        for soql in ids_soql_chunks("Lead", ["Id", key], ids, key) if ids else ():
            for rows in self._t.soql(soql):
                out.update(str(row[key]) for row in rows if row.get(key))
        return out

    def won_totals(self, contact_ids: Sequence[str]) -> dict[str, WonTotal]:
        """Per Contact, what all its won opportunities brought (one query a batch)."""
        return won_totals(self._t, contact_ids)

    def set_primary_campaigns(self, updates: Sequence[tuple[str, str, str]]) -> list[Outcome]:
        """Set ``CampaignId`` on Opportunities: (ref, opportunity id, campaign id) each."""
        out: list[Outcome] = []
        for i in range(0, len(updates), COLLECTION):
            chunk = updates[i : i + COLLECTION]
            records: list[dict[str, object]] = [
                {"attributes": {"type": "Opportunity"}, "Id": opp, PRIMARY_CAMPAIGN: campaign}
                for _, opp, campaign in chunk
            ]
            answers = self._t.collection(Mode.UPDATE, "Opportunity", records)
            for (ref, opp, _), answer in zip(chunk, answers, strict=True):
                out.append(_outcome(ref, answer, "Opportunity", record_id=opp))
        return out


def _missing(w: Membership) -> Outcome:
    return Outcome(
        w.ref,
        False,
        code="CAMPAIGN_NOT_FOUND",
        message=f"no Salesforce Campaign matches {w.campaign_key!r} "
        "(create it, map it under campaigns.names, or set campaigns.create_missing)",
    )


def _outcome(
    ref: str, answer: Mapping[str, object], object_type: str, *, record_id: str = ""
) -> Outcome:
    if answer.get("success"):
        made = str(answer.get("id") or record_id)
        return Outcome(ref, True, created=True, object_type=object_type, record_id=made)
    first = parse_errors(answer.get("errors"))[0]
    return Outcome(
        ref,
        False,
        code=first.code,
        message=first.message,
        object_type=object_type,
        record_id=record_id,
    )
