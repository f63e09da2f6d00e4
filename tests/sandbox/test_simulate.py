"""simulate_day: a day of sign-ups and rep work, touching only records a full sync links."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

from sandbox.context import SandboxContext
from sandbox.generator import JUNK_LABELS, populate
from sandbox.hubspot.store import HubSpotStore
from sandbox.salesforce.store import SalesforceStore
from sandbox.simulate import DayReport, simulate_day
from sandbox.storage import RecordStore

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


class World:
    def __init__(self, seed: int = 5, leads: int = 600) -> None:
        ctx = SandboxContext()
        ctx.set_clock(NOW)  # the world's day is NOW, whatever day the suite runs on
        self.sf = SalesforceStore(RecordStore(), ctx)
        self.hs = HubSpotStore(RecordStore(), ctx)
        self.truth = populate(self.sf, self.hs, seed, leads, now=NOW)
        self.before_truth = dict(self.truth)
        self.before_leads = {r["Id"]: r for r in self.sf.all("Lead")}
        self.before_hs = {c["id"]: c for c in self.hs.all()}
        self.report = simulate_day(self.sf, self.hs, seed, self.truth, now=NOW)

    def contact(self, email: str) -> dict:
        contact_id = self.hs.find_by_email(email)
        assert contact_id is not None
        found = self.hs.get(contact_id)
        assert found is not None
        return found["properties"]

    def sf_owner(self, email: str) -> dict:
        rows = [
            r
            for t in ("Lead", "Contact")
            for r in self.sf.all(t)
            if str(r["Email"] or "").lower() == email and not r.get("IsConverted")
        ]
        assert len(rows) == 1
        return rows[0]


@pytest.fixture(scope="module")
def world() -> World:
    return World()


def test_every_action_of_the_day_happens(world: World) -> None:
    r = world.report
    assert (r.new_signups, r.worked, r.disqualified, r.converted, r.won) == (10, 3, 1, 1, 1)
    assert r.new_bots >= 1 and r.new_junk > r.new_bots  # bots and a disposable address
    assert r.conflicting_edit and r.latest_source_change
    assert len(r.summary()) == 8 and r.conflicting_edit in r.summary()[5]
    assert r.campaign and r.campaign in r.summary()[7]


def test_signups_reach_hubspot_and_the_truth(world: World) -> None:
    r = world.report
    added = {e: world.truth[e] for e in set(world.truth) - set(world.before_truth)}
    assert set(added) == {e.lower() for e in r.signup_emails}
    labels = Counter(added.values())
    assert labels["bot"] == r.new_bots >= 2 and labels["disposable"] >= 1
    assert sum(labels[x] for x in JUNK_LABELS) == r.new_junk
    for email in r.signup_emails:
        props = world.contact(email)
        assert props["createdate"].startswith("2026-11-23")  # signed up today
        assert props["hs_analytics_source"]


def test_reps_work_disqualify_and_convert_linked_prospect_leads(world: World) -> None:
    r = world.report
    touched = [*r.worked_lead_ids, r.disqualified_lead_id, r.converted_lead_id]
    assert len(set(touched)) == len(touched)  # one action per person
    for lead_id in touched:
        before = world.before_leads[lead_id]
        email = str(before["Email"]).lower()
        assert world.before_truth[email] == "prospect"
        assert world.hs.find_by_email(email) is not None  # linked on both sides
        emails = [
            str(x["Email"] or "").lower()
            for t in ("Lead", "Contact")
            for x in world.sf.all(t)
            if not x.get("IsConverted") or x["Id"] == lead_id
        ]
        assert emails.count(email) == 1 or lead_id == r.converted_lead_id
    for lead_id in r.worked_lead_ids:
        assert world.before_leads[lead_id]["Status"] == "Open - Not Contacted"
        assert world.sf.get("Lead", lead_id)["Status"] == "Working - Contacted"
    lost = world.sf.get("Lead", r.disqualified_lead_id)
    assert lost is not None and lost["Status"] == "Closed - Not Converted"
    assert lost["Disqualification_Reason__c"] == r.disqualification_reason != ""
    converted = world.sf.get("Lead", r.converted_lead_id)
    assert converted is not None and converted["IsConverted"]
    assert converted["ConvertedOpportunityId"]


def test_an_earlier_opportunity_is_won_with_an_amount(world: World) -> None:
    r = world.report
    opportunity = world.sf.get("Opportunity", r.won_opportunity_id)
    assert opportunity is not None
    assert opportunity["StageName"] == "Closed Won" and opportunity["IsWon"]
    assert opportunity["Amount"] == r.won_amount > 0
    converted = world.sf.get("Lead", r.converted_lead_id)
    assert converted is not None and converted["ConvertedOpportunityId"] != r.won_opportunity_id
    contact = world.sf.get("Contact", opportunity["ContactId"])
    assert contact is not None
    assert world.before_truth[str(contact["Email"]).lower()] == "prospect"


def test_conflicting_title_edit_on_both_sides(world: World) -> None:
    r = world.report
    email = r.conflicting_edit
    assert world.contact(email)["jobtitle"] == r.hubspot_title
    assert world.sf_owner(email)["Title"] == r.salesforce_title
    assert r.hubspot_title != r.salesforce_title


def test_latest_source_moves_and_original_source_stays(world: World) -> None:
    r = world.report
    props = world.contact(r.latest_source_change)
    before = next(
        c["properties"]
        for c in world.before_hs.values()
        if str(c["properties"]["email"]).lower() == r.latest_source_change
    )
    assert props["hs_latest_source"] == r.latest_source != before["hs_latest_source"]
    assert props["hs_analytics_source"] == before["hs_analytics_source"] != r.latest_source


def test_same_seed_same_day() -> None:
    def day() -> DayReport:
        return World(seed=9, leads=300).report

    first, second = day(), day()
    assert first == second
    assert first.signup_emails


def test_an_empty_world_has_a_quiet_day() -> None:
    ctx = SandboxContext()
    sf, hs = SalesforceStore(RecordStore(), ctx), HubSpotStore(RecordStore(), ctx)
    truth: dict[str, str] = {}
    report = simulate_day(sf, hs, 1, truth, now=NOW)
    assert report.new_signups == 10 and len(truth) == 10
    assert (report.worked, report.disqualified, report.converted, report.won) == (0, 0, 0, 0)
    assert report.conflicting_edit == "" and report.latest_source_change == ""
