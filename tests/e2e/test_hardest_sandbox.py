"""The hardest sandbox: wide schemas, expiring sign-ins, late commits, index lag, slow Bulk jobs
and request faults all at once — a full sync, a working day, incremental syncs, then the truth.
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

from e2e_helpers import assert_day_fed_back, hs_by_email, settings_for, sf_by_email, write_calls

from connectors.retry import RetryPolicy
from sandbox import Sandbox
from sync.report import RunReport
from sync.runner import build_connectors, run_sync
from sync.settings import Settings
from sync.state import StateStore

HARD = {
    # Sign-ins die every 30 s of idle sandbox time; leadsync signs in again.
    "salesforce_session_idle_s": 30.0,
    "hubspot_token_lifetime_s": 30.0,
    # A fifth of Salesforce writes become visible up to 20 s after their stamp.
    "salesforce_late_rate": 0.2,
    "salesforce_late_max_s": 20.0,
    # Search lags every write by a second, a fifth of them by up to a minute more.
    "hubspot_index_delay_s": 1.0,
    "hubspot_index_tail_rate": 0.2,
    "hubspot_index_tail_s": 60.0,
    # Bulk 2.0 jobs run for 45 s of sandbox time.
    "bulk2_job_s": 45.0,
    # Request faults: 503s and locked rows.
    "error_rate": 0.03,
    "lock_row_rate": 0.05,
}


class HardRun:
    """Runs leadsync against the sandbox on the sandbox's clock; every wait moves that clock."""

    def __init__(self, sb: Sandbox, settings: Settings) -> None:
        self.sb = sb
        self.settings = settings
        self.waited_s = 0.0
        self.renewals = 0  # sign-ins and token renewals beyond each run's first
        self.retry = RetryPolicy(sleep=self._wait, rng=random.Random(3))

    def _wait(self, seconds: float) -> None:
        self.waited_s += seconds
        self.sb.ctx.advance(seconds)

    def __call__(self) -> RunReport:
        conns = build_connectors(self.settings, clock=self.sb.ctx.now, retry=self.retry)
        report = run_sync(self.settings, connectors=conns, clock=self.sb.ctx.now).report
        self.renewals += max(conns.salesforce.sign_ins - 1, 0) + conns.hubspot.token_renewals
        assert report.status in ("ok", "partial"), report.message
        return report

    def settle(self, runs: int = 4) -> None:
        """Let late commits and lagging index entries arrive: time passes, then a run."""
        for _ in range(runs):
            self.sb.ctx.advance(90)
            self()


def _linked_salesforce(sb: Sandbox, email: str) -> list[dict[str, object]]:
    return [
        r
        for t in ("Lead", "Contact")
        for r in sf_by_email(sb, t, email)
        if not (t == "Lead" and r.get("IsConverted"))
    ]


def test_full_sync_a_day_and_incremental_syncs_on_the_hardest_sandbox(tmp_path: Path) -> None:
    with Sandbox(seed=13, leads=300, wide_schema=True) as sb:
        env = {
            k.removeprefix("LEADSYNC_").lower(): v
            for k, v in sb.oauth_env("client_credentials").items()
        }
        settings = settings_for(sb, tmp_path, **env, salesforce_bulk_threshold=50)
        assert settings.salesforce_auth == "client_credentials"
        assert settings.hubspot_auth == "oauth"
        sb.set_faults(**HARD)
        run = HardRun(sb, settings)

        first = run()
        assert first.created.salesforce > 50  # large enough for a Bulk 2.0 job
        run.settle()

        day = sb.simulate_day()
        run()
        run.settle()

        # Real sign-ups reach Salesforce exactly once; junk never does.
        for email in day.signup_emails:
            leads = sf_by_email(sb, "Lead", email)
            flagged = hs_by_email(sb, email).get("leadsync_exclusion")
            if sb.truth(email) == "prospect":
                assert len(leads) == 1, f"prospect {email}: {len(leads)} leads"
            if flagged:
                assert leads == [], f"excluded {email} ({flagged}) was created in Salesforce"
        assert_day_fed_back(sb, day)  # sales' verdicts reached marketing
        # Both sides agree on the conflicting edit (Salesforce's was the later one).
        if day.conflicting_edit:
            props = hs_by_email(sb, day.conflicting_edit)
            linked = [
                r
                for r in _linked_salesforce(sb, day.conflicting_edit)
                if r["Id"] == props["leadsync_salesforce_id"]
            ]
            assert [r["Title"] for r in linked] == [day.salesforce_title]
            assert props["jobtitle"] == day.salesforce_title
        # Original source survived the new touch.
        if day.latest_source_change:
            props = hs_by_email(sb, day.latest_source_change)
            assert props["hs_latest_source"] == day.latest_source

        # Nothing duplicated: one HubSpot contact per email, one active link per contact, and
        # every linked Salesforce record carries the same email as its contact.
        emails = Counter(
            str(c["properties"].get("email") or "").lower()  # type: ignore[union-attr]
            for c in sb.hubspot.all()
        )
        assert [e for e, n in emails.items() if e and n > 1] == []
        with StateStore(settings.state_url, pair=settings.pair) as state:
            links = state.load_links()
            assert state.dead_letters() == [], [d.message for d in state.dead_letters()]
        active = [link for link in links if link.status == "active"]
        assert len({link.hubspot_id for link in active}) == len(active)
        assert len({link.salesforce_id for link in active if link.salesforce_id}) == len(
            [link for link in active if link.salesforce_id]
        )

        # The sandbox was as hard as promised: sessions renewed, jobs waited for, faults met.
        assert run.waited_s > 0
        assert run.renewals > 0
        calls = sb.api_calls()["salesforce"]
        assert any("/jobs/ingest" in key for key in calls), sorted(calls)

        # And once everything has arrived, a sync writes nothing.
        sb.set_faults(error_rate=0.0, lock_row_rate=0.0)
        sb.reset_api_calls()
        run()
        writes = {
            system: {k: n for k, n in calls.items() if not k.endswith("/token")}
            for system, calls in write_calls(sb).items()
        }
        assert {system: calls for system, calls in writes.items() if calls} == {}
