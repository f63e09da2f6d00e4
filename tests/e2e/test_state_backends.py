"""The whole sync on each state backend: SQLite, and the real PostgreSQL when it answers."""

from __future__ import annotations

from pathlib import Path

from e2e_helpers import hs_contact, settings_for, sf_by_email, write_calls

from sandbox import Sandbox
from sync.runner import run_sync
from sync.state import StateStore


def test_sync_and_quiet_second_sync_on_each_backend(
    sb: Sandbox, tmp_path: Path, state_url: str
) -> None:
    settings = settings_for(sb, tmp_path, state_url=state_url)
    hid = hs_contact(sb, "ada@lovelace-labs.com")
    sb.salesforce.create(
        "Lead",
        {
            "LastName": "Hopper",
            "FirstName": "Grace",
            "Company": "Hopper Systems",
            "Email": "grace@hopper-sys.com",
        },
    )

    first = run_sync(settings).report
    assert first.status == "ok"
    assert first.created.to_json() == {"hubspot": 1, "salesforce": 1}
    (lead,) = sf_by_email(sb, "Lead", "ada@lovelace-labs.com")
    assert lead["Leadsync_HubSpot_Id__c"] == hid

    sb.reset_api_calls()
    second = run_sync(settings).report
    assert write_calls(sb) == {}
    assert second.created.to_json() == {"hubspot": 0, "salesforce": 0}
    assert second.updated.to_json() == {"hubspot": 0, "salesforce": 0}

    with StateStore(state_url) as state:
        links = state.load_links(active_only=True)
        assert {link.email for link in links} == {"ada@lovelace-labs.com", "grace@hopper-sys.com"}
        assert [r.status for r in state.runs(5)] == ["ok", "ok"]
