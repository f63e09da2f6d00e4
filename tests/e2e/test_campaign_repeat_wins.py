"""A contact with more than one opportunity: a renewal neither hides nor replaces a won deal."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from e2e_helpers import SyncFn, hs_contact, hs_props, settings_for, sf_by_email, write_calls
from test_campaign_attribution import EMAIL, WEBINAR, _mapping

from connectors.errors import RetryableError
from connectors.salesforce_campaigns import SalesforceCampaigns
from sandbox import Sandbox
from sync.closed_loop import closed_loop
from sync.runner import run_sync
from sync.state import StateStore


def _later(sb: Sandbox) -> str:
    """A renewal's close date: after any the conversion gave (the sandbox clock, any day)."""
    return (sb.ctx.now().date() + timedelta(days=400)).isoformat()


def _open_renewal(sb: Sandbox, first: str, contact_id: object) -> str:
    """A rep's open renewal on the account of opportunity ``first``, closing after ``_later``."""
    account = sb.salesforce.get("Opportunity", first)["AccountId"]  # type: ignore[index]
    renewal = {
        "Name": "Renewal",
        "StageName": "Prospecting",
        "CloseDate": _later(sb),
        "AccountId": account,
        "ContactId": contact_id,
    }
    return sb.salesforce.create("Opportunity", renewal)


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
    closes = _later(sb)
    second = _open_renewal(sb, first, converted["contact_id"])
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
    assert props["leadsync_won_date"] == closes  # the renewal closes last
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
    second = _open_renewal(sb, first, converted["contact_id"])  # a rep's, no campaign chosen
    sb.ctx.advance(60)

    report = sync()

    assert report.status == "ok", report.message
    assert sb.salesforce.get("Opportunity", second)["CampaignId"] is None  # type: ignore[index]


def test_a_reopened_deal_is_no_longer_won(sb: Sandbox, sync: SyncFn, state: StateStore) -> None:
    sb.salesforce.create("Campaign", {"Name": WEBINAR})
    hid = hs_contact(sb, EMAIL, hs_analytics_first_touch_converting_campaign=WEBINAR)
    sync()
    (lead,) = sf_by_email(sb, "Lead", EMAIL)
    opportunity = str(sb.convert_lead(str(lead["Id"]))["opportunity_id"])
    sb.salesforce.update("Opportunity", opportunity, {"StageName": "Closed Won", "Amount": 48000})
    sb.ctx.advance(60)
    sync()
    assert closed_loop(state).campaign(WEBINAR).won == 1
    sb.salesforce.update("Opportunity", opportunity, {"StageName": "Negotiation/Review"})
    sb.ctx.advance(60)

    sync()

    props = hs_props(sb, hid)
    assert [props.get(f"leadsync_won_{k}") in (None, "") for k in ("amount", "date")] == [
        True,
        True,
    ]
    row = closed_loop(state).campaign(WEBINAR)
    assert (row.opportunities, row.won, row.won_revenue) == (1, 0, 0)


def test_without_a_campaigns_section_a_renewal_still_hides_no_won_deal(
    sb: Sandbox, tmp_path: Path
) -> None:
    section = "campaigns:\n  match: name\n"
    mapping = _mapping(tmp_path, section, "# no campaigns\nx_removed:\n  match: name\n")
    text = (mapping / "mapping.yaml").read_text("utf-8")
    (mapping / "mapping.yaml").write_text(text[: text.index("# no campaigns")], "utf-8")
    settings = settings_for(sb, tmp_path, mappings_dir=str(mapping))
    hid = hs_contact(sb, EMAIL)
    run_sync(settings, clock=sb.ctx.now)
    (lead,) = sf_by_email(sb, "Lead", EMAIL)
    converted = sb.convert_lead(str(lead["Id"]))
    first = str(converted["opportunity_id"])
    sb.salesforce.update("Opportunity", first, {"StageName": "Closed Won", "Amount": 48000})
    sb.ctx.advance(60)
    run_sync(settings, clock=sb.ctx.now)
    _open_renewal(sb, first, converted["contact_id"])
    sb.ctx.advance(60)

    report = run_sync(settings, clock=sb.ctx.now).report

    assert report.status == "ok", report.message
    assert float(hs_props(sb, hid)["leadsync_won_amount"]) == 48000


def test_a_failed_totals_query_blanks_no_won_deal(
    sb: Sandbox, sync: SyncFn, monkeypatch: pytest.MonkeyPatch
) -> None:
    hid = hs_contact(sb, EMAIL)
    sync()
    (lead,) = sf_by_email(sb, "Lead", EMAIL)
    converted = sb.convert_lead(str(lead["Id"]))
    first = str(converted["opportunity_id"])
    sb.salesforce.update("Opportunity", first, {"StageName": "Closed Won", "Amount": 48000})
    sb.ctx.advance(60)
    sync()
    _open_renewal(sb, first, converted["contact_id"])
    sb.ctx.advance(60)

    def unavailable(self: SalesforceCampaigns, contact_ids: list[str]) -> None:
        raise RetryableError("503 after every retry", system="salesforce", status=503)

    monkeypatch.setattr(SalesforceCampaigns, "won_totals", unavailable)
    sync()  # the totals unknown: the won figures stay as they were

    assert float(hs_props(sb, hid)["leadsync_won_amount"]) == 48000
