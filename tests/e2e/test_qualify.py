"""Qualify: the rules' decision is written on both systems and stored, reasons within 255."""

from __future__ import annotations

from datetime import timedelta

from e2e_helpers import SyncFn, hs_by_email, hs_contact, hs_props, sf_by_email, sf_lead

from sandbox import Sandbox
from sync.state import StateStore


def test_the_decision_is_written_on_both_systems_and_stored(
    sb: Sandbox, sync: SyncFn, state: StateStore
) -> None:
    recent = (sb.ctx.now() - timedelta(days=2)).isoformat().replace("+00:00", "Z")
    hid = hs_contact(
        sb,
        "olivia.hart@northwind.io",
        firstname="Olivia",
        lastname="Hart",
        jobtitle="Chief Operating Officer",
        website="northwind.io",
        num_conversion_events="3",
        recent_conversion_date=recent,
        first_conversion_event_name="Request a demo",
        hs_email_click="4",
        hs_email_open="12",
        hs_analytics_num_page_views="25",
    )

    sync()

    props = hs_props(sb, hid)
    (lead,) = sf_by_email(sb, "Lead", "olivia.hart@northwind.io")
    assert props["leadsync_stage"] == lead["Leadsync_Stage__c"] == "sql"
    assert float(props["leadsync_score"]) == lead["Leadsync_Score__c"] >= 70
    assert props["leadsync_reasons"] == lead["Leadsync_Reasons__c"]
    assert "senior title" in props["leadsync_reasons"]
    assert 0 < len(props["leadsync_reasons"]) <= 255
    assert props.get("leadsync_exclusion") in (None, "")
    assert lead["Leadsync_Exclusion__c"] is None
    assert props["lifecyclestage"] == "salesqualifiedlead"
    (decision,) = state.decisions_for(email="olivia.hart@northwind.io")
    assert decision.decision.stage == "sql"
    assert decision.decision.exclusion is None
    assert decision.decision.score == lead["Leadsync_Score__c"]


def test_an_excluded_salesforce_lead_is_flagged_on_both_systems(
    sb: Sandbox, sync: SyncFn, state: StateStore
) -> None:
    lead_id = sf_lead(sb, "spy@rivalcrm.com", FirstName="Sam", LastName="Spier", Company="RivalCRM")

    sync()

    lead = sb.salesforce.get("Lead", lead_id)
    assert lead is not None
    assert lead["Leadsync_Exclusion__c"] == "competitor"
    assert lead["Leadsync_Stage__c"] == "excluded"
    assert "rivalcrm.com" in lead["Leadsync_Reasons__c"]
    (decision,) = state.decisions_for(email="spy@rivalcrm.com")
    assert decision.decision.exclusion == "competitor"


def test_reasons_are_cut_to_255_characters_on_both_systems(
    sb: Sandbox, sync: SyncFn, state: StateStore
) -> None:
    long_name = "Bartholomew-Maximilian Montgomery-Fitzwilliam"
    hs_contact(
        sb,
        "bart.montgomery@northwind-international.com",
        firstname="Bartholomew",
        lastname="Montgomery",
        jobtitle="Senior Vice President and Chief Operating Officer, " + long_name,
        website="northwind-international.com",
        num_conversion_events="2",
        first_conversion_event_name="Contact sales about enterprise pricing and a product demo",
        hs_email_click="3",
        hs_email_open="9",
    )

    sync()

    props = hs_by_email(sb, "bart.montgomery@northwind-international.com")
    (lead,) = sf_by_email(sb, "Lead", "bart.montgomery@northwind-international.com")
    assert len(props["leadsync_reasons"]) <= 255
    assert len(lead["Leadsync_Reasons__c"]) <= 255
    assert props["leadsync_reasons"] == lead["Leadsync_Reasons__c"]
    (row,) = state.decisions_for(email="bart.montgomery@northwind-international.com")
    assert sum(len(r.why) for r in row.decision.reasons) > 255  # so there was something to cut


def test_a_changed_score_is_rewritten_on_both_systems(sb: Sandbox, sync: SyncFn) -> None:
    hid = hs_contact(sb, "olivia.hart@northwind.io", jobtitle="Analyst", phone="")
    sync()
    before = float(hs_props(sb, hid)["leadsync_score"])
    sb.hubspot.update(hid, {"jobtitle": "Founder & CEO"})

    sync()

    props = hs_props(sb, hid)
    (lead,) = sf_by_email(sb, "Lead", "olivia.hart@northwind.io")
    assert float(props["leadsync_score"]) == before + 25
    assert lead["Leadsync_Score__c"] == before + 25
    assert "Founder & CEO" in lead["Leadsync_Reasons__c"]
