"""No ping-pong: messy values, index lag and feedback settle after one run; the next is quiet."""

from __future__ import annotations

from e2e_helpers import SyncFn, hs_by_email, hs_contact, hs_props, sf_by_email, sf_lead, write_calls

from sandbox import Sandbox


def _quiet(sb: Sandbox, sync: SyncFn) -> None:
    sb.reset_api_calls()
    report = sync()
    assert write_calls(sb) == {}, report.to_json()
    assert report.updated.to_json() == {"hubspot": 0, "salesforce": 0}
    assert report.created.to_json() == {"hubspot": 0, "salesforce": 0}


def test_messy_values_settle_in_one_run(sb: Sandbox, sync: SyncFn) -> None:
    hid = hs_contact(
        sb,
        "Olivia.Hart@Northwind.io",
        firstname="  Olivia ",
        lastname="Hart  ",
        phone="(415) 555-0142",
        website="https://www.northwind.io/about",
        city=" Portland",
    )
    sf_lead(
        sb,
        "MARIA.castellano@globex.com",
        Phone="415.555.0199",
        Website="http://globex.com/",
        FirstName="Maria ",
        Country="US",
    )

    sync()

    (lead,) = sf_by_email(sb, "Lead", "olivia.hart@northwind.io")
    assert lead["FirstName"] == "Olivia"
    assert lead["City"] == "Portland"
    assert hs_props(sb, hid)["email"].lower() == "olivia.hart@northwind.io"
    assert hs_by_email(sb, "maria.castellano@globex.com")["firstname"].strip() == "Maria"
    _quiet(sb, sync)


def test_a_converted_and_won_person_is_quiet_afterwards(sb: Sandbox, sync: SyncFn) -> None:
    hs_contact(sb, "olivia.hart@northwind.io", hs_analytics_source="PAID_SEARCH")
    sync()
    (lead,) = sf_by_email(sb, "Lead", "olivia.hart@northwind.io")
    opportunity_id = sb.convert_lead(lead["Id"])["opportunity_id"]
    assert opportunity_id
    sync()
    sb.salesforce.update("Opportunity", opportunity_id, {"StageName": "Closed Won", "Amount": 10})
    sync()

    _quiet(sb, sync)


def test_a_disqualified_lead_is_quiet_afterwards(sb: Sandbox, sync: SyncFn) -> None:
    lead_id = sf_lead(sb, "maria.castellano@globex.com")
    sync()
    sb.salesforce.update(
        "Lead",
        lead_id,
        {"Status": "Closed - Not Converted", "Disqualification_Reason__c": "No Need"},
    )
    sync()

    _quiet(sb, sync)


def test_an_edit_in_the_same_run_as_the_conversion_goes_to_the_contact(
    sb: Sandbox, sync: SyncFn
) -> None:
    hid = hs_contact(sb, "olivia.hart@northwind.io")
    sync()
    (lead,) = sf_by_email(sb, "Lead", "olivia.hart@northwind.io")
    contact_id = sb.convert_lead(lead["Id"])["contact_id"]
    assert contact_id
    sb.hubspot.update(hid, {"jobtitle": "Chief Executive Officer"})

    report = sync()

    contact = sb.salesforce.get("Contact", contact_id)
    assert contact is not None and contact["Title"] == "Chief Executive Officer"
    assert report.dead_letters == 0
    assert hs_props(sb, hid)["leadsync_salesforce_id"] == contact_id
    _quiet(sb, sync)


def test_a_hubspot_edit_the_search_index_has_not_seen_yet_arrives_on_the_next_run(
    sb: Sandbox, sync: SyncFn
) -> None:
    hid = hs_contact(sb, "olivia.hart@northwind.io")
    sync()
    sb.set_faults(hubspot_index_delay_s=1.0)
    sb.hubspot.update(hid, {"jobtitle": "VP Revenue"})
    sync()  # may or may not see it: the index lags

    sb.ctx.advance(1.1)  # the index catches up on the sandbox clock
    sync()

    (lead,) = sf_by_email(sb, "Lead", "olivia.hart@northwind.io")
    assert lead["Title"] == "VP Revenue"


def test_a_new_sign_up_the_index_has_not_seen_yet_is_created_on_the_next_run(
    sb: Sandbox, sync: SyncFn
) -> None:
    hs_contact(sb, "olivia.hart@northwind.io")
    sync()
    sb.set_faults(hubspot_index_delay_s=1.0)
    hs_contact(sb, "raj.patel@contoso.com", firstname="Raj", lastname="Patel")
    sync()

    sb.ctx.advance(1.1)  # the index catches up on the sandbox clock
    sync()

    assert sf_by_email(sb, "Lead", "raj.patel@contoso.com")
    assert len(sb.salesforce.all("Lead")) == 2
