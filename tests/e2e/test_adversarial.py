"""Adversarial scenarios: odd values, picklists, identity edge cases, quiet re-runs."""

from __future__ import annotations

from e2e_helpers import (
    SyncFn,
    hs_by_email,
    hs_contact,
    hs_props,
    sf_by_email,
    sf_lead,
    write_calls,
)

from sandbox import Sandbox
from sync.state import StateStore

EMAIL = "olivia.hart@northwind.io"


def _assert_quiet(sb: Sandbox, sync: SyncFn) -> None:
    sb.reset_api_calls()
    report = sync()
    assert write_calls(sb) == {}, report.to_json()
    assert report.status == "ok"


def test_unicode_and_emoji_names_travel_intact(sb: Sandbox, sync: SyncFn) -> None:
    hs_contact(
        sb,
        "zoe.nunez@northwind.io",
        firstname="Zoë 🚀",
        lastname="Núñez-Østergård",
        company="株式会社ノースウィンド",
        city="Zürich",
    )
    sf_lead(sb, "jose.muller@globex.com", FirstName="José", LastName="Müller 😀", City="Kraków")

    report = sync()

    assert report.status == "ok" and report.dead_letters == 0
    (lead,) = sf_by_email(sb, "Lead", "zoe.nunez@northwind.io")
    assert (lead["FirstName"], lead["LastName"]) == ("Zoë 🚀", "Núñez-Østergård")
    assert lead["Company"] == "株式会社ノースウィンド" and lead["City"] == "Zürich"
    props = hs_by_email(sb, "jose.muller@globex.com")
    assert (props["firstname"], props["lastname"], props["city"]) == ("José", "Müller 😀", "Kraków")
    _assert_quiet(sb, sync)


def test_a_too_long_title_is_truncated_for_salesforce_and_stays_quiet(
    sb: Sandbox, sync: SyncFn
) -> None:
    title = "Senior Vice President of " + "Global Strategic Operations " * 10
    hid = hs_contact(sb, EMAIL, jobtitle=title.strip())

    report = sync()

    (lead,) = sf_by_email(sb, "Lead", EMAIL)
    assert report.dead_letters == 0
    assert lead["Title"] == title.strip()[:128]
    _assert_quiet(sb, sync)
    assert hs_props(sb, hid)["jobtitle"] == title.strip()  # HubSpot keeps the full text


def test_a_too_long_company_is_truncated_and_stays_quiet(sb: Sandbox, sync: SyncFn) -> None:
    company = "Northwind " + "Consolidated Holdings " * 20
    hid = hs_contact(sb, EMAIL, company=company.strip())

    report = sync()

    (lead,) = sf_by_email(sb, "Lead", EMAIL)
    assert report.dead_letters == 0
    assert len(lead["Company"]) <= 255 and company.startswith(lead["Company"])
    _assert_quiet(sb, sync)
    assert hs_props(sb, hid)["company"] == company.strip()


def test_hubspot_lead_status_read_spellings_map_and_stay_quiet(sb: Sandbox, sync: SyncFn) -> None:
    hid = hs_contact(sb, EMAIL, hs_lead_status="CONNECTED")
    hid2 = hs_contact(sb, "raj.patel@northwind.io", hs_lead_status="BAD_TIMING")

    sync()

    (lead,) = sf_by_email(sb, "Lead", EMAIL)
    assert lead["Status"] == "Working - Contacted"
    (lead2,) = sf_by_email(sb, "Lead", "raj.patel@northwind.io")
    assert lead2["Status"] == "Closed - Not Converted"
    # HubSpot's own spelling reads as the same canonical value: it is left alone.
    assert hs_props(sb, hid)["hs_lead_status"] == "CONNECTED"
    assert hs_props(sb, hid2)["hs_lead_status"] == "BAD_TIMING"
    _assert_quiet(sb, sync)


