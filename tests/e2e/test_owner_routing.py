"""Leads reach the right rep: assignment rules on create, owners synced both ways, the hand-off.

Everything runs through the real clients against the sandbox, by ``leadsync sync`` (the CLI)
or the runner the CLI calls.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from e2e_helpers import hs_contact, settings_for, sql_activity
from typer.testing import CliRunner

from sandbox import Sandbox
from sandbox.org_people import add_assignment_rule, queue_id, rep, user_id
from sandbox.salesforce.assignment import RuleEntry
from sync.cli import app
from sync.runner import run_sync
from sync.settings import Settings

GERMAN = "klara.schmidt@bergbau-werke.example"


def _routing(sb: Sandbox) -> str:
    """A rule routing Germany to Anna and the United States to Luis, the rest to the queue."""
    sf = sb.salesforce
    return add_assignment_rule(
        sf,
        "Lead Routing",
        [
            RuleEntry(user_id(sf, rep("Anna").email), "Country", ("Germany", "Deutschland")),
            RuleEntry(user_id(sf, rep("Luis").email), "Country", ("United States", "USA")),
        ],
        default_owner=queue_id(sf),
    )


def _lead(sb: Sandbox, email: str) -> dict[str, object]:
    leads = [r for r in sb.salesforce.all("Lead") if str(r["Email"]).lower() == email]
    assert len(leads) == 1, leads
    return leads[0]


def _hs_owner(sb: Sandbox, contact_id: str) -> object:
    contact = sb.hubspot.get(contact_id)
    assert contact is not None
    props = contact["properties"]
    assert isinstance(props, dict)
    return props.get("hubspot_owner_id")


def _cli_sync(sb: Sandbox, settings: Settings, **env: str) -> dict[str, object]:
    full_env = {**sb.env(), "LEADSYNC_STATE_URL": settings.state_url, **env}
    result = CliRunner().invoke(app, ["sync", "--json"], env=full_env)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output[result.output.index("{") :])
    assert isinstance(report, dict)
    return report


def test_a_german_signup_is_owned_by_the_rep_the_rule_names(sb: Sandbox, tmp_path: Path) -> None:
    _routing(sb)
    settings = settings_for(sb, tmp_path, salesforce_assignment_rule="Lead Routing")
    contact = hs_contact(sb, GERMAN, country="Germany", company="Bergbau Werke GmbH")
    us = hs_contact(sb, "dana.reyes@lakeshore-freight.example", country="United States")
    elsewhere = hs_contact(sb, "ines.moreau@atelier-lumiere.example", country="France")

    first = _cli_sync(sb, settings, LEADSYNC_SALESFORCE_ASSIGNMENT_RULE="Lead Routing")
    assert first["status"] == "ok"
    anna = user_id(sb.salesforce, rep("Anna").email)
    assert _lead(sb, GERMAN)["OwnerId"] == anna
    assert _lead(sb, "dana.reyes@lakeshore-freight.example")["OwnerId"] == user_id(
        sb.salesforce, rep("Luis").email
    )
    # No entry matched: the rule's default owner, the queue (a Lead without a rep yet).
    assert _lead(sb, "ines.moreau@atelier-lumiere.example")["OwnerId"] == queue_id(sb.salesforce)

    sb.ctx.advance(120)
    _cli_sync(sb, settings, LEADSYNC_SALESFORCE_ASSIGNMENT_RULE="Lead Routing")
    assert _hs_owner(sb, contact) == sb.hubspot.owners.id_for(rep("Anna").email)
    assert _hs_owner(sb, us) == sb.hubspot.owners.id_for(rep("Luis").email)
    assert _hs_owner(sb, elsewhere) in (None, "")  # a queue is no rep: HubSpot's owner stays

    sb.ctx.advance(120)
    sb.reset_api_calls()
    again = run_sync(settings, clock=sb.ctx.now).report
    assert again.created.to_json() == {"hubspot": 0, "salesforce": 0}
    assert again.updated.to_json() == {"hubspot": 0, "salesforce": 0}


def test_without_the_setting_no_rule_runs(sb: Sandbox, tmp_path: Path) -> None:
    # The REST API applies the active rule when the header is absent: leadsync sends FALSE.
    _routing(sb)
    settings = settings_for(sb, tmp_path)
    hs_contact(sb, GERMAN, country="Germany")
    run_sync(settings, clock=sb.ctx.now)
    assert _lead(sb, GERMAN)["OwnerId"] == user_id(sb.salesforce, "integration@leadsync.example")


def test_an_unknown_rule_name_stops_the_run_with_a_clear_message(
    sb: Sandbox, tmp_path: Path
) -> None:
    _routing(sb)
    settings = settings_for(sb, tmp_path, salesforce_assignment_rule="Lead Rooting")
    hs_contact(sb, GERMAN, country="Germany")
    report = run_sync(settings, clock=sb.ctx.now).report
    assert report.status == "failed"
    assert "Lead Rooting" in report.message
    assert sb.salesforce.all("Lead") == []


def test_a_rep_reassigning_a_lead_moves_the_hubspot_owner(sb: Sandbox, tmp_path: Path) -> None:
    _routing(sb)
    settings = settings_for(sb, tmp_path, salesforce_assignment_rule="active")
    contact = hs_contact(sb, GERMAN, country="Germany")
    run_sync(settings, clock=sb.ctx.now)
    lead_id = str(_lead(sb, GERMAN)["Id"])

    # Anna hands the Lead to Mei in Salesforce, as a person would in the UI.
    sb.ctx.advance(600)
    sb.salesforce.update("Lead", lead_id, {"OwnerId": user_id(sb.salesforce, rep("Mei").email)})
    sb.ctx.advance(60)
    report = run_sync(settings, clock=sb.ctx.now).report
    assert report.status == "ok"
    assert _hs_owner(sb, contact) == sb.hubspot.owners.id_for(rep("Mei").email)
    assert _lead(sb, GERMAN)["OwnerId"] == user_id(sb.salesforce, rep("Mei").email)

    # Then to Jonas, who has no HubSpot user yet: reported, not failed; HubSpot keeps Mei.
    sb.ctx.advance(600)
    sb.salesforce.update("Lead", lead_id, {"OwnerId": user_id(sb.salesforce, rep("Jonas").email)})
    sb.ctx.advance(60)
    report = run_sync(settings, clock=sb.ctx.now).report
    assert report.status == "ok"
    assert report.dead_letters == 0
    assert report.unmatched_owners == [
        {"missing_in": "hubspot", "owner": rep("Jonas").email, "records": 1}
    ]
    assert _hs_owner(sb, contact) == sb.hubspot.owners.id_for(rep("Mei").email)
    assert _lead(sb, GERMAN)["OwnerId"] == user_id(sb.salesforce, rep("Jonas").email)
    env = {**sb.env(), "LEADSYNC_STATE_URL": settings.state_url}
    status = CliRunner().invoke(app, ["status", "--json"], env=env)
    last = json.loads(status.output)["runs"][0]
    assert last["status"] == "ok"
    assert last["stats"]["unmatched_owners"] == report.unmatched_owners


@pytest.mark.parametrize("first_name", ["Sam", "Priya"])
def test_a_hubspot_owner_fills_a_queued_lead_but_not_a_reps(
    sb: Sandbox, tmp_path: Path, first_name: str
) -> None:
    _routing(sb)
    settings = settings_for(sb, tmp_path, salesforce_assignment_rule="active")
    email = "ines.moreau@atelier-lumiere.example"
    contact = hs_contact(sb, email, country="France")
    run_sync(settings, clock=sb.ctx.now)
    assert _lead(sb, email)["OwnerId"] == queue_id(sb.salesforce)

    # Marketing gives the queued contact an owner in HubSpot: it reaches Salesforce, unless
    # that owner has no Salesforce User (Priya, marketing), which is reported instead.
    owner = rep(first_name)
    owner_id = sb.hubspot.owners.id_for(owner.email)
    assert owner_id is not None
    sb.ctx.advance(600)
    sb.hubspot.update(contact, {"hubspot_owner_id": owner_id})
    sb.ctx.advance(60)
    report = run_sync(settings, clock=sb.ctx.now).report
    assert report.status == "ok"
    if not owner.in_salesforce:
        assert _lead(sb, email)["OwnerId"] == queue_id(sb.salesforce)
        assert report.unmatched_owners == [
            {"missing_in": "salesforce", "owner": owner.email, "records": 1}
        ]
        return
    assert _lead(sb, email)["OwnerId"] == user_id(sb.salesforce, owner.email)
    assert report.unmatched_owners == []
    # Once a rep owns the Lead, Salesforce wins: a HubSpot change does not move it.
    sb.ctx.advance(600)
    sb.hubspot.update(contact, {"hubspot_owner_id": sb.hubspot.owners.id_for(rep("Mei").email)})
    sb.ctx.advance(60)
    run_sync(settings, clock=sb.ctx.now)
    assert _lead(sb, email)["OwnerId"] == user_id(sb.salesforce, owner.email)
    assert _hs_owner(sb, contact) == owner_id


def test_an_archived_hubspot_owner_is_read_but_never_assigned(sb: Sandbox, tmp_path: Path) -> None:
    settings = settings_for(sb, tmp_path)
    tom = rep("Tom")  # active in Salesforce, deactivated in HubSpot
    archived_id = sb.hubspot.owners.id_for(tom.email, archived=True)
    assert archived_id is not None
    contact = hs_contact(sb, GERMAN, country="Germany")
    # Assigned before Tom left: the contact still names his (now archived) owner id.
    sb.hubspot.poke(contact, {"hubspot_owner_id": archived_id})
    run_sync(settings, clock=sb.ctx.now)
    # Read through the archived listing: the Lead goes to Tom's User.
    assert _lead(sb, GERMAN)["OwnerId"] == user_id(sb.salesforce, tom.email)

    lead_id = str(_lead(sb, GERMAN)["Id"])
    sb.ctx.advance(600)
    sb.salesforce.update("Lead", lead_id, {"OwnerId": user_id(sb.salesforce, rep("Sam").email)})
    sb.ctx.advance(60)
    run_sync(settings, clock=sb.ctx.now)
    assert _hs_owner(sb, contact) == sb.hubspot.owners.id_for(rep("Sam").email)

    sb.ctx.advance(600)
    sb.salesforce.update("Lead", lead_id, {"OwnerId": user_id(sb.salesforce, tom.email)})
    sb.ctx.advance(60)
    report = run_sync(settings, clock=sb.ctx.now).report
    assert report.status == "ok"
    assert report.unmatched_owners == [{"missing_in": "hubspot", "owner": tom.email, "records": 1}]
    assert _hs_owner(sb, contact) == sb.hubspot.owners.id_for(rep("Sam").email)


def test_becoming_an_sql_can_run_the_rules_again(sb: Sandbox, tmp_path: Path) -> None:
    _routing(sb)
    settings = settings_for(sb, tmp_path, salesforce_assign_on_stages=["sql"])
    contact = hs_contact(
        sb,
        GERMAN,
        country="Germany",
        jobtitle="Chief Operating Officer",
        hs_email_open="1",
        hs_analytics_num_page_views="1",
    )
    run_sync(settings, clock=sb.ctx.now)
    integration = user_id(sb.salesforce, "integration@leadsync.example")
    assert _lead(sb, GERMAN)["OwnerId"] == integration  # no rule on create

    sb.ctx.advance(3600)
    sb.hubspot.update(contact, sql_activity(sb, 0))
    sb.ctx.advance(60)
    run_sync(settings, clock=sb.ctx.now)
    lead = _lead(sb, GERMAN)
    assert lead["Leadsync_Stage__c"] == "sql"
    assert lead["OwnerId"] == user_id(sb.salesforce, rep("Anna").email)
    sb.ctx.advance(120)
    run_sync(settings, clock=sb.ctx.now)
    assert _hs_owner(sb, contact) == sb.hubspot.owners.id_for(rep("Anna").email)

    # A later update that does not change the stage leaves the rep's choice alone.
    sb.ctx.advance(600)
    sb.salesforce.update(
        "Lead", str(lead["Id"]), {"OwnerId": user_id(sb.salesforce, rep("Sam").email)}
    )
    sb.hubspot.update(contact, {"jobtitle": "COO"})
    sb.ctx.advance(60)
    run_sync(settings, clock=sb.ctx.now)
    assert _lead(sb, GERMAN)["OwnerId"] == user_id(sb.salesforce, rep("Sam").email)


def test_the_rule_overrides_the_hubspot_owner_sent_on_create(sb: Sandbox, tmp_path: Path) -> None:
    _routing(sb)
    settings = settings_for(sb, tmp_path, salesforce_assignment_rule="active")
    sam = sb.hubspot.owners.id_for(rep("Sam").email)
    contact = hs_contact(sb, GERMAN, country="Germany", hubspot_owner_id=sam)
    run_sync(settings, clock=sb.ctx.now)
    assert _lead(sb, GERMAN)["OwnerId"] == user_id(sb.salesforce, rep("Anna").email)
    assert _hs_owner(sb, contact) == sb.hubspot.owners.id_for(rep("Anna").email)

    # Without rules, HubSpot's owner is the new Lead's owner.
    other = "noor.haddad@cedar-logistics.example"
    settings = settings_for(sb, tmp_path / "plain")
    contact = hs_contact(sb, other, country="Germany", hubspot_owner_id=sam)
    run_sync(settings, clock=sb.ctx.now)
    assert _lead(sb, other)["OwnerId"] == user_id(sb.salesforce, rep("Sam").email)
