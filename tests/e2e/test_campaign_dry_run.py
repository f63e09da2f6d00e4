"""A dry run plans the campaign writes a real run would make, and writes none of them."""

from __future__ import annotations

from e2e_helpers import SyncFn, hs_contact, hs_props, sf_by_email, sf_lead, write_calls
from test_campaign_attribution import EMAIL, WEBINAR, _members, _webinar

from sandbox import Sandbox
from sync.person import PlannedWrite


def _planned(sync: SyncFn, object_type: str) -> list[PlannedWrite]:
    assert sync.last is not None
    return [p for p in sync.last.plans if p.object_type == object_type]


def test_a_dry_run_plans_the_memberships_and_writes_none(sb: Sandbox, sync: SyncFn) -> None:
    webinar = _webinar(sb)
    hs_contact(
        sb,
        EMAIL,
        hs_analytics_first_touch_converting_campaign=WEBINAR,
        hs_analytics_last_touch_converting_campaign=f" {WEBINAR.upper()} ",  # the same campaign
    )
    sb.reset_api_calls()

    report = sync(dry_run=True)

    assert report.status == "ok", report.message
    (member,) = _planned(sync, "CampaignMember")
    assert (member.system, member.action, member.id, member.email) == (
        "salesforce",
        "create",
        None,
        EMAIL,
    )
    assert ("campaign", None, WEBINAR) in member.changes
    assert ("status", None, "Responded") in member.changes
    assert _members(sb, webinar) == [] and "salesforce" not in write_calls(sb)

    sync()
    assert len(_members(sb, webinar)) == 1  # first and last touch name one campaign: one member
    sb.ctx.advance(60)
    sync(dry_run=True, full=True)
    assert _planned(sync, "CampaignMember") == []  # a member already: nothing to plan


def test_a_dry_run_plans_a_sent_member_becoming_a_response(sb: Sandbox, sync: SyncFn) -> None:
    webinar = _webinar(sb)
    lead = sf_lead(sb, EMAIL)
    member_id = sb.salesforce.create("CampaignMember", {"CampaignId": webinar, "LeadId": lead})
    hs_contact(sb, EMAIL, hs_analytics_first_touch_converting_campaign=WEBINAR)

    sync(dry_run=True)

    (member,) = _planned(sync, "CampaignMember")
    assert (member.action, member.id) == ("update", member_id)
    assert ("status", "Sent", "Responded") in member.changes
    assert _members(sb, webinar)[0]["Status"] == "Sent"


def test_a_dry_run_plans_the_primary_campaign_and_keeps_the_won_campaign(
    sb: Sandbox, sync: SyncFn
) -> None:
    webinar = _webinar(sb)
    hid = hs_contact(sb, EMAIL)
    sync()
    (lead,) = sf_by_email(sb, "Lead", EMAIL)
    converted = sb.convert_lead(str(lead["Id"]))  # before any membership: no primary campaign
    opportunity = str(converted["opportunity_id"])
    sb.salesforce.update("Opportunity", opportunity, {"StageName": "Closed Won", "Amount": 9000})
    sb.hubspot.update(hid, {"hs_analytics_first_touch_converting_campaign": WEBINAR}, system=True)
    sb.ctx.advance(60)

    sync(dry_run=True)

    (opp,) = _planned(sync, "Opportunity")
    assert (opp.action, opp.id, opp.fields) == ("update", opportunity, ("CampaignId",))
    assert sb.salesforce.get("Opportunity", opportunity)["CampaignId"] is None  # type: ignore[index]
    (contact,) = [p for p in sync.last.plans if p.system == "hubspot"]  # type: ignore[union-attr]
    assert ("won_campaign", None, WEBINAR) in contact.changes  # what the real run writes

    sync()
    assert hs_props(sb, hid)["leadsync_won_campaign"] == WEBINAR
    assert sb.salesforce.get("Opportunity", opportunity)["CampaignId"] == webinar  # type: ignore[index]