def test_a_hubspot_source_reaches_lead_source_and_back(sb: Sandbox, sync: SyncFn) -> None:
    hs_contact(sb, EMAIL, hs_analytics_source="ORGANIC_SEARCH", hs_latest_source="PAID_SOCIAL")
    sf_lead(sb, "raj.patel@globex.com", LeadSource="Trade Show")

    report = sync()

    assert report.dead_letters == 0
    (lead,) = sf_by_email(sb, "Lead", EMAIL)
    assert lead["LeadSource"] == "Organic Search"
    assert lead["Latest_Lead_Source__c"] == "Paid Social"
    props = hs_by_email(sb, "raj.patel@globex.com")
    assert props["leadsync_original_source"] == "Trade Show"
    _assert_quiet(sb, sync)


def test_phone_numbers_in_odd_formats_settle(sb: Sandbox, sync: SyncFn) -> None:
    hs_contact(sb, EMAIL, phone="(415) 555-0142")
    hs_contact(sb, "raj.patel@northwind.io", phone="+44 20 7946 0958 ext. 12")
    hs_contact(sb, "mei.chen@northwind.io", phone="call me maybe")
    sf_lead(sb, "tomas.novak@globex.com", Phone="00420 601 123 456")

    report = sync()

    assert report.status == "ok", report.to_json()
    assert len(sb.salesforce.all("Lead")) == 4
    _assert_quiet(sb, sync)


def test_plus_addressing_is_a_different_person(
    sb: Sandbox, sync: SyncFn, state: StateStore
) -> None:
    hs_contact(sb, "olivia.hart+news@northwind.io")
    sf_lead(sb, EMAIL)

    sync()

    assert len(sb.hubspot.all()) == 2
    assert len(sb.salesforce.all("Lead")) == 2
    assert len(state.load_links(active_only=True)) == 2
    _assert_quiet(sb, sync)


def test_a_salesforce_email_in_upper_case_links_and_settles(
    sb: Sandbox, sync: SyncFn, state: StateStore
) -> None:
    hid = hs_contact(sb, EMAIL)
    lead_id = sf_lead(sb, "OLIVIA.Hart@NorthWind.io")

    report = sync()

    assert report.created.to_json() == {"hubspot": 0, "salesforce": 0}
    assert [(lk.hubspot_id, lk.salesforce_id) for lk in state.load_links(active_only=True)] == [
        (hid, lead_id)
    ]
    _assert_quiet(sb, sync)


def test_a_full_sync_after_a_sync_writes_nothing(sb: Sandbox, sync: SyncFn) -> None:
    hs_contact(sb, EMAIL)
    sf_lead(sb, "raj.patel@globex.com", LeadSource="Webinar")
    sync()
    sb.reset_api_calls()

    report = sync(full=True)

    assert write_calls(sb) == {}, report.to_json()
    assert report.created.to_json() == {"hubspot": 0, "salesforce": 0}
    assert report.updated.to_json() == {"hubspot": 0, "salesforce": 0}


def test_an_incremental_sync_without_changes_only_reads(sb: Sandbox, sync: SyncFn) -> None:
    hs_contact(sb, EMAIL)
    sf_lead(sb, "raj.patel@globex.com")
    sync()
    sb.reset_api_calls()

    report = sync()

    assert write_calls(sb) == {}
    assert report.to_json()["updated"] == {"hubspot": 0, "salesforce": 0}
    assert report.created.to_json() == {"hubspot": 0, "salesforce": 0}


def test_a_contact_without_account_becomes_a_hubspot_contact(sb: Sandbox, sync: SyncFn) -> None:
    cid = sb.salesforce.create(
        "Contact", {"FirstName": "Olivia", "LastName": "Hart", "Email": EMAIL}
    )

    report = sync()

    assert report.status == "ok" and report.created.hubspot == 1
    props = hs_by_email(sb, EMAIL)
    assert props["leadsync_salesforce_id"] == cid
    assert props["leadsync_salesforce_type"] == "Contact"
    _assert_quiet(sb, sync)


