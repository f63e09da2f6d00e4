"""Bulk 2.0 jobs that run for minutes and may end Failed or Aborted, through a real sync."""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e_helpers import hs_contact, settings_for, sf_by_email

from connectors.hubspot import HubSpotConnector
from connectors.retry import RetryPolicy
from connectors.salesforce import SalesforceConnector
from sandbox import Sandbox
from sync.runner import Connectors, run_sync
from sync.settings import Settings
from sync.state import StateStore

NAMES = (
    "olivia.hart",
    "ben.ode",
    "maria.lopez",
    "james.chen",
    "aisha.khan",
    "lucas.meyer",
    "sofia.rossi",
    "noah.wright",
)
PEOPLE = len(NAMES)


def _connectors(sb: Sandbox, settings: Settings, waits: list[float]) -> Connectors:
    """The adapters with waits that move the sandbox clock instead of sleeping."""

    def wait(seconds: float) -> None:
        waits.append(seconds)
        sb.ctx.clock_offset_s += seconds

    retry = RetryPolicy(sleep=wait)
    return Connectors(
        hubspot=HubSpotConnector(sb.hubspot_url, sb.hubspot_token, ca_path=sb.ca_path, retry=retry),
        salesforce=SalesforceConnector(
            sb.salesforce_url,
            sb.salesforce_session_id,
            ca_path=sb.ca_path,
            retry=retry,
            bulk_threshold=settings.salesforce_bulk_threshold,
            lookback_s=settings.salesforce_lookback_s,
        ),
    )


def _email(name: str) -> str:
    return f"{name}@northwind.io"


def _people(sb: Sandbox) -> list[str]:
    return [
        hs_contact(
            sb, _email(n), firstname=n.split(".")[0].title(), lastname=n.split(".")[1].title()
        )
        for n in NAMES
    ]


@pytest.mark.parametrize(("fault", "state_name"), [("fail", "Failed"), ("abort", "Aborted")])
def test_a_bulk_job_that_stops_dead_letters_its_unwritten_records_and_the_run_goes_on(
    sb: Sandbox, tmp_path: Path, fault: str, state_name: str
) -> None:
    settings = settings_for(sb, tmp_path, salesforce_bulk_threshold=3)
    ids = _people(sb)
    sb.set_faults(bulk2_job_s=120, **{f"bulk2_{fault}_rate": 1.0})
    waits: list[float] = []

    report = run_sync(settings, connectors=_connectors(sb, settings, waits)).report

    assert sum(waits) >= 120  # polled while the job ran, on the sandbox clock
    with StateStore(settings.state_url, pair=settings.pair) as state:
        letters = state.dead_letters()
    assert letters, "a stopped job leaves records unwritten"
    assert report.dead_letters == len(letters)
    assert report.status == "partial"
    code = f"BULK_JOB_{state_name.upper()}"
    for letter in letters:
        assert (letter.system, letter.object_type) == ("salesforce", "Lead")
        assert letter.code == code
        assert f"ended {state_name}" in letter.message and "Bulk 2.0 job 750" in letter.message
    written = [hid for hid, n in zip(ids, NAMES, strict=True) if sf_by_email(sb, "Lead", _email(n))]
    assert len(written) + len(letters) == PEOPLE  # the rows the job did process are fine
    assert {dl.record_ref for dl in letters}.isdisjoint(written)

    # Once Salesforce runs jobs again, the dead letters' retry writes the rest, once each.
    sb.set_faults(bulk2_fail_rate=0.0, bulk2_abort_rate=0.0)
    run_sync(settings, connectors=_connectors(sb, settings, waits))
    for name in NAMES:
        assert len(sf_by_email(sb, "Lead", _email(name))) == 1


def test_a_bulk_failure_raised_by_the_client_joins_the_error_taxonomy(
    sb: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from simple_salesforce.bulk2 import _Bulk2Client
    from simple_salesforce.exceptions import SalesforceOperationError

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise SalesforceOperationError("Job failure. Response content: InvalidBatch")

    monkeypatch.setattr(_Bulk2Client, "upload_job_data", refuse)
    settings = settings_for(sb, tmp_path, salesforce_bulk_threshold=3)
    _people(sb)

    report = run_sync(settings, connectors=_connectors(sb, settings, [])).report

    assert report.dead_letters == PEOPLE  # no exception escaped; the batch is dead-lettered
    with StateStore(settings.state_url, pair=settings.pair) as state:
        (first, *_) = state.dead_letters()
    assert first.code == "BULK_JOB_FAILED" and "InvalidBatch" in first.message
    assert _jobs(sb) == ["Aborted"]  # the upload failed: the open job is not left behind


def _jobs(sb: Sandbox) -> list[str]:
    """The states of the org's ingest jobs, as the API lists them."""
    answer = sb.salesforce_client().restful("jobs/ingest")
    return [str(job["state"]) for job in answer["records"]]
