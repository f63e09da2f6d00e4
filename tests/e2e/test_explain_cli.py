"""`leadsync explain`: a person's records, link, fields with base, rule and last write, decision."""

from __future__ import annotations

import json

import pytest
from e2e_helpers import SyncFn, hs_contact, sf_by_email
from typer.testing import CliRunner

from sandbox import Sandbox
from sync.cli import app
from sync.settings import Settings


@pytest.fixture
def env(sb: Sandbox, settings: Settings) -> dict[str, str]:
    return {**sb.env(), "LEADSYNC_STATE_URL": settings.state_url}


def _invoke(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def test_explain_shows_both_sides_fields_history_and_decision(
    sb: Sandbox, sync: SyncFn, env: dict[str, str]
) -> None:
    hid = hs_contact(sb, "olivia.hart@northwind.io")
    sync()
    (lead,) = sf_by_email(sb, "Lead", "olivia.hart@northwind.io")
    sb.salesforce.update("Lead", lead["Id"], {"Title": "VP Operations"})  # not synced yet

    code, out = _invoke(env, "explain", "Olivia.Hart@northwind.io", "--json")
    data = json.loads(out)
    assert code == 0
    assert data["link"]["hubspot_id"] == hid and data["link"]["salesforce_id"] == lead["Id"]
    assert data["hubspot"]["id"] == hid and data["salesforce"]["id"] == lead["Id"]
    fields = {f["field"]: f for f in data["fields"]}
    title = next(f for f in fields.values() if f["salesforce"] == "VP Operations")
    assert title["hubspot"] == "Director of Operations" == title["base"]
    assert title["state"] == "Salesforce changed since the last sync"
    assert title["rule"] and title["last_write"]["direction"] == "to_salesforce"
    decision = data["decision"]
    assert decision["stage"] and decision["signals"]
    assert all({"rule", "points", "why"} <= set(s) for s in decision["signals"])
    assert data["audit"]

    for query in (hid, lead["Id"], data["link"]["id"]):  # any id finds the same person
        assert json.loads(_invoke(env, "explain", query, "--json")[1])["link"] == data["link"]

    code, out = _invoke(env, "explain", "olivia.hart@northwind.io")
    flat = " ".join(out.split())
    assert code == 0 and "VP Operations" in flat and "HubSpot won" in flat and "decision" in flat


def test_explain_an_excluded_sign_up_and_an_unknown_person(
    sb: Sandbox, sync: SyncFn, env: dict[str, str]
) -> None:
    hs_contact(sb, "ann.lee@mailinator.com", firstname="Ann", lastname="Lee")
    sync()
    code, out = _invoke(env, "explain", "ann.lee@mailinator.com", "--json")
    data = json.loads(out)
    assert data["decision"]["exclusion"] and data["salesforce"] is None
    code, out = _invoke(env, "explain", "nobody@nowhere.example", "--offline")
    assert code == 1 and "no link" in out
