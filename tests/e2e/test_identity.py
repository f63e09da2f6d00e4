"""Identity: stored links, email matching, duplicates, conversion, merges, deletions, archives."""

from __future__ import annotations

from datetime import timedelta

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


def _active_links(state: StateStore) -> list[tuple[str | None, str | None, str | None]]:
    return sorted(
        (lk.hubspot_id, lk.salesforce_id, lk.salesforce_type)
        for lk in state.load_links(active_only=True)
    )


def test_records_with_one_email_in_different_case_are_linked(
    sb: Sandbox, sync: SyncFn, state: StateStore
) -> None:
    hid = hs_contact(sb, EMAIL)
    lead_id = sf_lead(sb, "Olivia.Hart@NorthWind.IO")

    report = sync()

    assert report.created.to_json() == {"hubspot": 0, "salesforce": 0}
    assert hs_props(sb, hid)["leadsync_salesforce_id"] == lead_id
    assert _active_links(state) == [(hid, lead_id, "Lead")]
    assert len(sb.hubspot.all()) == 1 and len(sb.salesforce.all("Lead")) == 1


def test_records_with_one_email_padded_with_whitespace_are_linked(
    sb: Sandbox, sync: SyncFn, state: StateStore
) -> None:
    lead_id = sf_lead(sb, EMAIL)
    hid = hs_contact(sb, "  Olivia.Hart@northwind.io ")

    report = sync()

    assert report.created.to_json() == {"hubspot": 0, "salesforce": 0}
    assert _active_links(state) == [(hid, lead_id, "Lead")]


def test_a_stored_link_wins_over_a_changed_email(
    sb: Sandbox, sync: SyncFn, state: StateStore
) -> None:
    hid = hs_contact(sb, EMAIL)
    sync()
    (lead,) = sf_by_email(sb, "Lead", EMAIL)
    sb.hubspot.update(hid, {"email": "olivia@hart-consulting.com"})

    report = sync()

    assert report.created.to_json() == {"hubspot": 0, "salesforce": 0}
    (moved,) = sb.salesforce.all("Lead")
    assert moved["Id"] == lead["Id"]
    assert moved["Email"] == "olivia@hart-consulting.com"
    assert _active_links(state) == [(hid, lead["Id"], "Lead")]


def test_a_contact_is_linked_over_a_lead_and_the_lead_is_reported(
    sb: Sandbox, sync: SyncFn, state: StateStore
) -> None:
    account = sb.salesforce.create("Account", {"Name": "Northwind Traders"})
    contact_id = sb.salesforce.create(
        "Contact", {"FirstName": "Olivia", "LastName": "Hart", "Email": EMAIL, "AccountId": account}
    )
    lead_id = sf_lead(sb, EMAIL, FirstName="Olivia", LastName="Hart")  # newer, but a Lead
    hid = hs_contact(sb, EMAIL)

    report = sync()

    assert report.duplicates == 1
    (dup,) = report.duplicate_records
    assert dup["record_id"] == lead_id and dup["kept_id"] == contact_id
    assert dup["system"] == "salesforce" and dup["object_type"] == "Lead" and dup["reason"]
    assert hs_props(sb, hid)["leadsync_salesforce_id"] == contact_id
    assert hs_props(sb, hid)["leadsync_salesforce_type"] == "Contact"
    assert _active_links(state) == [(hid, contact_id, "Contact")]
    assert len(sb.hubspot.all()) == 1
    lead = sb.salesforce.get("Lead", lead_id)
    assert lead is not None and lead["Leadsync_HubSpot_Id__c"] is None


def test_of_duplicate_leads_the_most_recently_modified_is_linked(
    sb: Sandbox, sync: SyncFn, state: StateStore
) -> None:
    old = sb.ctx.now() - timedelta(days=3)
    first = sf_lead(sb, EMAIL, LastName="Hart")
    second = sf_lead(sb, EMAIL.upper(), LastName="Hart-Lewis")
    sb.salesforce.update("Lead", second, {"Title": "CFO"}, when=old)
    sb.salesforce.update("Lead", first, {"Title": "COO"})  # the latest edit

    report = sync()

    assert report.duplicates == 1
    props = hs_by_email(sb, EMAIL)
    assert props["leadsync_salesforce_id"] == first
    assert props["jobtitle"] == "COO"
    assert len(sb.hubspot.all()) == 1
    assert [lk[1] for lk in _active_links(state)] == [first]


def test_a_conversion_repoints_the_link_to_the_contact(
    sb: Sandbox, sync: SyncFn, state: StateStore
) -> None:
    hid = hs_contact(sb, EMAIL)
    sync()
    (lead,) = sf_by_email(sb, "Lead", EMAIL)
    contact_id = sb.convert_lead(lead["Id"])["contact_id"]

    report = sync()

    assert _active_links(state) == [(hid, contact_id, "Contact")]
    assert report.duplicates == 0
    assert report.created.to_json() == {"hubspot": 0, "salesforce": 0}


