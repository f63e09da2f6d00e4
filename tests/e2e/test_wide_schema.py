"""Real orgs and portals are wide: syncs on a wide-schema sandbox keep every URL short."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from e2e_helpers import settings_for

from sandbox import Sandbox
from sandbox.middleware import MAX_TARGET_BYTES
from sync.runner import run_sync

URL_BUDGET = 8 * 1024


def _longest(sb: Sandbox) -> dict[str, int]:
    lengths = {s: sb.request_target_lengths(s) for s in ("hubspot", "salesforce")}
    assert all(lengths.values()), "no requests recorded"
    return {system: max(values) for system, values in lengths.items()}


def test_first_and_incremental_sync_of_a_wide_org_send_no_url_over_8_kb(tmp_path: Path) -> None:
    with Sandbox(seed=11, leads=250, wide_schema=True) as sb:
        sb.set_faults(hubspot_index_delay_s=0)
        every = [p.name for p in sb.hubspot.properties()]
        # Asking for every property would not even reach the server.
        assert sum(len("&properties=" + quote(n)) for n in every) > MAX_TARGET_BYTES
        settings = settings_for(sb, tmp_path)

        first = run_sync(settings).report

        assert first.status in ("ok", "partial"), first.message
        assert first.created.salesforce > 0 and first.created.hubspot > 0
        longest = _longest(sb)
        assert longest["hubspot"] < URL_BUDGET and longest["salesforce"] < URL_BUDGET, longest

        # Edits on both sides, on records the first sync linked.
        linked = [
            c
            for c in sb.hubspot.all()
            if str((c["properties"] or {}).get("leadsync_salesforce_id") or "").startswith("00Q")  # type: ignore[union-attr]
        ]
        assert len(linked) >= 2
        hs_edit, sf_edit = linked[0], linked[1]
        sb.hubspot.update(str(hs_edit["id"]), {"jobtitle": "Head of Wide Schemas"}, system=False)
        sf_lead_id = str(sf_edit["properties"]["leadsync_salesforce_id"])  # type: ignore[index]
        sb.salesforce.update("Lead", sf_lead_id, {"Title": "Director of Long URLs"})
        sb.ctx.advance(60)  # past the search index's lag tail and any late commit
        sb.reset_api_calls()

        second = run_sync(settings).report

        assert second.status in ("ok", "partial"), second.message
        assert second.updated.salesforce >= 1 and second.updated.hubspot >= 1
        hs_lead_id = str(hs_edit["properties"]["leadsync_salesforce_id"])  # type: ignore[index]
        lead = sb.salesforce.get("Lead", hs_lead_id)
        assert lead is not None and lead["Title"] == "Head of Wide Schemas"
        contact = sb.hubspot.get(str(sf_edit["id"]))
        assert contact is not None
        assert contact["properties"]["jobtitle"] == "Director of Long URLs"  # type: ignore[index]
        longest = _longest(sb)
        assert longest["hubspot"] < URL_BUDGET and longest["salesforce"] < URL_BUDGET, longest
