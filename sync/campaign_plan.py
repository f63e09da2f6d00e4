"""A dry run's plan of the campaign writes: memberships, campaigns, primary campaign sources."""

from __future__ import annotations

from collections.abc import Mapping

from connectors.salesforce_campaigns import PRIMARY_CAMPAIGN, Membership
from sync.person import Person, PlannedWrite


def planned_member(
    person: Person, want: Membership, record: Mapping[str, object], status: str | None
) -> PlannedWrite:
    email = person.values.get("email")
    return PlannedWrite(
        "salesforce",
        "update" if "Id" in record else "create",
        "CampaignMember",
        str(record["Id"]) if "Id" in record else None,
        str(email) if email else None,
        tuple(sorted(k for k in record if k != "attributes")),
        (("campaign", None, want.campaign_key), ("status", status, want.status))
        if status is None
        else (("status", status, want.status),),
    )


def planned_primary(opportunity_id: str, campaign_id: str) -> PlannedWrite:
    changes = (("primary_campaign", None, campaign_id),)
    return PlannedWrite(
        "salesforce", "update", "Opportunity", opportunity_id, None, (PRIMARY_CAMPAIGN,), changes
    )


def planned_campaign(key_field: str, key: str) -> PlannedWrite:
    fields = tuple(sorted({"Name", key_field}))
    return PlannedWrite(
        "salesforce", "create", "Campaign", None, None, fields, (("campaign", None, key),)
    )
