"""Create: new people cross over in both directions; bots and fakes never reach Salesforce."""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e_helpers import SyncFn, hs_by_email, hs_contact, hs_props, sf_by_email, sf_lead

from sandbox import Sandbox


def test_a_new_hubspot_contact_becomes_a_lead(sb: Sandbox, sync: SyncFn) -> None:
    hid = hs_contact(
        sb,
        "olivia.hart@northwind.io",
        firstname="Olivia",
        lastname="Hart",
        jobtitle="VP Operations",
        city="Portland",
        hs_analytics_source="REFERRALS",
        hs_latest_source="EMAIL_MARKETING",
    )

    report = sync()

    (lead,) = sf_by_email(sb, "Lead", "olivia.hart@northwind.io")
    assert lead["Leadsync_HubSpot_Id__c"] == hid
    assert (lead["FirstName"], lead["LastName"]) == ("Olivia", "Hart")
    assert lead["Company"] == "Northwind Traders"
    assert lead["Title"] == "VP Operations"
    assert lead["City"] == "Portland"
    assert lead["LeadSource"] == "Referral"
    assert lead["Latest_Lead_Source__c"] == "Email"
    assert lead["Status"] == "Open - Not Contacted"
    props = hs_props(sb, hid)
    assert props["leadsync_salesforce_id"] == lead["Id"]
    assert props["leadsync_salesforce_type"] == "Lead"
    assert report.created.salesforce == 1
    assert report.created.hubspot == 0
    assert not sf_by_email(sb, "Contact", "olivia.hart@northwind.io")


def test_a_hubspot_contact_without_company_or_last_name_gets_the_required_defaults(
    sb: Sandbox, sync: SyncFn
) -> None:
    hs_contact(sb, "olivia.hart@northwind.io", firstname="Olivia", lastname="", company="")

    sync()

    (lead,) = sf_by_email(sb, "Lead", "olivia.hart@northwind.io")
    assert lead["LastName"] == "[not provided]"
    assert lead["Company"] == "[not provided]"


@pytest.mark.parametrize(
    ("email", "props", "code"),
    [
        pytest.param(
            "ann.lee@northwind.io",
            {"form_honeypot": "http://cheap-pills.biz"},
            "honeypot",
            id="honeypot",
        ),
        pytest.param("ann.lee@mailinator.com", {}, "disposable_email", id="disposable"),
        pytest.param(  # issue 12: signals that agree (two random names, free mail)
            "jhgfdsa88@gmail.com",
            {"firstname": "Jhgfdsa", "lastname": "Qwpoeiru", "company": "", "hs_email_open": "0"},
            "bot",
            id="bot",
        ),
    ],
)
def test_a_fake_sign_up_is_flagged_in_hubspot_and_not_created_in_salesforce(
    sb: Sandbox, sync: SyncFn, email: str, props: dict[str, object], code: str
) -> None:
    fake = hs_contact(sb, email, **{"firstname": "Ann", "lastname": "Lee", **props})
    real = hs_contact(sb, "olivia.hart@northwind.io", firstname="Olivia", lastname="Hart")

    report = sync()

    assert sf_by_email(sb, "Lead", email) == []
    assert sf_by_email(sb, "Contact", email) == []
    flagged = hs_props(sb, fake)  # still there: flagged, not deleted
    assert flagged["leadsync_exclusion"] == code
    assert flagged["leadsync_stage"] == "excluded"
    assert flagged["leadsync_reasons"]
    assert sb.hubspot.all(archived=True) == []
    assert report.excluded == 1
    assert report.created.salesforce == 1  # the real person went on
    assert hs_props(sb, real).get("leadsync_exclusion") in (None, "")


