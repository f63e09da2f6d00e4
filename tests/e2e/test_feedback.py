"""Feedback: Salesforce verdicts (status, disqualification, conversion, won deal) reach HubSpot."""

from __future__ import annotations

from e2e_helpers import SyncFn, hs_contact, hs_props, sf_by_email

from sandbox import Sandbox

EMAIL = "olivia.hart@northwind.io"


def _linked_lead(sb: Sandbox, sync: SyncFn, **props: object) -> tuple[str, str]:
    """A HubSpot contact synced once: (HubSpot id, the Lead it became)."""
    hid = hs_contact(sb, EMAIL, firstname="Olivia", lastname="Hart", **props)
    sync()
    (lead,) = sf_by_email(sb, "Lead", EMAIL)
    return hid, str(lead["Id"])


def test_a_status_change_reaches_hubspot(sb: Sandbox, sync: SyncFn) -> None:
    hid, lead_id = _linked_lead(sb, sync)
    assert hs_props(sb, hid)["hs_lead_status"] == "NEW"
    sb.salesforce.update("Lead", lead_id, {"Status": "Working - Contacted"})

    report = sync()

    assert hs_props(sb, hid)["hs_lead_status"] == "IN_PROGRESS"
    assert report.updated.hubspot == 1
    assert report.updated.salesforce == 0


def test_a_disqualification_reaches_hubspot(sb: Sandbox, sync: SyncFn) -> None:
    hid, lead_id = _linked_lead(sb, sync)
    sb.salesforce.update(
        "Lead",
        lead_id,
        {"Status": "Closed - Not Converted", "Disqualification_Reason__c": "No Budget"},
    )

    sync()

    props = hs_props(sb, hid)
    assert props["hs_lead_status"] == "UNQUALIFIED"
    assert props["leadsync_disqualification_reason"] == "No Budget"


def test_a_conversion_reaches_hubspot_and_repoints_the_link(sb: Sandbox, sync: SyncFn) -> None:
    hid, lead_id = _linked_lead(sb, sync)
    converted = sb.convert_lead(lead_id)
    contact_id = converted["contact_id"]

    sync()

    props = hs_props(sb, hid)
    assert props["leadsync_converted"] == "true"
    assert props["leadsync_converted_date"]
    assert props["hs_lead_status"] == "OPEN_DEAL"
    assert props["leadsync_salesforce_id"] == contact_id
    assert props["leadsync_salesforce_type"] == "Contact"
    assert props["leadsync_opportunity_status"] == "open"
    assert props["leadsync_opportunity_stage"]
    assert props["lifecyclestage"] == "opportunity"
    assert sb.hubspot.all().__len__() == 1  # the Contact did not become a second person


def test_edits_after_a_conversion_go_to_the_contact(sb: Sandbox, sync: SyncFn) -> None:
    hid, lead_id = _linked_lead(sb, sync)
    contact_id = sb.convert_lead(lead_id)["contact_id"]
    assert contact_id
    sync()
    sb.hubspot.update(hid, {"jobtitle": "Chief Operating Officer", "city": "Portland"})

    report = sync()

    contact = sb.salesforce.get("Contact", contact_id)
    assert contact is not None
    assert contact["Title"] == "Chief Operating Officer"
    assert contact["MailingCity"] == "Portland"
    lead = sb.salesforce.get("Lead", lead_id)
    assert lead is not None and lead["Title"] != "Chief Operating Officer"
    assert report.dead_letters == 0


def test_a_won_opportunity_makes_the_contact_a_customer(sb: Sandbox, sync: SyncFn) -> None:
    hid, lead_id = _linked_lead(sb, sync)
    opportunity_id = sb.convert_lead(lead_id)["opportunity_id"]
    assert opportunity_id
    sync()
    sb.salesforce.update(
        "Opportunity", opportunity_id, {"StageName": "Closed Won", "Amount": 48000}
    )

    sync()

    props = hs_props(sb, hid)
    assert props["leadsync_opportunity_status"] == "won"
    assert props["leadsync_opportunity_stage"] == "Closed Won"
    assert float(props["leadsync_opportunity_amount"]) == 48000
    assert props["lifecyclestage"] == "customer"


