"""Campaigns in the Salesforce emulator, through simple-salesforce: statuses, one membership a
person, derived response flags, memberships moving to the Contact on conversion."""

from __future__ import annotations

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from sandbox import Sandbox


def _campaign(sf: Salesforce, name: str) -> str:
    return str(sf.Campaign.create({"Name": name, "Type": "Webinar"})["id"])


def _lead(sf: Salesforce, email: str) -> str:
    return str(sf.Lead.create({"LastName": "Doe", "Company": "Acme", "Email": email})["id"])


def _member_rows(sf: Salesforce, campaign: str) -> list[dict[str, object]]:
    soql = (
        "SELECT Id, LeadId, ContactId, Status, HasResponded, FirstRespondedDate, Campaign.Name "
        f"FROM CampaignMember WHERE CampaignId = '{campaign}'"
    )
    return list(sf.query(soql)["records"])


def test_a_new_campaign_has_sent_and_responded_statuses(sf: Salesforce) -> None:
    campaign = _campaign(sf, "Statuses webinar")
    soql = (
        "SELECT Label, HasResponded, IsDefault FROM CampaignMemberStatus "
        f"WHERE CampaignId = '{campaign}'"
    )
    rows = {r["Label"]: (r["HasResponded"], r["IsDefault"]) for r in sf.query(soql)["records"]}
    assert rows == {"Sent": (False, True), "Responded": (True, False)}


def test_a_second_membership_is_refused_with_duplicate_value(sb: Sandbox, sf: Salesforce) -> None:
    campaign = _campaign(sf, "Duplicate webinar")
    lead = _lead(sf, "dup.member@example.com")
    member = {"attributes": {"type": "CampaignMember"}, "CampaignId": campaign, "LeadId": lead}
    answer = sf.restful(
        "composite/sobjects",
        method="POST",
        json={"allOrNone": False, "records": [{**member, "Status": "Responded"}, member]},
    )
    assert answer[0]["success"] is True
    assert answer[1]["success"] is False
    assert answer[1]["errors"][0]["statusCode"] == "DUPLICATE_VALUE"
    (row,) = _member_rows(sf, campaign)
    assert row["Status"] == "Responded" and row["HasResponded"] is True
    assert row["FirstRespondedDate"] == sb.ctx.now().date().isoformat()
    assert row["Campaign"]["Name"] == "Duplicate webinar"  # type: ignore[index]


def test_status_must_be_one_of_the_campaigns(sf: Salesforce) -> None:
    campaign = _campaign(sf, "Status webinar")
    lead = _lead(sf, "status.member@example.com")
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.CampaignMember.create({"CampaignId": campaign, "LeadId": lead, "Status": "Attended"})
    assert exc.value.content[0]["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    created = sf.CampaignMember.create({"CampaignId": campaign, "LeadId": lead})
    (row,) = _member_rows(sf, campaign)
    assert row["Id"] == created["id"] and row["Status"] == "Sent" and row["HasResponded"] is False
    with pytest.raises(SalesforceMalformedRequest) as ro:
        sf.CampaignMember.update(str(created["id"]), {"HasResponded": True})
    assert ro.value.content[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    sf.CampaignMember.update(str(created["id"]), {"Status": "Responded"})
    (row,) = _member_rows(sf, campaign)
    assert row["HasResponded"] is True and row["FirstRespondedDate"]


def test_conversion_moves_memberships_to_the_contact(sb: Sandbox, sf: Salesforce) -> None:
    first, second = _campaign(sf, "Move webinar"), _campaign(sf, "Move event")
    lead = _lead(sf, "moving.member@example.com")
    for campaign in (first, second):
        sf.CampaignMember.create({"CampaignId": campaign, "LeadId": lead, "Status": "Responded"})

    contact = sb.convert_lead(lead)["contact_id"]

    for campaign in (first, second):
        (row,) = _member_rows(sf, campaign)
        assert row["ContactId"] == contact and row["LeadId"] == lead
    again = sf.restful(
        "composite/sobjects",
        method="POST",
        json={
            "records": [
                {
                    "attributes": {"type": "CampaignMember"},
                    "CampaignId": first,
                    "ContactId": contact,
                }
            ]
        },
    )
    assert again[0]["errors"][0]["statusCode"] == "DUPLICATE_VALUE"


def test_an_opportunity_names_its_primary_campaign(sb: Sandbox, sf: Salesforce) -> None:
    campaign = _campaign(sf, "Primary webinar")
    lead = _lead(sf, "primary@example.com")
    opportunity = str(sb.convert_lead(lead)["opportunity_id"])
    sf.Opportunity.update(opportunity, {"CampaignId": campaign})
    soql = f"SELECT CampaignId, Campaign.Name FROM Opportunity WHERE Id = '{opportunity}'"
    (row,) = sf.query(soql)["records"]
    assert row["CampaignId"] == campaign and row["Campaign"]["Name"] == "Primary webinar"
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.Opportunity.update(opportunity, {"CampaignId": lead})  # a Lead id is no Campaign
    assert exc.value.content[0]["errorCode"] == "MALFORMED_ID"
