"""A contact with more than one opportunity: a renewal neither hides nor replaces a won deal."""

from __future__ import annotations

from e2e_helpers import SyncFn, hs_contact, hs_props, sf_by_email, write_calls
from test_campaign_attribution import EMAIL, WEBINAR

from sandbox import Sandbox
from sync.closed_loop import closed_loop
from sync.state import StateStore


def test_won_revenue_sums_every_won_opportunity_of_the_contact(
    sb: Sandbox, sync: SyncFn, state: StateStore
) -> None:
    sb.salesforce.create("Campaign", {"Name": WEBINAR})
    hid = hs_contact(sb, EMAIL, hs_analytics_first_touch_converting_campaign=WEBINAR)
    sync()
    (lead,) = sf_by_email(sb, "Lead", EMAIL)
    converted = sb.convert_lead(str(lead["Id"]))
    first = str(converted["opportunity_id"])
    sb.salesforce.update("Opportunity", first, {"StageName": "Closed Won", "Amount": 48000})
    sb.ctx.advance(60)
    sync()
    account = sb.salesforce.get("Opportunity", first)["AccountId"]  # type: ignore[index]
    renewal = {
        "Name": "Renewal",
        "StageName": "Prospecting",
        "CloseDate": "2027-06-01",
        "AccountId": account,
        "ContactId": converted["contact_id"],
    }
    second = sb.salesforce.create("Opportunity", renewal)
    sb.ctx.advance(60)

    sync()  # an open renewal: the won deal still counts

    assert float(hs_props(sb, hid)["leadsync_won_amount"]) == 48000
    row = closed_loop(state).campaign(WEBINAR)
    assert (row.opportunities, row.won, row.won_revenue) == (1, 1, 48000)

    sb.salesforce.update("Opportunity", second, {"StageName": "Closed Won", "Amount": 12000})
    sb.ctx.advance(60)
    sync()  # the renewal won too: both deals' revenue, the latest close date

    props = hs_props(sb, hid)
    assert float(props["leadsync_won_amount"]) == 60000
    assert props["leadsync_won_date"] == "2027-06-01"
    assert props["leadsync_won_campaign"] == WEBINAR
    row = closed_loop(state).campaign(WEBINAR)
    assert (row.won, row.won_revenue) == (1, 60000)
    sb.reset_api_calls()
    sb.ctx.advance(60)
    sync(full=True)
    assert write_calls(sb) == {}  # the totals are the base now: nothing to write again


def test_only_the_converted_opportunity_gets_the_first_touch_as_primary_campaign(
    sb: Sandbox, sync: SyncFn
) -> None:
    webinar = sb.salesforce.create("Campaign", {"Name": WEBINAR})
    hid = hs_contact(sb, EMAIL)
    sync()
    (lead,) = sf_by_email(sb, "Lead", EMAIL)
    converted = sb.convert_lead(str(lead["Id"]))  # before any membership: blank primary campaign
    sb.hubspot.update(hid, {"hs_analytics_first_touch_converting_campaign": WEBINAR}, system=True)
    sb.ctx.advance(60)
    sync()
    first = str(converted["opportunity_id"])
    assert sb.salesforce.get("Opportunity", first)["CampaignId"] == webinar  # type: ignore[index]
    account = sb.salesforce.get("Opportunity", first)["AccountId"]  # type: ignore[index]
    renewal = {
        "Name": "Renewal",
        "StageName": "Prospecting",
        "CloseDate": "2027-06-01",
        "AccountId": account,
        "ContactId": converted["contact_id"],
    }
    second = sb.salesforce.create("Opportunity", renewal)  # a rep's, no campaign chosen
    sb.ctx.advance(60)

    report = sync()

    assert report.status == "ok", report.message
    assert sb.salesforce.get("Opportunity", second)["CampaignId"] is None  # type: ignore[index]
