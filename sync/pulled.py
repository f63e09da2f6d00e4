"""What one run read: records by system and object type, and the cursors to store after."""

from __future__ import annotations

from dataclasses import dataclass, field

from connectors.base import SourceRecord, Value
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
    return {
        "Opportunity.StageName": f.get("StageName"),
        "Opportunity.Amount": f.get("Amount"),
        "Opportunity.Status": status,
        # Closed loop: what a won opportunity brought, and the campaign credited with it.
        "Opportunity.WonAmount": f.get("Amount") if won else None,
        "Opportunity.WonDate": f.get("CloseDate") if won else None,
        "Opportunity.CampaignName": f.get("CampaignName") if won else None,
    }
