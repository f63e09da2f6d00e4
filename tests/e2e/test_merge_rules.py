"""Merge: each sync rule of the default mapping, on real records, with conflicts counted."""

from __future__ import annotations

import pytest
from e2e_helpers import SyncFn, hs_contact, hs_props, sf_by_email

from sandbox import Sandbox
from sync.state import StateStore

EMAIL = "olivia.hart@northwind.io"


def _linked(sb: Sandbox, sync: SyncFn, **props: object) -> tuple[str, str]:
    hid = hs_contact(sb, EMAIL, **{"firstname": "Olivia", "lastname": "Hart", **props})
    sync()
    (lead,) = sf_by_email(sb, "Lead", EMAIL)
    return hid, str(lead["Id"])


def _lead(sb: Sandbox, lead_id: str) -> dict[str, object]:
    lead = sb.salesforce.get("Lead", lead_id)
    assert lead is not None
    return lead


def test_a_lone_edit_on_either_side_reaches_the_other(sb: Sandbox, sync: SyncFn) -> None:
    hid, lead_id = _linked(sb, sync)
    sb.hubspot.update(hid, {"jobtitle": "VP Supply Chain"})
    sb.salesforce.update("Lead", lead_id, {"City": "Seattle"})

    report = sync()

    assert _lead(sb, lead_id)["Title"] == "VP Supply Chain"
    assert hs_props(sb, hid)["city"] == "Seattle"
    assert report.conflicts == 0


@pytest.mark.parametrize("newer", ["hubspot", "salesforce"])
def test_two_way_newest_edit_wins_a_conflict(sb: Sandbox, sync: SyncFn, newer: str) -> None:
    hid, lead_id = _linked(sb, sync)
    edits = {
        "hubspot": lambda: sb.hubspot.update(hid, {"jobtitle": "Head of Logistics"}),
        "salesforce": lambda: sb.salesforce.update("Lead", lead_id, {"Title": "COO"}),
    }
    older = "salesforce" if newer == "hubspot" else "hubspot"
    edits[older]()
    sb.ctx.advance(0.05)  # distinct modification times, milliseconds apart at least
    edits[newer]()

    report = sync()

    expected = "Head of Logistics" if newer == "hubspot" else "COO"
    assert _lead(sb, lead_id)["Title"] == expected
    assert hs_props(sb, hid)["jobtitle"] == expected
    assert report.conflicts == 1


def test_lead_status_prefers_salesforce_on_a_conflict(sb: Sandbox, sync: SyncFn) -> None:
    hid, lead_id = _linked(sb, sync)
    sb.salesforce.update("Lead", lead_id, {"Status": "Closed - Not Converted"})
    sb.ctx.advance(0.05)
    sb.hubspot.update(hid, {"hs_lead_status": "CONNECTED"})  # newer, but Salesforce decides

    report = sync()

    assert _lead(sb, lead_id)["Status"] == "Closed - Not Converted"
    assert hs_props(sb, hid)["hs_lead_status"] == "UNQUALIFIED"
    assert report.conflicts == 1


def test_a_lone_hubspot_lead_status_change_maps_to_salesforce(sb: Sandbox, sync: SyncFn) -> None:
    hid, lead_id = _linked(sb, sync)
    sb.hubspot.update(hid, {"hs_lead_status": "ATTEMPTED_TO_CONTACT"})

    sync()

    assert _lead(sb, lead_id)["Status"] == "Working - Contacted"
    # Every HubSpot spelling of the canonical value is left as the user chose it.
    assert hs_props(sb, hid)["hs_lead_status"] == "ATTEMPTED_TO_CONTACT"


def test_the_original_source_is_written_once_then_never_again(sb: Sandbox, sync: SyncFn) -> None:
    hid, lead_id = _linked(sb, sync)  # no source anywhere yet
    assert _lead(sb, lead_id)["LeadSource"] is None
    sb.salesforce.update("Lead", lead_id, {"LeadSource": "Trade Show"})
    sync()
    assert hs_props(sb, hid)["leadsync_original_source"] == "Trade Show"
    sb.salesforce.update("Lead", lead_id, {"LeadSource": "Webinar"})
    sb.hubspot.update(hid, {"hs_latest_source": "PAID_SOCIAL"})

    sync()

    assert hs_props(sb, hid)["leadsync_original_source"] == "Trade Show"
    assert _lead(sb, lead_id)["Latest_Lead_Source__c"] == "Paid Social"


