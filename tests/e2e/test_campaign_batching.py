"""Campaign memberships are written in batches: collections of 200 and one query per batch."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from e2e_helpers import settings_for, write_calls

from sandbox import EXACT_TIMING, Sandbox
from sync.runner import run_sync

PEOPLE = 450  # three batches of the default 200
CAMPAIGNS = ("Webinar - Lead Scoring", "Content - SQL Playbook", "Newsletter 2026")


def _calls(sb: Sandbox, prefix: str) -> int:
    return sum(n for key, n in sb.api_calls()["salesforce"].items() if key.startswith(prefix))


def test_memberships_cost_a_few_calls_per_batch_not_one_per_person(tmp_path: Path) -> None:
    with Sandbox(seed=3, leads=0) as sb:
        sb.set_faults(hubspot_index_delay_s=0, **EXACT_TIMING)
        for name in CAMPAIGNS:
            sb.salesforce.create("Campaign", {"Name": name})
        for i in range(PEOPLE):
            sb.hubspot.create(
                {
                    "email": f"person{i}@example-{i % 7}.com",
                    "firstname": "Ada",
                    "lastname": f"Lovelace{i}",
                    "company": "Analytical Engines",
                    "jobtitle": "Head of Operations",
                    "hs_analytics_first_touch_converting_campaign": CAMPAIGNS[i % 3],
                    "hs_analytics_last_touch_converting_campaign": CAMPAIGNS[(i + 1) % 3],
                }
            )
        sb.reset_api_calls()

        report = run_sync(settings_for(sb, tmp_path), clock=sb.ctx.now).report

        assert report.status == "ok", report.message
        members = sb.salesforce.all("CampaignMember")
        assert len(members) == 2 * report.created.salesforce
        assert report.created.salesforce > 200  # more than one batch
        sizes = [200, 200, PEOPLE - 400]  # people per batch
        # One collection per 200 new members (two touches a person): 2 + 2 + 1 calls.
        creates = _calls(sb, "POST /services/data/v59.0/composite/sobjects")
        assert creates == sum(-(-2 * n // 200) for n in sizes)
        # The run's own reads (changes, email look-ups, the owners: Users and queues once a
        # run) plus, for campaigns, one lookup of the campaigns, one of their statuses and one
        # of the existing members a batch.
        queries = _calls(sb, "GET /services/data/v59.0/query")
        assert queries <= 6 + 2 + 2 + len(sizes)


def test_a_flaky_org_still_ends_with_one_responded_member_each(tmp_path: Path) -> None:
    with Sandbox(seed=4, leads=0) as sb:
        sb.set_faults(hubspot_index_delay_s=0, **EXACT_TIMING)
        ids = {name: sb.salesforce.create("Campaign", {"Name": name}) for name in CAMPAIGNS}
        for i in range(40):
            sb.hubspot.create(
                {
                    "email": f"flaky{i}@example-{i % 5}.com",
                    "firstname": "Grace",
                    "lastname": f"Hopper{i}",
                    "company": "Compilers Inc",
                    "jobtitle": "VP Engineering",
                    "hs_analytics_first_touch_converting_campaign": CAMPAIGNS[i % 3],
                    "utm_campaign": CAMPAIGNS[(i + 1) % 3],
                }
            )
        settings = settings_for(sb, tmp_path)
        sb.set_faults(error_rate=0.2, lock_row_rate=0.2, seed=5)
        for _ in range(4):
            sb.ctx.advance(3600)  # past the dead letters' backoff
            if run_sync(settings, clock=sb.ctx.now).report.status == "ok":
                break
        sb.clear_faults()
        sb.set_faults(hubspot_index_delay_s=0, **EXACT_TIMING)
        sb.ctx.advance(3600)
        final = run_sync(settings, clock=sb.ctx.now).report
        assert final.status == "ok", final.message

        members = sb.salesforce.all("CampaignMember")
        pairs = Counter((m["CampaignId"], m["LeadId"]) for m in members)
        assert len(pairs) == 80 and set(pairs.values()) == {1}
        assert all(m["HasResponded"] for m in members)
        assert {m["CampaignId"] for m in members} == set(ids.values())
        sb.reset_api_calls()
        sb.ctx.advance(60)
        run_sync(settings, clock=sb.ctx.now)
        assert write_calls(sb) == {}
