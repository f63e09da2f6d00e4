"""What one run read: records by system and object type, and the cursors to store after."""

from __future__ import annotations

from dataclasses import dataclass, field

from connectors.base import SourceRecord, Value
from connectors.salesforce_won import WON_AMOUNT, WON_CAMPAIGN, WON_DATE
from sync.state_models import CursorUpdate


@dataclass
class Pulled:
    """Everything read in one run, by system and object type, and the cursors to store."""

    hubspot: dict[str, SourceRecord] = field(default_factory=dict)
    salesforce: dict[str, SourceRecord] = field(default_factory=dict)  # Leads and Contacts
    opportunities: dict[str, SourceRecord] = field(default_factory=dict)  # by ContactId
    converted_leads: dict[str, SourceRecord] = field(default_factory=dict)  # by ContactId
    cursors: list[CursorUpdate] = field(default_factory=list)
    # Records a connector read but refused a value of (SourceRecord.problems), by system and
    # id: never paired, merged or written; the engine dead-letters them and holds their pairs.
    refused: dict[tuple[str, str], SourceRecord] = field(default_factory=dict)

    def add(self, rec: SourceRecord) -> None:
        if rec.problems:
            keep_refused(self.refused, rec)
            return
        refused = self.refused.get((rec.system, rec.id))
        if refused is not None and refused.modified_at <= rec.modified_at:
            del self.refused[(rec.system, rec.id)]  # fixed since: the clean version counts
        if rec.system == "hubspot":
            keep_latest(self.hubspot, rec.id, rec)
        elif rec.object_type == "Opportunity":
            contact = rec.fields.get("ContactId")
            if contact:
                keep_latest(self.opportunities, str(contact), rec)
        else:
            keep_latest(self.salesforce, rec.id, rec)
            contact = rec.fields.get("ConvertedContactId")
            if rec.object_type == "Lead" and contact and rec.fields.get("IsConverted"):
                keep_latest(self.converted_leads, str(contact), rec)


def keep_latest(index: dict[str, SourceRecord], key: str, rec: SourceRecord) -> None:
    """Keep the most recently modified record under ``key`` (pages may overlap)."""
    seen = index.get(key)
    if seen is None or rec.modified_at >= seen.modified_at:
        index[key] = rec


def keep_refused(index: dict[tuple[str, str], SourceRecord], rec: SourceRecord) -> None:
    """Keep the latest refused version of a record (a later clean version clears it in add)."""
    key = (rec.system, rec.id)
    seen = index.get(key)
    if seen is None or rec.modified_at >= seen.modified_at:
        index[key] = rec


def opportunity_fields(opp: SourceRecord) -> dict[str, Value]:
    """The linked Opportunity as the mapping's computed ``Opportunity.*`` fields."""
    f = opp.fields
    won = bool(f.get("IsWon"))
    status = "won" if won else "lost" if f.get("IsClosed") else "open"
    # Closed loop: what the won opportunities brought, and the campaign credited with it. The
    # campaign step adds the totals of all the contact's won opportunities (connectors'
    # salesforce_won); without it, the opportunity read is all there is.
    out: dict[str, Value] = {
        "Opportunity.StageName": f.get("StageName"),
        "Opportunity.Amount": f.get("Amount"),
        "Opportunity.Status": status,
    }
    if WON_DATE in f:
        amount, when, campaign = f.get(WON_AMOUNT), f.get(WON_DATE), f.get(WON_CAMPAIGN)
    elif won:
        amount, when, campaign = f.get("Amount"), f.get("CloseDate"), f.get("CampaignName")
    else:
        # The totals were not read (the call failed): an open renewal says nothing about the
        # deals won before it, so the won fields keep their last synced values (left out).
        return out
    out.update(
        {
            "Opportunity.WonAmount": amount,
            "Opportunity.WonDate": when,
            "Opportunity.CampaignName": campaign,
        }
    )
    return out