def test_lifecycle_stage_never_moves_backwards(sb: Sandbox, sync: SyncFn) -> None:
    hid, _ = _linked(sb, sync, lifecyclestage="lead")
    assert hs_props(sb, hid)["lifecyclestage"] == "marketingqualifiedlead"  # the rules: mql
    sb.hubspot.update(hid, {"lifecyclestage": "customer"})
    sync()
    assert hs_props(sb, hid)["lifecyclestage"] == "customer"
    sb.hubspot.update(hid, {"lifecyclestage": "subscriber"})

    sync()

    assert hs_props(sb, hid)["lifecyclestage"] == "customer"


def test_the_first_sync_does_not_move_a_lifecycle_stage_backwards(
    sb: Sandbox, sync: SyncFn
) -> None:
    hid, _ = _linked(sb, sync, lifecyclestage="salesqualifiedlead")  # the rules say mql

    assert hs_props(sb, hid)["lifecyclestage"] == "salesqualifiedlead"


def test_lifecycle_stage_may_move_forward_and_to_other(sb: Sandbox, sync: SyncFn) -> None:
    hid, _ = _linked(sb, sync, lifecyclestage="lead")
    sb.hubspot.update(hid, {"lifecyclestage": "opportunity"})
    sync()
    assert hs_props(sb, hid)["lifecyclestage"] == "opportunity"
    sb.hubspot.update(hid, {"lifecyclestage": "other"})  # the declared exception

    sync()

    assert hs_props(sb, hid)["lifecyclestage"] == "other"


def test_blanks_never_erase_values(sb: Sandbox, sync: SyncFn) -> None:
    hid, lead_id = _linked(sb, sync, city="Portland")
    sb.hubspot.update(hid, {"jobtitle": ""})
    sb.salesforce.update("Lead", lead_id, {"City": None})

    report = sync()

    lead = _lead(sb, lead_id)
    assert lead["Title"] == "Director of Operations"
    props = hs_props(sb, hid)
    assert props["city"] == "Portland"
    assert report.dead_letters == 0


def test_one_way_fields_follow_their_source_whatever_the_target_did(
    sb: Sandbox, sync: SyncFn
) -> None:
    hid, lead_id = _linked(sb, sync, hs_latest_source="ORGANIC_SEARCH")
    sb.salesforce.update(
        "Lead",
        lead_id,
        {"Status": "Closed - Not Converted", "Disqualification_Reason__c": "Bad Timing"},
    )
    sync()
    # Each side edits the field the other side owns.
    sb.hubspot.update(hid, {"leadsync_disqualification_reason": "Liked us really"})
    sb.salesforce.update("Lead", lead_id, {"Latest_Lead_Source__c": "Carrier Pigeon"})

    sync()

    assert hs_props(sb, hid)["leadsync_disqualification_reason"] == "Bad Timing"
    assert _lead(sb, lead_id)["Latest_Lead_Source__c"] == "Organic Search"


def test_a_conflict_is_recorded_in_the_audit_with_the_rule_that_settled_it(
    sb: Sandbox, sync: SyncFn, state: StateStore
) -> None:
    hid = hs_contact(sb, "conflict@acme-widgets.com", jobtitle="Engineer")
    sync()
    (lead,) = sf_by_email(sb, "Lead", "conflict@acme-widgets.com")
    sb.hubspot.update(hid, {"jobtitle": "Staff Engineer"})
    sb.ctx.advance(0.01)
    sb.salesforce.update("Lead", lead["Id"], {"Title": "Principal Engineer"})

    report = sync()

    assert report.conflicts == 1
    rows = [r.entry for r in state.audit_for(field="title") if r.entry.direction == "none"]
    assert len(rows) == 1
    assert rows[0].new == "Principal Engineer" and rows[0].old == "Staff Engineer"
    assert rows[0].rule == "two_way conflict, salesforce won"
