"""Campaign rules of the emulated org: member statuses, one membership a person, conversion.

As the Object Reference describes them (CampaignMember, CampaignMemberStatus):
- a new Campaign gets two member statuses, ``Sent`` (the default) and ``Responded`` (counted
  as a response);
- a CampaignMember names a Lead or a Contact (given both, only the ContactId is kept); its
  ``Status`` must be one of its campaign's statuses (blank: the default one), and
  ``HasResponded`` and ``FirstRespondedDate`` follow from it: they cannot be written;
- a Lead or Contact is a member of a campaign once: a second one is refused with
  ``DUPLICATE_VALUE`` ("Already a campaign member.", as the API answers);
- converting a Lead fills ``ContactId`` on its memberships (the LeadId stays), so the Contact
  inherits them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from sandbox.salesforce.errors import SalesforceError
from sandbox.storage import Row

MEMBER = "CampaignMember"
STATUS = "CampaignMemberStatus"
CAMPAIGN = "Campaign"
DEFAULT_STATUSES: tuple[tuple[str, bool, bool], ...] = (
    ("Sent", False, True),  # label, HasResponded, IsDefault
    ("Responded", True, False),
)


def default_status_rows(campaign_id: str) -> list[dict[str, Any]]:
    """The member statuses Salesforce gives a new campaign."""
    return [
        {
            "CampaignId": campaign_id,
            "Label": label,
            "HasResponded": responded,
            "IsDefault": default,
            "SortOrder": order,
        }
        for order, (label, responded, default) in enumerate(DEFAULT_STATUSES, start=1)
    ]


def check_member(
    row: Row,
    old: Row | None,
    stamp: datetime,
    statuses: list[Mapping[str, Any]],
    taken: Callable[[tuple[str, str]], str | None],
) -> None:
    """Validate and derive a CampaignMember row in place; SalesforceError when refused.

    ``statuses``: the campaign's status rows; ``taken``: the member id holding a
    ``member_keys`` key (stored or staged in the same request), if any.
    """
    if not statuses:
        raise SalesforceError(
            "INVALID_CROSS_REFERENCE_KEY",
            f"invalid cross reference id: {row['CampaignId']}",
            ["CampaignId"],
        )
    if row["LeadId"] and row["ContactId"] and old is None:
        row["LeadId"] = None  # "only the ContactId is inserted"
    if not row["LeadId"] and not row["ContactId"]:
        raise SalesforceError(
            "REQUIRED_FIELD_MISSING", "Required fields are missing: [LeadId, ContactId]"
        )
    known = {str(s["Label"]).lower(): s for s in statuses}
    if not row["Status"]:
        default = next((s for s in known.values() if s["IsDefault"]), None)
        row["Status"] = default["Label"] if default else None
    status = known.get(str(row["Status"] or "").lower())
    if status is None:
        raise SalesforceError(
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            f"Status: bad value for restricted picklist field: {row['Status']}",
            ["Status"],
        )
    row["Status"] = status["Label"]
    row["HasResponded"] = bool(status["HasResponded"])
    if row["HasResponded"] and row["FirstRespondedDate"] is None:
        row["FirstRespondedDate"] = stamp.date()
    if old is not None:
        return
    for key in member_keys(row):
        holder = taken(key)
        if holder is not None and holder != row["Id"]:
            raise SalesforceError("DUPLICATE_VALUE", "Already a campaign member.")


def member_keys(row: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The (campaign, person) pairs a member row takes: its Lead's and its Contact's."""
    return [(str(row["CampaignId"]), str(row[k])) for k in ("LeadId", "ContactId") if row[k]]


def moved_on_conversion(members: Iterable[Row], lead_id: str, contact_id: str) -> list[Row]:
    """The Lead's memberships with the Contact filled in (not where the Contact is a member)."""
    rows = list(members)
    taken = {r["CampaignId"] for r in rows if r["ContactId"] == contact_id}
    moved: list[Row] = []
    for r in rows:
        if r["LeadId"] == lead_id and not r["ContactId"] and r["CampaignId"] not in taken:
            new = dict(r)
            new["ContactId"] = contact_id
            moved.append(new)
    return moved
