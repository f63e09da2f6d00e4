"""A Bulk 2.0 close whose answer is lost: the retry's 409 INVALIDJOBSTATE is not a failure."""

from __future__ import annotations

import requests
from connector_helpers import salesforce_for
from simple_salesforce.bulk2 import _Bulk2Client

from connectors.base import WriteOp


def test_a_close_that_reached_salesforce_but_timed_out_still_writes(sandbox, monkeypatch):
    sandbox.set_faults(bulk2_job_s=0.0)
    sf = salesforce_for(sandbox, bulk_threshold=10)
    sf.describe("Lead")
    real_close = _Bulk2Client.close_job
    lost: list[str] = []

    def close_then_lose_the_answer(self, job_id):  # type: ignore[no-untyped-def]
        answer = real_close(self, job_id)
        if not lost:  # the first close reaches Salesforce, its answer does not reach us
            lost.append(job_id)
            raise requests.exceptions.ReadTimeout("read timed out")
        return answer

    monkeypatch.setattr(_Bulk2Client, "close_job", close_then_lose_the_answer)
    ops = [
        WriteOp("Lead", {"LastName": f"B{i}", "Company": "Bulk"}, external_id=f"b{i}", ref=str(i))
        for i in range(20)
    ]
    results = sf.write(ops)
    assert lost, "the bulk path was not taken"
    assert all(r.ok for r in results), [r.errors for r in results if not r.ok][:3]
    stored = sandbox.salesforce.all("Lead")
    assert sorted(row["Leadsync_HubSpot_Id__c"] for row in stored) == sorted(
        f"b{i}" for i in range(20)
    )
