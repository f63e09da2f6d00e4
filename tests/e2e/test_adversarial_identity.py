"""Adversarial identity and feedback scenarios: conversions, opportunities, archives, merges."""

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


def _active(state: StateStore) -> list[tuple[str | None, str | None, str | None]]:
    return sorted(
        (lk.hubspot_id, lk.salesforce_id, lk.salesforce_type)
        for lk in state.load_links(active_only=True)
    )


def test_a_conversion_without_opportunity_reaches_hubspot_and_settles(
    sb: Sandbox, sync: SyncFn, state: StateStore
) -> None:
    hid = hs_contact(sb, EMAIL)
    sync()
    (lead,) = sf_by_email(sb, "Lead", EMAIL)
    contact_id = sb.convert_lead(lead["Id"], opportunity=False)["contact_id"]

    report = sync()

    assert report.status == "ok" and report.dead_letters == 0
    props = hs_props(sb, hid)
    assert props["leadsync_converted"] in (True, "true")
    assert props["leadsync_salesforce_id"] == contact_id
    assert props["leadsync_salesforce_type"] == "Contact"
    assert props["hs_lead_status"] == "OPEN_DEAL"
    assert not props.get("leadsync_opportunity_status")
    assert _active(state) == [(hid, contact_id, "Contact")]
    _assert_quiet(sb, sync)


def test_a_lost_opportunity_reopened_reaches_hubspot(sb: Sandbox, sync: SyncFn) -> None:
    hid = hs_contact(sb, EMAIL)
    sync()
    (lead,) = sf_by_email(sb, "Lead", EMAIL)
    opp_id = sb.convert_lead(lead["Id"])["opportunity_id"]
    assert opp_id is not None
    sb.salesforce.update("Opportunity", opp_id, {"StageName": "Closed Lost"})
    sync()
    assert hs_props(sb, hid)["leadsync_opportunity_status"] == "lost"

    sb.salesforce.update("Opportunity", opp_id, {"StageName": "Negotiation/Review", "Amount": 5000})
    sync()

    props = hs_props(sb, hid)
    assert props["leadsync_opportunity_status"] == "open"
    assert props["leadsync_opportunity_stage"] == "Negotiation/Review"
    assert float(props["leadsync_opportunity_amount"]) == 5000
    _assert_quiet(sb, sync)


def test_a_lead_converted_into_an_existing_linked_contact_keeps_one_person(
    sb: Sandbox, sync: SyncFn, state: StateStore
) -> None:
    account = sb.salesforce.create("Account", {"Name": "Northwind Traders"})
    contact_id = sb.salesforce.create(
        "Contact",
        {"FirstName": "Olivia", "LastName": "Hart", "Email": EMAIL, "AccountId": account},
    )
    lead_id = sf_lead(sb, "o.hart@northwind-mail.com", FirstName="Olivia", LastName="Hart")
    sync()
    contact_hid = sb.hubspot.find_by_email(EMAIL)
    lead_hid = sb.hubspot.find_by_email("o.hart@northwind-mail.com")
    assert contact_hid and lead_hid and contact_hid != lead_hid
    # A rep converts the Lead into the existing Contact (merge into an existing record).
    sb.salesforce.update(
        "Lead",
        lead_id,
        {
            "IsConverted": True,
            "ConvertedContactId": contact_id,
            "ConvertedAccountId": account,
            "Status": "Closed - Converted",
        },
        validate=False,
    )

    report = sync()

    assert report.status == "ok", report.to_json()
    links = _active(state)
    # The Contact stays linked to its own HubSpot contact; only one active link holds it.
    assert [lk for lk in links if lk[1] == contact_id] == [(contact_hid, contact_id, "Contact")]
    assert hs_props(sb, lead_hid)["leadsync_converted"] in (True, "true")
    assert len(sb.salesforce.all("Contact")) == 1
    _assert_quiet(sb, sync)


def test_an_archived_contact_recreated_with_the_same_email_relinks_the_lead(
    sb: Sandbox, sync: SyncFn, state: StateStore
) -> None:
    old = hs_contact(sb, EMAIL)
    sync()
    (lead,) = sf_by_email(sb, "Lead", EMAIL)
    sb.hubspot.archive(old)
    sync()

    new = hs_contact(sb, EMAIL, jobtitle="VP Operations")
    report = sync()

    assert report.created.salesforce == 0
    assert len(sb.salesforce.all("Lead")) == 1
    assert _active(state) == [(new, lead["Id"], "Lead")]
    fresh = sb.salesforce.get("Lead", lead["Id"])
    # A new link's first meeting of two differing values goes to Salesforce, by rule rather
    # than by time (a resumed first sync must settle like an uninterrupted one).
    assert fresh is not None and fresh["Title"] == lead["Title"]
    assert hs_props(sb, new)["jobtitle"] == lead["Title"]
    assert not fresh["Leadsync_HubSpot_Archived__c"]  # its HubSpot person is back
    assert hs_props(sb, new)["leadsync_salesforce_id"] == lead["Id"]
    _assert_quiet(sb, sync)


