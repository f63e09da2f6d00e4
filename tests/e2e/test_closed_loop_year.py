"""The closed-loop report over the sandbox's generated population, checked against both systems.

Two ordinary syncs of a generated org and portal, then ``leadsync report --json``; every figure
per campaign and per source is computed again here from the HubSpot contacts, the Salesforce
Opportunities and memberships, and the generator's truth, without the state.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e_helpers import settings_for
from test_check_cli import leadsync

from sandbox import EXACT_TIMING, Sandbox
from sandbox.generator import LEAD_SOURCES  # HubSpot's source spellings -> Salesforce's
from sync.runner import run_sync

LEADS = 500
NO_CAMPAIGN = "(no campaign)"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Sandbox, dict[str, Any]]]:
    tmp = tmp_path_factory.mktemp("closed_loop")
    with Sandbox(seed=23, leads=LEADS) as sb:
        sb.set_faults(hubspot_index_delay_s=0, **EXACT_TIMING)
        settings = settings_for(sb, Path(tmp))
        first = run_sync(settings, clock=sb.ctx.now).report
        assert first.status == "ok", first.message
        sb.ctx.advance(120)  # the Opportunities leadsync credited are read back once
        second = run_sync(settings, clock=sb.ctx.now).report
        assert second.status == "ok", second.message
        env = {**sb.env(), "LEADSYNC_STATE_URL": settings.state_url}
        result = leadsync(env, "report", "--json")
        assert result.returncode == 0, result.stderr
        yield sb, json.loads(result.stdout)


def _props(contact: dict[str, Any]) -> dict[str, Any]:
    return dict(contact.get("properties", contact))


def _people(sb: Sandbox) -> dict[str, dict[str, Any]]:
    """HubSpot's contacts by lower-cased email."""
    return {str(_props(c)["email"]).lower(): _props(c) for c in sb.hubspot.all()}


def _campaign(props: dict[str, Any]) -> str:
    value = props.get("leadsync_first_touch_campaign") or props.get(
        "hs_analytics_first_touch_converting_campaign"
    )
    return str(value) if value else NO_CAMPAIGN


def _opportunities_by_email(sb: Sandbox) -> dict[str, dict[str, Any]]:
    contacts = {c["Id"]: c for c in sb.salesforce.all("Contact")}
    out: dict[str, dict[str, Any]] = {}
    for opp in sb.salesforce.all("Opportunity"):
        contact = contacts.get(opp["ContactId"])
        if contact is not None and contact["Email"]:
            out[str(contact["Email"]).lower()] = opp
    return out


def test_campaign_figures_match_both_systems(world: tuple[Sandbox, dict[str, Any]]) -> None:
    sb, report = world
    people = _people(sb)
    opps = _opportunities_by_email(sb)
    expected: dict[str, Counter[str]] = defaultdict(Counter)
    revenue: Counter[str] = Counter()
    for email, props in people.items():
        row = expected[_campaign(props)]
        row["signups"] += 1
        row["excluded"] += bool(props.get("leadsync_exclusion"))
        opp = opps.get(email)
        if opp is not None and not props.get("leadsync_exclusion"):
            row["opportunities"] += 1
            if opp["IsWon"]:
                row["won"] += 1
                revenue[_campaign(props)] += float(opp["Amount"])
    got = {row["name"]: row for row in report["campaigns"]}
    named = [name for name in expected if name != NO_CAMPAIGN]
    assert len(named) >= 8  # the generated portal's campaigns all had sign-ups
    assert set(got) == set(expected)
    for name, want in expected.items():
        row = got[name]
        for key in ("signups", "excluded", "opportunities", "won"):
            assert row[key] == want[key], (name, key)
        assert row["won_revenue"] == pytest.approx(revenue[name]), name
        assert row["sql"] >= row["opportunities"]  # cumulative stages
    assert sum(got[n]["won"] for n in named) > 0


def test_source_figures_and_quality_ranking(world: tuple[Sandbox, dict[str, Any]]) -> None:
    sb, report = world
    people = _people(sb)
    truth = sb.truth_table()
    by_source: dict[str, Counter[str]] = defaultdict(Counter)
    for email, props in people.items():
        source = props.get("leadsync_original_source") or props.get("hs_analytics_source")
        row = by_source[LEAD_SOURCES.get(str(source), str(source)) if source else "(no source)"]
        row["signups"] += 1
        row["excluded"] += bool(props.get("leadsync_exclusion"))
        row["junk"] += truth.get(email) not in (None, "prospect")
    got = {row["name"]: row for row in report["sources"]}
    for source, want in by_source.items():
        row = got[source]
        assert (row["signups"], row["excluded"]) == (want["signups"], want["excluded"]), source
    ranking = report["quality_ranking"]
    assert sorted(ranking) == sorted(got)
    rates = [got[name]["rates"]["qualified"] for name in ranking]
    assert rates == sorted(rates, reverse=True)  # quality, not count, orders the sources
    # The truth agrees: among the big sources, the best-ranked carries less junk than the worst.
    big = [name for name in ranking if by_source[name]["signups"] >= 30]
    share = {name: by_source[name]["junk"] / by_source[name]["signups"] for name in big}
    assert share[big[0]] < share[big[-1]]


def test_every_credited_person_is_a_responded_member(world: tuple[Sandbox, dict[str, Any]]) -> None:
    sb, _ = world
    people = _people(sb)
    campaigns = {c["Name"]: c["Id"] for c in sb.salesforce.all("Campaign")}
    members = sb.salesforce.all("CampaignMember")
    responded = {
        (m["CampaignId"], m["ContactId"] or m["LeadId"]) for m in members if m["HasResponded"]
    }
    per_person = Counter((m["CampaignId"], m["LeadId"] or m["ContactId"]) for m in members)
    assert max(per_person.values()) == 1  # one membership a person and campaign
    checked = 0
    for props in people.values():
        campaign = _campaign(props)
        sf_id = props.get("leadsync_salesforce_id")
        if campaign == NO_CAMPAIGN or not sf_id or props.get("leadsync_exclusion"):
            continue
        assert (campaigns[campaign], sf_id) in responded, (campaign, sf_id)
        checked += 1
    assert checked > 50
    opps = _opportunities_by_email(sb)
    for email, opp in opps.items():
        props = people.get(email)
        if props is not None and _campaign(props) != NO_CAMPAIGN:
            assert opp["CampaignId"], email  # leadsync filled every blank primary campaign