def test_a_lead_without_email_is_created_once_it_gets_one(sb: Sandbox, sync: SyncFn) -> None:
    lead_id = sf_lead(sb, None)
    report = sync()
    assert report.created.hubspot == 0 and sb.hubspot.all() == []

    sb.salesforce.update("Lead", lead_id, {"Email": EMAIL})
    report = sync()

    assert report.created.hubspot == 1
    assert hs_by_email(sb, EMAIL)["leadsync_salesforce_id"] == lead_id
    _assert_quiet(sb, sync)


def test_a_blank_on_one_side_never_erases_the_other(sb: Sandbox, sync: SyncFn) -> None:
    hid = hs_contact(sb, EMAIL, city="Seattle")
    lead_id = sf_lead(sb, EMAIL, City="", Title="")

    sync()

    lead = sb.salesforce.get("Lead", lead_id)
    assert lead is not None and lead["City"] == "Seattle"
    assert lead["Title"] == "Director of Operations"
    assert hs_props(sb, hid)["jobtitle"] == "Director of Operations"
    sb.salesforce.update("Lead", lead_id, {"City": None})
    sync()
    assert hs_props(sb, hid)["city"] == "Seattle"
    _assert_quiet(sb, sync)


def test_required_placeholders_stay_out_of_hubspot(sb: Sandbox, sync: SyncFn) -> None:
    hid = hs_contact(sb, EMAIL, firstname="Olivia", lastname="", company="")
    sync()
    (lead,) = sf_by_email(sb, "Lead", EMAIL)
    assert (lead["LastName"], lead["Company"]) == ("[not provided]", "[not provided]")
    props = hs_props(sb, hid)
    assert not props.get("lastname") and not props.get("company")
    _assert_quiet(sb, sync)

    sb.hubspot.update(hid, {"lastname": "Hart", "company": "Northwind Traders"})
    sync()

    fresh = sb.salesforce.get("Lead", lead["Id"])
    assert fresh is not None
    assert (fresh["LastName"], fresh["Company"]) == ("Hart", "Northwind Traders")
    _assert_quiet(sb, sync)


def test_a_rep_filling_a_placeholder_reaches_hubspot(sb: Sandbox, sync: SyncFn) -> None:
    hid = hs_contact(sb, EMAIL, firstname="Olivia", lastname="", company="")
    sync()
    (lead,) = sf_by_email(sb, "Lead", EMAIL)

    sb.salesforce.update("Lead", lead["Id"], {"LastName": "Hart", "Company": "Northwind"})
    sync()

    props = hs_props(sb, hid)
    assert (props["lastname"], props["company"]) == ("Hart", "Northwind")
    _assert_quiet(sb, sync)


def test_quotes_and_backslashes_in_emails_and_names(
    sb: Sandbox, sync: SyncFn, state: StateStore
) -> None:
    hid = hs_contact(
        sb, "liam.o'brien@northwind.io", firstname="Liam", lastname="O'Brien", company="A\\B & Co"
    )
    lead_id = sf_lead(sb, "Liam.O'Brien@NorthWind.io", FirstName="Liam", LastName="O'Brien")
    sf_lead(sb, "Sean.D'Arcy@Globex.com", FirstName="Seán", LastName="D'Arcy", Company="50% off_co")

    report = sync()

    assert report.status == "ok", report.to_json()
    linked = {(lk.hubspot_id, lk.salesforce_id) for lk in state.load_links(active_only=True)}
    assert (hid, lead_id) in linked and len(linked) == 2
    props = hs_by_email(sb, "sean.d'arcy@globex.com")
    assert (props["firstname"], props["lastname"], props["company"]) == (
        "Seán",
        "D'Arcy",
        "50% off_co",
    )
    assert len(sb.hubspot.all()) == 2 and len(sb.salesforce.all("Lead")) == 2
    _assert_quiet(sb, sync)