def test_a_hubspot_merge_of_an_excluded_and_a_real_contact(
    sb: Sandbox, sync: SyncFn, state: StateStore
) -> None:
    real = hs_contact(sb, EMAIL)
    junk = hs_contact(sb, "olivia.hart@mailinator.com")
    sync()
    assert len(sb.salesforce.all("Lead")) == 1
    assert hs_props(sb, junk)["leadsync_exclusion"]

    assert sb.hubspot.merge(real, junk) == real
    report = sync()

    assert report.status == "ok" and report.dead_letters == 0
    assert len(sb.salesforce.all("Lead")) == 1
    (lead,) = sf_by_email(sb, "Lead", EMAIL)
    assert _active(state) == [(real, lead["Id"], "Lead")]
    assert not hs_props(sb, real).get("leadsync_exclusion")
    _assert_quiet(sb, sync)


def test_a_hubspot_merge_where_the_junk_contact_survives(
    sb: Sandbox, sync: SyncFn, state: StateStore
) -> None:
    real = hs_contact(sb, EMAIL)
    junk = hs_contact(sb, "olivia.hart@mailinator.com")
    sync()
    (lead,) = sf_by_email(sb, "Lead", EMAIL)

    assert sb.hubspot.merge(junk, real) == junk
    report = sync()

    assert report.status == "ok" and report.dead_letters == 0
    assert len(sb.salesforce.all("Lead")) == 1
    assert _active(state) == [(junk, lead["Id"], "Lead")]
    _assert_quiet(sb, sync)


def test_linked_records_with_different_emails_stay_linked_and_settle(
    sb: Sandbox, sync: SyncFn, state: StateStore
) -> None:
    hid = hs_contact(sb, EMAIL)
    sync()
    (lead,) = sf_by_email(sb, "Lead", EMAIL)
    # Each side changes the email to something different in the same run.
    sb.salesforce.update("Lead", lead["Id"], {"Email": "olivia@hart.example.com"})
    sb.ctx.advance(0.05)  # HubSpot's edit is the newer one (a tie goes to Salesforce)
    sb.hubspot.update(hid, {"email": "o.hart@northwind.io"})

    report = sync()

    assert report.created.to_json() == {"hubspot": 0, "salesforce": 0}
    assert _active(state) == [(hid, lead["Id"], "Lead")]
    fresh = sb.salesforce.get("Lead", lead["Id"])
    assert fresh is not None
    assert fresh["Email"] == hs_props(sb, hid)["email"] == "o.hart@northwind.io"
    _assert_quiet(sb, sync)


def test_two_opportunities_the_won_one_makes_a_customer(sb: Sandbox, sync: SyncFn) -> None:
    hid = hs_contact(sb, EMAIL)
    sync()
    (lead,) = sf_by_email(sb, "Lead", EMAIL)
    conv = sb.convert_lead(lead["Id"])
    assert conv["opportunity_id"]
    sb.salesforce.update(
        "Opportunity", conv["opportunity_id"], {"StageName": "Closed Won", "Amount": 12000}
    )
    sync()
    assert hs_props(sb, hid)["lifecyclestage"] == "customer"
    sb.salesforce.create(
        "Opportunity",
        {
            "Name": "Upsell",
            "StageName": "Prospecting",
            "CloseDate": "2030-01-01",
            "AccountId": conv["account_id"],
            "ContactId": conv["contact_id"],
            "Amount": 3000,
        },
    )

    sync()

    props = hs_props(sb, hid)
    assert props["lifecyclestage"] == "customer"  # never moves back
    _assert_quiet(sb, sync)


def test_a_lead_without_email_linked_from_hubspot_by_id_is_not_duplicated(
    sb: Sandbox, sync: SyncFn
) -> None:
    hid = hs_contact(sb, EMAIL)
    sync()
    (lead,) = sf_by_email(sb, "Lead", EMAIL)
    sb.salesforce.update("Lead", lead["Id"], {"Email": None})

    report = sync()

    assert report.created.to_json() == {"hubspot": 0, "salesforce": 0}
    assert hs_props(sb, hid)["email"] == EMAIL  # a blank never erases
    assert len(sb.hubspot.all()) == 1 and len(sb.salesforce.all("Lead")) == 1
    _assert_quiet(sb, sync)
    assert hs_by_email(sb, EMAIL)["leadsync_salesforce_id"] == lead["Id"]


