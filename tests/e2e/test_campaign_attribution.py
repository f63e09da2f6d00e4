"""Closed-loop attribution: HubSpot's converting campaigns become Salesforce Campaign members,
the converted Opportunity is credited to the first touch, and the won revenue comes back."""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e_helpers import SyncFn, hs_contact, hs_props, settings_for, sf_by_email, sf_lead
from test_check_cli import leadsync

from sandbox import Sandbox
from sync.closed_loop import closed_loop
from sync.runner import run_sync
from sync.settings import Settings
from sync.state import StateStore

EMAIL = "grace.whitfield@northwind.io"
WEBINAR = "2026 Data Quality Webinar"


def _members(sb: Sandbox, campaign_id: str) -> list[dict[str, object]]:
    return [m for m in sb.salesforce.all("CampaignMember") if m["CampaignId"] == campaign_id]


def _webinar(sb: Sandbox) -> str:
    return sb.salesforce.create("Campaign", {"Name": WEBINAR, "Type": "Webinar", "IsActive": True})


def test_a_webinar_sign_up_is_credited_from_member_to_revenue(
    sb: Sandbox, sync: SyncFn, state: StateStore
) -> None:
    webinar = _webinar(sb)
    hid = hs_contact(
        sb,
        EMAIL,
        hs_analytics_source="OTHER_CAMPAIGNS",
        hs_analytics_first_touch_converting_campaign=WEBINAR,
        hs_analytics_last_touch_converting_campaign=WEBINAR,
    )

    first = sync()

    assert first.status == "ok", first.message
    (lead,) = sf_by_email(sb, "Lead", EMAIL)
    (member,) = _members(sb, webinar)
    assert member["LeadId"] == lead["Id"]
    assert member["Status"] == "Responded"
    assert member["HasResponded"] is True
    assert member["FirstRespondedDate"] == sb.ctx.now().date()
    assert hs_props(sb, hid)["leadsync_first_touch_campaign"] == WEBINAR

    converted = sb.convert_lead(str(lead["Id"]))
    opportunity = str(converted["opportunity_id"])
    assert sb.salesforce.get("Opportunity", opportunity)["CampaignId"] is None  # type: ignore[index]
    sb.ctx.advance(60)
    sync()

    opp = sb.salesforce.get("Opportunity", opportunity)
    assert opp is not None and opp["CampaignId"] == webinar
    (member,) = _members(sb, webinar)  # moved to the Contact, not duplicated
    assert member["ContactId"] == converted["contact_id"]

    sb.salesforce.update("Opportunity", opportunity, {"StageName": "Closed Won", "Amount": 48000})
    sb.ctx.advance(60)
    sync()

    props = hs_props(sb, hid)
    assert float(props["leadsync_won_amount"]) == 48000
    assert props["leadsync_won_campaign"] == WEBINAR
    won = sb.salesforce.get("Opportunity", opportunity)
    assert won is not None and props["leadsync_won_date"] == str(won["CloseDate"])
    assert props["leadsync_first_touch_campaign"] == WEBINAR  # write-once, still there

    report = closed_loop(state)
    row = report.campaign(WEBINAR)
    assert (row.signups, row.sql, row.opportunities, row.won) == (1, 1, 1, 1)
    assert row.won_revenue == 48000


def test_a_second_sync_creates_no_member_twice(sb: Sandbox, sync: SyncFn) -> None:
    webinar = _webinar(sb)
    hs_contact(
        sb, EMAIL, hs_analytics_first_touch_converting_campaign=WEBINAR, utm_campaign=WEBINAR
    )
    sync()
    assert len(_members(sb, webinar)) == 1
    sb.reset_api_calls()

    again = sync(full=True)

    assert again.status == "ok", again.message
    assert len(_members(sb, webinar)) == 1
    assert again.dead_letters == 0


def test_a_rep_chosen_primary_campaign_is_never_overwritten(sb: Sandbox, sync: SyncFn) -> None:
    _webinar(sb)
    trade_show = sb.salesforce.create("Campaign", {"Name": "Trade Show Berlin"})
    hs_contact(sb, EMAIL, hs_analytics_first_touch_converting_campaign=WEBINAR)
    sync()
    (lead,) = sf_by_email(sb, "Lead", EMAIL)
    converted = sb.convert_lead(str(lead["Id"]))
    opportunity = str(converted["opportunity_id"])
    sb.salesforce.update("Opportunity", opportunity, {"CampaignId": trade_show})
    sb.ctx.advance(60)

    sync()

    assert sb.salesforce.get("Opportunity", opportunity)["CampaignId"] == trade_show  # type: ignore[index]


def test_a_missing_campaign_is_dead_lettered_with_its_reason(
    sb: Sandbox, sync: SyncFn, state: StateStore
) -> None:
    hs_contact(sb, EMAIL, hs_analytics_first_touch_converting_campaign="Spring Launch Event")

    report = sync()

    assert report.dead_letters == 1
    (letter,) = state.dead_letters("pending")
    assert letter.object_type == "CampaignMember"
    assert letter.code == "CAMPAIGN_NOT_FOUND"
    assert "Spring Launch Event" in letter.message
    assert sf_by_email(sb, "Lead", EMAIL)  # the Lead itself was created all the same
    assert sb.salesforce.all("Campaign") == []