def test_a_grey_zone_sign_up_is_held_for_review_until_allowed(sb: Sandbox, sync: SyncFn) -> None:
    # Issue 12: one strong signal (the same word twice) on free mail is not proof of a bot:
    # the record is held (stage review), kept out of Salesforce, and released by the allow list.
    email = "jamesnof8812@gmail.com"
    held = hs_contact(
        sb, email, firstname="Jamesnof", lastname="Jamesnof", company="", hs_email_open="0"
    )
    sync()
    props = hs_props(sb, held)
    assert props["leadsync_stage"] == "review"
    assert props.get("leadsync_exclusion") in (None, "")
    assert 'first and last name both "Jamesnof"' in props["leadsync_reasons"]
    assert sf_by_email(sb, "Lead", email) == []

    (Path(sb.mappings_dir) / "lists" / "allow_emails.txt").write_text(email + "\n")
    sb.hubspot.update(held, {"jobtitle": "Owner"})  # a change, so the next run reads it
    sync()
    assert hs_props(sb, held)["leadsync_stage"] != "review"
    assert len(sf_by_email(sb, "Lead", email)) == 1


def test_an_excluded_contact_stays_out_on_later_runs(sb: Sandbox, sync: SyncFn) -> None:
    fake = hs_contact(sb, "ann.lee@mailinator.com", firstname="Ann", lastname="Lee")
    sync()
    sb.hubspot.update(fake, {"jobtitle": "CEO"})

    sync()

    assert sf_by_email(sb, "Lead", "ann.lee@mailinator.com") == []
    assert hs_props(sb, fake)["leadsync_exclusion"] == "disposable_email"


def test_a_new_lead_becomes_a_hubspot_contact(sb: Sandbox, sync: SyncFn) -> None:
    lead_id = sf_lead(
        sb,
        "maria.castellano@globex.com",
        Status="Working - Contacted",
        LeadSource="Paid Search",
        City="Austin",
    )

    report = sync()

    props = hs_by_email(sb, "maria.castellano@globex.com")
    assert (props["firstname"], props["lastname"]) == ("Maria", "Castellano")
    assert props["company"] == "Globex Manufacturing"
    assert props["jobtitle"] == "Head of Procurement"
    assert props["city"] == "Austin"
    assert props["hs_lead_status"] == "IN_PROGRESS"
    assert props["leadsync_original_source"] == "PAID_SEARCH"
    assert props["leadsync_salesforce_id"] == lead_id
    assert props["leadsync_salesforce_type"] == "Lead"
    assert report.created.hubspot == 1
    assert report.created.salesforce == 0
    assert len(sb.salesforce.all("Lead")) == 1  # no echo back as a second Lead


def test_a_new_contact_becomes_a_hubspot_contact(sb: Sandbox, sync: SyncFn) -> None:
    account = sb.salesforce.create("Account", {"Name": "Initech"})
    contact_id = sb.salesforce.create(
        "Contact",
        {
            "FirstName": "Li",
            "LastName": "Wei",
            "Email": "li.wei@initech.com",
            "AccountId": account,
            "MailingCity": "Denver",
            "LeadSource": "Webinar",
            "Title": "CTO",
        },
    )

    report = sync()

    props = hs_by_email(sb, "li.wei@initech.com")
    assert props["leadsync_salesforce_id"] == contact_id
    assert props["leadsync_salesforce_type"] == "Contact"
    assert props["city"] == "Denver"
    assert props["jobtitle"] == "CTO"
    assert props["leadsync_original_source"] == "Webinar"  # no HubSpot spelling: kept as-is
    assert report.created.hubspot == 1
    assert sb.salesforce.all("Lead") == []


def test_records_without_email_are_skipped_with_a_reason(sb: Sandbox, sync: SyncFn) -> None:
    sf_lead(sb, None, LastName="Nomail")
    sb.hubspot.create({"firstname": "No", "lastname": "Address", "company": "Acme"})

    report = sync()

    assert report.skipped == 2
    assert report.skipped_reasons and all(report.skipped_reasons.values())
    assert any("email" in reason for reason in report.skipped_reasons)
    assert len(sb.hubspot.all()) == 1  # no contact made for the Lead
    assert len(sb.salesforce.all("Lead")) == 1  # no Lead made for the contact
    assert report.created.to_json() == {"hubspot": 0, "salesforce": 0}
