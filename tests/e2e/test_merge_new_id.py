"""HubSpot merges whose survivor gets a brand-new id: the link follows it, nothing duplicates."""

from __future__ import annotations

from e2e_helpers import SyncFn, hs_contact, hs_props, sf_by_email, write_calls
from hubspot.crm.contacts import PublicMergeInput

from sandbox import Sandbox
from sync.state import StateStore

EMAIL = "olivia.hart@northwind.io"


def _active_links(state: StateStore) -> list[tuple[str | None, str | None, str | None]]:
    return sorted(
        (lk.hubspot_id, lk.salesforce_id, lk.salesforce_type)
        for lk in state.load_links(active_only=True)
    )


def test_a_merge_into_a_new_id_repoints_the_link_to_it(
    sb: Sandbox, sync: SyncFn, state: StateStore
) -> None:
    linked = hs_contact(sb, EMAIL)
    other = sb.hubspot.create({"firstname": "Olivia", "lastname": "Hart"})  # no email: unlinked
    sync()
    (lead,) = sf_by_email(sb, "Lead", EMAIL)

    new = sb.hubspot.merge(other, linked, new_id=True)

    assert new not in (linked, other)
    merged = hs_props(sb, new)
    assert set(merged["hs_merged_object_ids"].split(";")) == {linked, other}
    assert sb.hubspot.get(linked)["id"] == new  # type: ignore[index]  # old ids answer it
    report = sync()
    assert _active_links(state) == [(new, lead["Id"], "Lead")]
    assert report.created.to_json() == {"hubspot": 0, "salesforce": 0}
    assert report.dead_letters == 0 and report.duplicates == 0
    assert hs_props(sb, new)["leadsync_salesforce_id"] == lead["Id"]
    assert len(sb.hubspot.all()) == 1 and len(sb.salesforce.all("Lead")) == 1

    sb.hubspot.update(new, {"jobtitle": "Chief Revenue Officer"})
    sync()
    edited = sb.salesforce.get("Lead", lead["Id"])
    assert edited is not None and edited["Title"] == "Chief Revenue Officer"
    sb.reset_api_calls()
    quiet = sync()
    assert write_calls(sb) == {}
    assert quiet.created.to_json() == {"hubspot": 0, "salesforce": 0}
    assert len(sb.salesforce.all("Lead")) == 1


def test_a_merge_of_two_linked_contacts_into_a_new_id_keeps_one_link(
    sb: Sandbox, sync: SyncFn, state: StateStore
) -> None:
    first = hs_contact(sb, EMAIL)
    second = hs_contact(sb, "o.hart@northwind.io", firstname="Olivia", lastname="Hart")
    sync()
    assert len(sb.salesforce.all("Lead")) == 2

    new = sb.hubspot.merge(first, second, new_id=True)
    report = sync()

    links = _active_links(state)
    assert [lk[0] for lk in links] == [new]
    assert report.duplicates == 1  # the other Lead is reported, not linked twice
    assert report.dead_letters == 0
    assert report.created.to_json() == {"hubspot": 0, "salesforce": 0}
    assert len(sb.hubspot.all()) == 1 and len(sb.salesforce.all("Lead")) == 2
    sb.reset_api_calls()
    sync()
    assert write_calls(sb) == {}


def test_the_merge_endpoint_answers_the_new_id_at_the_configured_rate(sb: Sandbox) -> None:
    sb.set_faults(hubspot_merge_new_id_rate=1.0)
    a = hs_contact(sb, EMAIL)
    b = hs_contact(sb, "o.hart@northwind.io")
    survivor = sb.hubspot_client().crm.contacts.basic_api.merge(
        PublicMergeInput(primary_object_id=a, object_id_to_merge=b)
    )
    assert survivor.id not in (a, b)
    assert set(survivor.properties["hs_merged_object_ids"].split(";")) == {a, b}
