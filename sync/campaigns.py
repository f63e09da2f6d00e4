"""The campaign step of a batch: campaign memberships and the opportunities' primary campaign.

Two moments in a batch. Before the merge, each linked opportunity without a primary campaign
source gets the person's first-touch campaign (never replacing one a rep chose), and every
opportunity carries its campaign's name, so the won amount goes back to marketing with the
campaign credited. After the Salesforce writes (new Leads have their ids), each campaign a
touch field names makes the person a member with the responded status; a membership
Salesforce cannot take is dead-lettered with its reason, the rest of the batch goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

from connectors.base import Connector
from connectors.errors import AuthConfigError, ConnectorError, QuotaExhaustedError
from connectors.salesforce_campaigns import (
    Membership,
    Outcome,
    SalesforceCampaigns,
    opportunity_campaign,
    with_campaign_name,
    with_primary_campaign,
)
from mappings.campaign_check import CampaignLookup
from mappings.campaigns import CampaignConfig
from mappings.errors import MappingError
from mappings.loader import load_mappings
from mappings.mappingset import MappingSet
from mappings.transform import to_canonical
from sync.isolate import RECORD_FAULTS
from sync.person import Person
from sync.pulled import Pulled
from sync.state_models import NewDeadLetter

log = logging.getLogger(__name__)
MEMBERSHIP = "campaign_membership"  # what a refused membership marks as failed on a person


class CampaignStep:
    """Campaign attribution for one run (campaign lookups are cached for the run)."""

    def __init__(self, ms: MappingSet, config: CampaignConfig, api: SalesforceCampaigns) -> None:
        self.ms = ms
        self.config = config
        self.api = api

    @classmethod
    def build(cls, ms: MappingSet, salesforce: Connector) -> CampaignStep | None:
        """The step when the mapping configures campaigns and the connector can write them."""
        if ms.campaigns is None or not hasattr(salesforce, "collection"):
            return None
        api = SalesforceCampaigns(salesforce, key_field=ms.campaigns.key_field)  # type: ignore[arg-type]
        return cls(ms, ms.campaigns, api)

    # -- before the merge ---------------------------------------------------------------------
    def credit_opportunities(self, people: Sequence[Person], pulled: Pulled) -> None:
        """Primary campaign source where blank, then each opportunity's campaign name.

        A call that fails (retries spent) leaves the opportunities as read: the next change to
        them tries again. Quota and sign-in errors stop the run, as for any write.
        """
        try:
            self._credit(people, pulled)
        except (QuotaExhaustedError, AuthConfigError):
            raise
        except ConnectorError as exc:
            log.warning("opportunities not credited to campaigns this batch: %s", exc)

    def _credit(self, people: Sequence[Person], pulled: Pulled) -> None:
        updates: list[tuple[str, str, str]] = []
        wanted: dict[str, str] = {}  # opportunity's contact id -> first-touch campaign key
        for person in people:
            opp = pulled.opportunities.get(person.salesforce_id or "")
            if opp is None or opportunity_campaign(opp) is not None:
                continue
            if not self.config.primary_campaign_source:
                continue
            touch = self._first_touch(person)
            if touch:
                wanted[person.salesforce_id or ""] = self.config.campaign_key(touch)
        found = self.api.find(wanted.values()) if wanted else {}
        for contact_id, key in wanted.items():
            campaign = found.get(key)
            if campaign is not None:
                updates.append((contact_id, pulled.opportunities[contact_id].id, campaign.id))
        chosen = {contact: campaign for contact, _, campaign in updates}
        for result in self.api.set_primary_campaigns(updates) if updates else []:
            if result.ok:
                opp = pulled.opportunities[result.ref]
                pulled.opportunities[result.ref] = with_primary_campaign(opp, chosen[result.ref])
                log.info("Opportunity %s credited to campaign %s", opp.id, chosen[result.ref])
            else:
                # The opportunity keeps no campaign; the next change to it tries again.
                log.warning(
                    "primary campaign of Opportunity %s not set: %s %s",
                    result.record_id,
                    result.code,
                    result.message,
                )
        contacts = [p.salesforce_id for p in people if p.salesforce_id in pulled.opportunities]
        opps = [(c, pulled.opportunities[c]) for c in contacts if c is not None]
        names = self.api.names(c for _, o in opps if (c := opportunity_campaign(o)))
        for contact, opp in opps:
            credited = opportunity_campaign(opp)
            pulled.opportunities[contact] = with_campaign_name(
                opp, names.get(credited) if credited else None
            )

    def _first_touch(self, person: Person) -> str | None:
        name = self.config.first_touch
        if name is None:
            return None
        value = person.base.get(name)
        if not value and person.pair.hubspot is not None:
            try:
                now = to_canonical(self.ms, "hubspot", "contact", person.pair.hubspot.fields)
            except RECORD_FAULTS:
                return None  # the merge dead-letters the record
            value = now.get(name)
        return str(value).strip() if isinstance(value, str) and value.strip() else None

    # -- after the Salesforce writes ----------------------------------------------------------
    def memberships(self, people: Sequence[Person]) -> list[NewDeadLetter]:
        """Make each person a member of the campaigns its touches name; the refusals."""
        wanted: list[Membership] = []
        by_ref = {p.link_id: p for p in people}
        for person in people:
            decision = person.decision
            if not person.salesforce_id or decision is None or decision.excluded:
                continue
            for key in self._touches(person):
                wanted.append(
                    Membership(
                        person.link_id,
                        person.salesforce_id,
                        person.salesforce_type or "Lead",
                        key,
                        self.config.responded_status,
                    )
                )
        if not wanted:
            return []
        letters: list[NewDeadLetter] = []
        try:
            if self.config.create_missing:
                self._create_missing([w.campaign_key for w in wanted])
            outcomes = self.api.add_members(wanted)
        except (QuotaExhaustedError, AuthConfigError):
            raise
        except ConnectorError as exc:  # the whole call failed: every membership is retried
            code, message = type(exc).__name__, str(exc)
            outcomes = [Outcome(w.ref, False, code=code, message=message) for w in wanted]
        for want, result in zip(wanted, outcomes, strict=True):
            if result.ok:
                continue
            person = by_ref[want.ref]
            # Keeps the person's retried dead letter pending (it is not resolved by this run).
            person.failed["salesforce"].add(MEMBERSHIP)
            letters.append(_letter(person, want, result))
        made = sum(r.ok and r.created for r in outcomes)
        log.info(
            "campaign memberships: %d wanted, %d written, %d refused",
            len(wanted),
            made,
            len(letters),
        )
        return letters

    def _touches(self, person: Person) -> list[str]:
        keys: list[str] = []
        for name in self.config.touches:
            value = person.values.get(name)
            if isinstance(value, str) and value.strip():
                key = self.config.campaign_key(value)
                if key not in keys:
                    keys.append(key)
        return keys

    def _create_missing(self, keys: Sequence[str]) -> None:
        unique = list(dict.fromkeys(keys))
        found = self.api.find(unique)
        missing = [k for k in unique if k not in found]
        for key, result in self.api.create(missing).items() if missing else ():
            if result.ok:
                log.info("created Salesforce Campaign %r", key)
            else:
                log.warning("Campaign %r not created: %s %s", key, result.code, result.message)


def _letter(person: Person, want: Membership, result: Outcome) -> NewDeadLetter:
    return NewDeadLetter(
        system="salesforce",
        object_type="CampaignMember",
        record_ref=want.person_id,
        payload={"campaign": want.campaign_key, "status": want.status},
        code=result.code,
        message=result.message or result.code,
        field="campaign",
        link_id=person.link_id,
    )


def campaign_lookup(salesforce: Connector, directory: Path) -> CampaignLookup | None:
    """For ``leadsync check --online``: Salesforce Campaigns by key, with their statuses."""
    try:
        ms = load_mappings(directory)
    except MappingError:
        return None  # the offline check reports it
    step = CampaignStep.build(ms, salesforce)
    if step is None:
        return None

    def lookup(keys: list[str]) -> dict[str, Mapping[str, bool]]:
        return {key: campaign.statuses for key, campaign in step.api.find(keys).items()}

    return lookup
