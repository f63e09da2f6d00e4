"""Bulk API 2.0 ingest jobs that run on the sandbox clock and may end Failed or Aborted."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.bulk2 import _Bulk2Client

from sandbox import Sandbox


@pytest.fixture
def timed(sb: Sandbox) -> Iterator[Sandbox]:
    sb.set_faults(bulk2_job_s=90, seed=4)
    yield sb
    sb.set_faults(bulk2_job_s=0, bulk2_fail_rate=0, bulk2_abort_rate=0)


def _job(sf: Salesforce, rows: int) -> tuple[_Bulk2Client, str]:
    client: _Bulk2Client = sf.bulk2.Lead._client
    job_id = client.create_job("insert")["id"]
    body = "LastName,Company\n" + "".join(f"Timed{i},TimeCo\n" for i in range(rows))
    client.upload_job_data(job_id, body)
    client.close_job(job_id)
    return client, job_id


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_a_job_is_in_progress_until_its_time_has_passed(timed: Sandbox, sf: Salesforce) -> None:
    client, job_id = _job(sf, 4)
    assert client.get_job(job_id, False)["state"] == "InProgress"
    timed.ctx.clock_offset_s += 60
    assert client.get_job(job_id, False)["state"] == "InProgress"
    timed.ctx.clock_offset_s += 31
    info = client.get_job(job_id, False)
    assert info["state"] == "JobComplete" and info["numberRecordsProcessed"] == 4
    assert len(_rows(client.get_ingest_results(job_id, "successfulResults"))) == 4


@pytest.mark.parametrize(
    ("rate", "state"), [("bulk2_fail_rate", "Failed"), ("bulk2_abort_rate", "Aborted")]
)
def test_a_stopped_job_serves_the_rows_it_did_not_process(
    timed: Sandbox, sf: Salesforce, rate: str, state: str
) -> None:
    timed.set_faults(**{rate: 1.0})
    client, job_id = _job(sf, 10)
    timed.ctx.clock_offset_s += 91
    info = client.get_job(job_id, False)
    assert info["state"] == state
    done = _rows(client.get_ingest_results(job_id, "successfulResults"))
    left = _rows(client.get_ingest_results(job_id, "unprocessedRecords"))
    assert len(done) + len(left) == 10 and left
    assert info["numberRecordsProcessed"] == len(done)
    assert {r["LastName"] for r in left}.isdisjoint(r["LastName"] for r in done)


def test_a_running_job_aborted_by_its_creator_processes_nothing(
    timed: Sandbox, sf: Salesforce
) -> None:
    client, job_id = _job(sf, 3)
    assert client.abort_job(job_id, False)["state"] == "Aborted"
    timed.ctx.clock_offset_s += 91
    assert client.get_job(job_id, False)["state"] == "Aborted"
    assert len(_rows(client.get_ingest_results(job_id, "unprocessedRecords"))) == 3