def test_a_hubspot_merge_repoints_the_absorbed_ids_link(
    sb: Sandbox, sync: SyncFn, state: StateStore
) -> None:
    absorbed = hs_contact(sb, EMAIL)
    survivor = sb.hubspot.create({"firstname": "Olivia", "lastname": "Hart"})  # no email yet
    sync()
    (lead,) = sf_by_email(sb, "Lead", EMAIL)
    assert sb.hubspot.merge(survivor, absorbed) == survivor

    report = sync()

    assert _active_links(state) == [(survivor, lead["Id"], "Lead")]
    assert report.created.to_json() == {"hubspot": 0, "salesforce": 0}
    assert report.dead_letters == 0
    assert hs_props(sb, survivor)["leadsync_salesforce_id"] == lead["Id"]

    sb.hubspot.update(survivor, {"jobtitle": "Chief Revenue Officer"})
    sync()
    edited = sb.salesforce.get("Lead", lead["Id"])
    assert edited is not None and edited["Title"] == "Chief Revenue Officer"


def test_a_merge_of_two_linked_contacts_keeps_one_link(
    sb: Sandbox, sync: SyncFn, state: StateStore
) -> None:
    survivor = hs_contact(sb, EMAIL)
    absorbed = hs_contact(sb, "o.hart@northwind.io", firstname="Olivia", lastname="Hart")
    sync()
    assert len(sb.salesforce.all("Lead")) == 2
    sb.hubspot.merge(survivor, absorbed)

    report = sync()

    links = _active_links(state)
    assert [lk[0] for lk in links] == [survivor]
    assert report.duplicates == 1  # the other Lead is reported, not linked twice
    assert report.dead_letters == 0
    assert report.created.to_json() == {"hubspot": 0, "salesforce": 0}
    assert len(sb.hubspot.all()) == 1


def test_a_lead_deleted_in_salesforce_is_marked_in_hubspot_not_deleted(
    sb: Sandbox, sync: SyncFn, state: StateStore
) -> None:
    lead_id = sf_lead(sb, EMAIL)
    sync()
    hid = sb.hubspot.find_by_email(EMAIL)
    assert hid is not None
    sb.salesforce.delete("Lead", lead_id)

    report = sync()

    props = hs_props(sb, hid)
    assert props["leadsync_deleted_in_salesforce"] == "true"
    assert sb.hubspot.all(archived=True) == []
    assert _active_links(state) == []
    assert report.created.salesforce == 0  # the deleted Lead is not re-created
    assert report.dead_letters == 0
    assert sb.salesforce.all("Lead") == []


def test_a_lead_deleted_in_salesforce_is_not_re_created_later(sb: Sandbox, sync: SyncFn) -> None:
    lead_id = sf_lead(sb, EMAIL)
    sync()
    sb.salesforce.delete("Lead", lead_id)
    sync()
    sb.reset_api_calls()

    report = sync()

    assert sb.salesforce.all("Lead") == []
    assert report.created.to_json() == {"hubspot": 0, "salesforce": 0}
    assert write_calls(sb) == {}


def test_a_lead_created_by_the_sync_and_deleted_is_marked_in_hubspot(
    sb: Sandbox, sync: SyncFn, state: StateStore
) -> None:
    hid = hs_contact(sb, EMAIL)
    sync()  # creates the Lead: Salesforce had no Lead before this run
    (lead,) = sf_by_email(sb, "Lead", EMAIL)
    sb.salesforce.delete("Lead", lead["Id"])

    report = sync()

    assert hs_props(sb, hid).get("leadsync_deleted_in_salesforce") == "true"
    assert _active_links(state) == []
    assert report.dead_letters == 0


def test_a_contact_archived_in_hubspot_leaves_the_lead_alone(
    sb: Sandbox, sync: SyncFn, state: StateStore
) -> None:
    hid = hs_contact(sb, EMAIL)
    sync()
    (lead,) = sf_by_email(sb, "Lead", EMAIL)
    sb.hubspot.archive(hid)

    report = sync()

    assert sb.salesforce.get("Lead", lead["Id"]) is not None
    assert sb.salesforce.all("Lead")[0]["IsDeleted"] is False
    assert report.created.to_json() == {"hubspot": 0, "salesforce": 0}
    assert sb.hubspot.all() == []  # not resurrected as a new contact
    assert _active_links(state) == []
    assert report.dead_letters == 0
    marked = sb.salesforce.get("Lead", lead["Id"])
    assert marked is not None and marked["Leadsync_HubSpot_Archived__c"] is True

    sb.salesforce.update("Lead", lead["Id"], {"Title": "CEO"})  # a rep keeps working it
    later = sync()

    assert sb.hubspot.all() == []
    assert later.created.to_json() == {"hubspot": 0, "salesforce": 0}
    assert later.skipped == 1 and later.skipped_reasons
