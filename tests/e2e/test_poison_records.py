"""A poison record is dead-lettered alone: the batch commits, later runs pass it, a fix heals it."""

from __future__ import annotations

from pathlib import Path

from e2e_helpers import hs_contact, settings_for, sf_by_email, sf_lead, write_calls

from sandbox import EXACT_TIMING, Sandbox
from sync.runner import run_sync
from sync.state import StateStore


def test_a_poison_record_never_blocks_the_pair(tmp_path: Path, state_url: str) -> None:
    with Sandbox(seed=7, leads=0) as sb:
        sb.set_faults(hubspot_index_delay_s=0, **EXACT_TIMING)
        settings = settings_for(sb, tmp_path, state_url=state_url)
        good = [hs_contact(sb, f"good{i}@northwind.io") for i in range(3)]
        bad = hs_contact(sb, "bad@northwind.io")
        sb.hubspot.poke(bad, {"hs_email_open": "Infinity"})
        lead = sf_lead(sb, "lead@globex.com")

        first = run_sync(settings, clock=sb.ctx.now).report

        assert first.status == "partial" and first.dead_letters == 1, first.to_json()
        assert first.unprocessable == 1
        with StateStore(state_url, pair=settings.pair) as state:
            [letter] = state.dead_letters()
            links = {i for lk in state.load_links() for i in (lk.hubspot_id, lk.salesforce_id)}
            cursors = [
                state.get_cursor(s, o) for s, o in (("hubspot", "contact"), ("salesforce", "Lead"))
            ]
        assert (letter.system, letter.object_type, letter.record_ref) == ("hubspot", "contact", bad)
        # Refused where it enters: the connector names the value and why.
        assert (letter.field, letter.code) == ("hs_email_open", "INVALID_VALUE")
        assert "Infinity" in letter.message and "not a finite number" in letter.message
        assert set(good) | {lead} <= links and bad not in links
        assert all(c.value is not None for c in cursors)  # the cursors moved past the poison
        assert sf_by_email(sb, "Lead", "bad@northwind.io") == []  # never written anywhere

        sb.ctx.advance(60)
        sb.reset_api_calls()
        second = run_sync(settings, clock=sb.ctx.now).report  # the retry fails alone, quietly
        assert second.status == "partial" and write_calls(sb) == {}, second.to_json()

        sb.hubspot.poke(bad, {"hs_email_open": "3"})  # someone fixes the value
        sb.ctx.advance(60)
        third = run_sync(settings, clock=sb.ctx.now).report
        assert third.status == "ok" and third.dead_letters == 0, third.to_json()
        with StateStore(state_url, pair=settings.pair) as state:
            assert state.dead_letters() == []  # resolved
            assert any(lk.hubspot_id == bad and lk.salesforce_id for lk in state.load_links())
        assert len(sf_by_email(sb, "Lead", "bad@northwind.io")) == 1