def test_a_lead_matching_a_contact_the_index_has_not_seen_makes_no_duplicate(
    sb: Sandbox, sync: SyncFn, state: StateStore
) -> None:
    sync()  # cursors exist: the next run reads HubSpot through the lagging search
    sb.set_faults(hubspot_index_delay_s=3)
    hid = hs_contact(sb, EMAIL, jobtitle="CFO")
    lead_id = sf_lead(sb, EMAIL, Title="CFO")

    sync()
    sb.set_faults(hubspot_index_delay_s=0)
    sb.ctx.advance(0.1)
    sync()

    assert len(sb.hubspot.all()) == 1 and len(sb.salesforce.all("Lead")) == 1
    assert _active(state) == [(hid, lead_id, "Lead")]
    _assert_quiet(sb, sync)


def test_a_won_deal_never_pulls_an_evangelist_back_to_customer(sb: Sandbox, sync: SyncFn) -> None:
    hid = hs_contact(sb, EMAIL, lifecyclestage="evangelist")
    sync()
    (lead,) = sf_by_email(sb, "Lead", EMAIL)
    opp = sb.convert_lead(lead["Id"])["opportunity_id"]
    assert opp
    sb.salesforce.update("Opportunity", opp, {"StageName": "Closed Won"})

    sync()

    assert hs_props(sb, hid)["lifecyclestage"] == "evangelist"
    assert hs_props(sb, hid)["leadsync_opportunity_status"] == "won"
    _assert_quiet(sb, sync)


def test_a_requalified_lead_reaches_hubspot(sb: Sandbox, sync: SyncFn) -> None:
    hid = hs_contact(sb, EMAIL)
    sync()
    (lead,) = sf_by_email(sb, "Lead", EMAIL)
    sb.salesforce.update(
        "Lead",
        lead["Id"],
        {"Status": "Closed - Not Converted", "Disqualification_Reason__c": "Bad Timing"},
    )
    sync()
    assert hs_props(sb, hid)["hs_lead_status"] == "UNQUALIFIED"

    sb.salesforce.update("Lead", lead["Id"], {"Status": "Working - Contacted"})
    sync()

    props = hs_props(sb, hid)
    assert props["hs_lead_status"] == "IN_PROGRESS"
    _assert_quiet(sb, sync)


def test_a_lead_created_later_for_an_excluded_contact_joins_it(
    sb: Sandbox, sync: SyncFn, state: StateStore
) -> None:
    hid = hs_contact(sb, EMAIL, form_honeypot="http://cheap-pills.biz")
    sync()
    assert sb.salesforce.all("Lead") == []

    lead_id = sf_lead(sb, EMAIL)
    report = sync()

    assert report.created.hubspot == 0 and len(sb.hubspot.all()) == 1
    assert _active(state) == [(hid, lead_id, "Lead")]
    lead = sb.salesforce.get("Lead", lead_id)
    assert lead is not None and lead["Leadsync_Exclusion__c"] == "honeypot"
    _assert_quiet(sb, sync)


def test_a_lead_converted_before_its_first_sync_makes_one_customer(
    sb: Sandbox, sync: SyncFn, state: StateStore
) -> None:
    lead_id = sf_lead(sb, EMAIL, FirstName="Olivia", LastName="Hart", LeadSource="Webinar")
    conv = sb.convert_lead(lead_id)
    assert conv["opportunity_id"] and conv["contact_id"]
    sb.salesforce.update("Opportunity", conv["opportunity_id"], {"StageName": "Closed Won"})

    report = sync()

    assert report.created.hubspot == 1 and len(sb.hubspot.all()) == 1, report.to_json()
    props = hs_by_email(sb, EMAIL)
    assert props["leadsync_salesforce_id"] == conv["contact_id"]
    assert props["leadsync_converted"] in (True, "true")
    assert props["leadsync_original_source"] == "Webinar"
    assert props["lifecyclestage"] == "customer"
    assert [lk[1] for lk in _active(state)] == [conv["contact_id"]]
    _assert_quiet(sb, sync)


def test_a_deleted_lead_re_entered_by_a_rep_relinks_the_contact(
    sb: Sandbox, sync: SyncFn, state: StateStore
) -> None:
    hid = hs_contact(sb, EMAIL)
    sync()
    (lead,) = sf_by_email(sb, "Lead", EMAIL)
    sb.salesforce.delete("Lead", lead["Id"])
    sync()
    assert hs_props(sb, hid)["leadsync_deleted_in_salesforce"] in (True, "true")

    new_lead = sf_lead(sb, EMAIL, Title="VP Operations")
    report = sync()

    assert report.created.hubspot == 0 and len(sb.hubspot.all()) == 1
    assert _active(state) == [(hid, new_lead, "Lead")]
    props = hs_props(sb, hid)
    assert props["leadsync_salesforce_id"] == new_lead
    assert props["leadsync_deleted_in_salesforce"] in (False, "false", "", None)
    _assert_quiet(sb, sync)