def test_conversion_and_a_won_deal_in_one_run_reach_hubspot(sb: Sandbox, sync: SyncFn) -> None:
    hid, lead_id = _linked_lead(sb, sync)
    opportunity_id = sb.convert_lead(lead_id)["opportunity_id"]
    assert opportunity_id
    sb.salesforce.update("Opportunity", opportunity_id, {"StageName": "Closed Won", "Amount": 9})

    sync()

    props = hs_props(sb, hid)
    assert props["leadsync_converted"] == "true"
    assert props["leadsync_opportunity_status"] == "won"
    assert props["lifecyclestage"] == "customer"


def test_a_lost_opportunity_reaches_hubspot(sb: Sandbox, sync: SyncFn) -> None:
    hid, lead_id = _linked_lead(sb, sync)
    opportunity_id = sb.convert_lead(lead_id)["opportunity_id"]
    assert opportunity_id
    sync()
    sb.salesforce.update("Opportunity", opportunity_id, {"StageName": "Closed Lost"})

    sync()

    props = hs_props(sb, hid)
    assert props["leadsync_opportunity_status"] == "lost"
    assert props["lifecyclestage"] == "opportunity"  # a lost deal does not move it back


def test_the_original_source_survives_conversion_and_new_latest_sources(
    sb: Sandbox, sync: SyncFn
) -> None:
    hid, lead_id = _linked_lead(
        sb, sync, hs_analytics_source="PAID_SEARCH", hs_latest_source="PAID_SEARCH"
    )
    lead = sb.salesforce.get("Lead", lead_id)
    assert lead is not None and lead["LeadSource"] == "Paid Search"
    contact_id = sb.convert_lead(lead_id)["contact_id"]
    assert contact_id
    sync()
    sb.hubspot.update(hid, {"hs_latest_source": "SOCIAL_MEDIA"})

    sync()

    contact = sb.salesforce.get("Contact", contact_id)
    assert contact is not None
    assert contact["LeadSource"] == "Paid Search"
    assert contact["Latest_Lead_Source__c"] == "Social Media"
    props = hs_props(sb, hid)
    assert props.get("leadsync_original_source", props["hs_analytics_source"]) == "PAID_SEARCH"


def test_a_rep_changing_lead_source_does_not_change_the_original_source_in_hubspot(
    sb: Sandbox, sync: SyncFn
) -> None:
    hid, lead_id = _linked_lead(sb, sync, hs_analytics_source="ORGANIC_SEARCH")
    sb.salesforce.update("Lead", lead_id, {"LeadSource": "Trade Show"})

    report = sync()

    props = hs_props(sb, hid)
    assert props.get("leadsync_original_source", props["hs_analytics_source"]) == "ORGANIC_SEARCH"
    lead = sb.salesforce.get("Lead", lead_id)
    assert lead is not None and lead["LeadSource"] == "Trade Show"  # the sync does not revert
    assert report.updated.hubspot == 0


def test_the_original_source_survives_hubspot_re_attributing_the_contact(
    sb: Sandbox, sync: SyncFn
) -> None:
    hid, lead_id = _linked_lead(sb, sync, hs_analytics_source="PAID_SEARCH")
    # HubSpot recomputes its read-only original source (e.g. after a merge or an import).
    sb.hubspot.update(hid, {"hs_analytics_source": "OFFLINE"})

    sync()

    assert hs_props(sb, hid).get("leadsync_original_source") == "PAID_SEARCH"
    lead = sb.salesforce.get("Lead", lead_id)
    assert lead is not None and lead["LeadSource"] == "Paid Search"
