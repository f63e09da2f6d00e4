"""Records owned by the integration user leadsync signs in as have no rep yet (issue #16).

leadsync gives a Lead it creates for an owner-less HubSpot contact to the integration user. That
user is learnt once per run (``GET /services/oauth2/userinfo``) and reads like a queue: blank on
the Salesforce side, so HubSpot's owner may fill it, never written to HubSpot, never reported.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from e2e_helpers import hs_contact, settings_for
from typer.testing import CliRunner

from sandbox import Sandbox
from sandbox.context import EXACT_TIMING
from sandbox.org_people import rep, user_id
from sync.cli import app
from sync.runner import run_sync
from sync.settings import Settings

EMAIL = "ines.moreau@atelier-lumiere.example"
INTEGRATION = "integration@leadsync.example"


def _cli_sync(sb: Sandbox, settings: Settings) -> dict[str, object]:
    env = {**sb.env(), "LEADSYNC_STATE_URL": settings.state_url}
    result = CliRunner().invoke(app, ["sync", "--json"], env=env)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output[result.output.index("{") :])
    assert isinstance(report, dict)
    return report


def _lead_owner(sb: Sandbox) -> object:
    (lead,) = [r for r in sb.salesforce.all("Lead") if str(r["Email"]).lower() == EMAIL]
    return lead["OwnerId"]


def _hs_owner(sb: Sandbox, contact_id: str) -> object:
    contact = sb.hubspot.get(contact_id)
    assert contact is not None
    return contact["properties"].get("hubspot_owner_id")


def _userinfo_calls(sb: Sandbox) -> int:
    # GET /services/oauth2/userinfo (the call counter templates "oauth2" as an id segment)
    calls = sb.api_calls()["salesforce"]
    return sum(
        n
        for key, n in calls.items()
        if key.startswith("GET /services/") and key.endswith("/userinfo")
    )


def test_a_hubspot_owner_reaches_a_lead_the_integration_user_holds(
    sb: Sandbox, tmp_path: Path
) -> None:
    settings = settings_for(sb, tmp_path)
    contact = hs_contact(sb, EMAIL, country="France")  # no owner in HubSpot
    sb.reset_api_calls()
    first = _cli_sync(sb, settings)
    assert first["status"] == "ok"
    assert _lead_owner(sb) == user_id(sb.salesforce, INTEGRATION)
    assert first["unmatched_owners"] == []
    assert _userinfo_calls(sb) == 1  # once per run, not per record

    sb.ctx.advance(120)
    second = _cli_sync(sb, settings)
    assert second["unmatched_owners"] == []
    assert _hs_owner(sb, contact) in (None, "")  # the integration user is never written

    # Marketing assigns Sam (also a Salesforce User) in HubSpot: the rep reaches Salesforce.
    sam = rep("Sam")
    assert sam.in_salesforce
    sam_owner = sb.hubspot.owners.id_for(sam.email)
    assert sam_owner is not None
    sb.ctx.advance(600)
    sb.hubspot.update(contact, {"hubspot_owner_id": sam_owner})
    sb.ctx.advance(60)
    sb.reset_api_calls()
    third = _cli_sync(sb, settings)
    assert third["status"] == "ok"
    assert _lead_owner(sb) == user_id(sb.salesforce, sam.email)
    assert _hs_owner(sb, contact) == sam_owner
    assert third["unmatched_owners"] == []
    assert _userinfo_calls(sb) == 1

    # Settled: the next run writes nothing, and Sam (a rep now) wins over a HubSpot change.
    sb.ctx.advance(120)
    settled = run_sync(settings, clock=sb.ctx.now).report
    assert settled.created.to_json() == {"hubspot": 0, "salesforce": 0}
    assert settled.updated.to_json() == {"hubspot": 0, "salesforce": 0}
    sb.ctx.advance(600)
    sb.hubspot.update(contact, {"hubspot_owner_id": sb.hubspot.owners.id_for(rep("Mei").email)})
    sb.ctx.advance(60)
    run_sync(settings, clock=sb.ctx.now)
    assert _lead_owner(sb) == user_id(sb.salesforce, sam.email)
    assert _hs_owner(sb, contact) == sam_owner


def test_the_integration_user_is_never_an_unmatched_owner(tmp_path: Path) -> None:
    # A generated world: about one person in five is left to the integration user.
    with Sandbox(seed=11, leads=60) as world:
        world.set_faults(hubspot_index_delay_s=0, **EXACT_TIMING)
        integration = user_id(world.salesforce, INTEGRATION)
        held = [r for r in world.salesforce.all("Lead") if r["OwnerId"] == integration]
        assert held, "the world must have Leads the integration user holds"
        report = run_sync(settings_for(world, tmp_path), clock=world.ctx.now).report
        assert report.status in ("ok", "partial")
        owners = {row["owner"] for row in report.unmatched_owners}
        assert INTEGRATION not in owners
        assert owners <= {p.email for p in map(rep, ("Jonas", "Priya", "Tom"))}, owners


def test_a_refused_userinfo_keeps_the_old_behaviour_with_one_warning(
    sb: Sandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sb.set_faults(salesforce_userinfo_refused=True)  # a connected app without openid
    settings = settings_for(sb, tmp_path)
    hs_contact(sb, EMAIL, country="France")
    with caplog.at_level(logging.WARNING):
        for _ in range(2):
            report = run_sync(settings, clock=sb.ctx.now).report
            assert report.status == "ok"
            sb.ctx.advance(120)
    assert _lead_owner(sb) == user_id(sb.salesforce, INTEGRATION)
    # As before the fix: the integration user reads as an owner HubSpot lacks.
    assert report.unmatched_owners == [
        {"missing_in": "hubspot", "owner": INTEGRATION, "records": 1}
    ]
    refusals = [r for r in caplog.records if "cannot tell which user" in r.getMessage()]
    assert len(refusals) == 2  # one per run