def _mapping(tmp_path: Path, old: str, new: str) -> Path:
    """A copy of the default mapping with one edit."""
    source = Path(__file__).resolve().parents[2] / "mappings" / "default"
    target = tmp_path / "mapping"
    target.mkdir()
    for item in source.rglob("*"):
        if item.is_file():
            dest = target / item.relative_to(source)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(item.read_bytes())
    mapping = target / "mapping.yaml"
    text = mapping.read_text(encoding="utf-8")
    assert old in text
    mapping.write_text(text.replace(old, new), "utf-8")
    return target


@pytest.fixture
def creating(tmp_path: Path) -> Path:
    """The default mapping with campaigns.create_missing on."""
    return _mapping(tmp_path, "create_missing: false", "create_missing: true")


def test_a_missing_campaign_is_created_when_allowed(
    sb: Sandbox, tmp_path: Path, creating: Path
) -> None:
    settings = settings_for(sb, tmp_path, mappings_dir=str(creating))
    hs_contact(sb, EMAIL, hs_analytics_first_touch_converting_campaign="Spring Launch Event")

    report = run_sync(settings, clock=sb.ctx.now).report

    assert report.dead_letters == 0, report.message
    (campaign,) = sb.salesforce.all("Campaign")
    assert campaign["Name"] == "Spring Launch Event"
    (member,) = _members(sb, str(campaign["Id"]))
    assert member["Status"] == "Responded"


def test_a_list_import_member_becomes_a_response(sb: Sandbox, sync: SyncFn) -> None:
    webinar = _webinar(sb)
    lead = sf_lead(sb, EMAIL)
    sb.salesforce.create("CampaignMember", {"CampaignId": webinar, "LeadId": lead})  # Sent
    hs_contact(sb, EMAIL, hs_analytics_first_touch_converting_campaign=WEBINAR)

    report = sync()

    assert report.status == "ok", report.message
    (member,) = _members(sb, webinar)
    assert member["LeadId"] == lead
    assert (member["Status"], member["HasResponded"]) == ("Responded", True)


def test_a_dead_lettered_membership_is_retried_once_the_campaign_exists(
    sb: Sandbox, sync: SyncFn, state: StateStore
) -> None:
    hs_contact(sb, EMAIL, hs_analytics_first_touch_converting_campaign=WEBINAR)
    sync()
    sb.ctx.advance(60)
    assert sync().dead_letters == 1  # still missing: the same letter, one more attempt
    (letter,) = state.dead_letters("pending")
    assert letter.attempts == 2

    webinar = _webinar(sb)
    sb.ctx.advance(3600)
    report = sync()

    assert report.dead_letters == 0, report.message
    assert state.dead_letters("pending") == []
    (member,) = _members(sb, webinar)
    assert member["Status"] == "Responded"


def test_campaigns_can_match_on_an_external_id(sb: Sandbox, tmp_path: Path) -> None:
    mapping = _mapping(
        tmp_path,
        "match: name",
        "match: external_id\n  external_id_field: Leadsync_HubSpot_Campaign__c",
    )
    campaign = sb.salesforce.create(
        "Campaign", {"Name": "Q3 Webinar (EMEA)", "Leadsync_HubSpot_Campaign__c": "hs-8812"}
    )
    hs_contact(sb, EMAIL, hs_analytics_first_touch_converting_campaign="hs-8812")

    report = run_sync(settings_for(sb, tmp_path, mappings_dir=str(mapping)), clock=sb.ctx.now)

    assert report.report.dead_letters == 0, report.report.message
    (member,) = _members(sb, campaign)
    assert member["HasResponded"] is True


def test_the_html_report_shows_the_closed_loop(
    sb: Sandbox, sync: SyncFn, settings: Settings, tmp_path: Path
) -> None:
    _webinar(sb)
    hs_contact(sb, EMAIL, hs_analytics_first_touch_converting_campaign=WEBINAR)
    sync()
    out = tmp_path / "report.html"
    env = {**sb.env(), "LEADSYNC_STATE_URL": settings.state_url}

    result = leadsync(env, "report", "--out", str(out))

    assert result.returncode == 0, result.stderr
    html = out.read_text(encoding="utf-8")
    assert "Closed loop: quality over quantity" in html
    assert f"<td>{WEBINAR}</td><td>1</td>" in html


def test_the_first_touch_campaign_is_write_once(sb: Sandbox, sync: SyncFn) -> None:
    webinar = _webinar(sb)
    other = sb.salesforce.create("Campaign", {"Name": "Trade Show Berlin"})
    hid = hs_contact(sb, EMAIL, hs_analytics_first_touch_converting_campaign=WEBINAR)
    sync()
    # HubSpot's attribution is recomputed later and names another first touch.
    sb.hubspot.update(
        hid, {"hs_analytics_first_touch_converting_campaign": "Trade Show Berlin"}, system=True
    )
    sb.ctx.advance(60)

    sync()

    assert hs_props(sb, hid)["leadsync_first_touch_campaign"] == WEBINAR
    assert len(_members(sb, webinar)) == 1
    assert _members(sb, other) == []  # the first touch leadsync kept is still the webinar


def test_a_name_too_long_for_salesforce_is_never_created(
    sb: Sandbox, tmp_path: Path, creating: Path
) -> None:
    settings = settings_for(sb, tmp_path, mappings_dir=str(creating))
    long_name = "Spring Launch Event " * 5  # 100 characters: Campaign.Name holds 80
    hs_contact(sb, EMAIL, hs_analytics_first_touch_converting_campaign=long_name)

    for _ in range(2):
        report = run_sync(settings, clock=sb.ctx.now).report
        sb.ctx.advance(3600)

    assert report.dead_letters == 1
    assert sb.salesforce.all("Campaign") == []  # not one cut-short campaign a run
