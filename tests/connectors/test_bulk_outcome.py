"""Bulk 2.0 outcomes: rows of a stopped job, and a refused job, become per-record failures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from connectors.base import ObjectSchema, WriteOp
from connectors.errors import build_error
from connectors.salesforce_write import BulkOutcome, Mode, SalesforceWriter, parse_bulk_outcome

EXT = "Leadsync_HubSpot_Id__c"
OPS = [WriteOp("Lead", {"LastName": n}, external_id=f"h{i}", ref=n) for i, n in enumerate("ABC")]


def test_rows_a_failed_job_did_not_process_fail_with_the_jobs_end() -> None:
    outcome = BulkOutcome(
        successful=f'"sf__Id","sf__Created","{EXT}","LastName"\n"00Q1","true","h0","A"\n',
        failed="",
        unprocessed=f'"{EXT}","LastName"\n"h1","B"\n"h2","C"\n',
        state="Failed",
        reason="Bulk 2.0 job 750X ended Failed: InternalServerError",
    )
    results, leftover = parse_bulk_outcome(OPS, Mode.UPSERT, outcome)
    assert leftover == []  # not written again blindly in this run
    assert results[0].ok and results[0].id == "00Q1"
    for i in (1, 2):
        assert not results[i].ok
        (error,) = results[i].errors
        assert error.code == "BULK_JOB_FAILED" and "ended Failed" in error.message


def test_unprocessed_rows_of_a_complete_job_are_written_again() -> None:
    outcome = BulkOutcome(successful="", failed="", unprocessed="")
    results, leftover = parse_bulk_outcome(OPS, Mode.UPSERT, outcome)
    assert results == {} and leftover == [0, 1, 2]


def test_a_refused_job_fails_its_group_and_the_other_groups_go_on() -> None:
    def bulk(mode: Mode, object_type: str, ops: Sequence[WriteOp]) -> BulkOutcome:
        raise build_error("salesforce", 0, "BULK_JOB_FAILED", "Job failure: InvalidBatch")

    def composite(
        mode: Mode, object_type: str, records: list[dict[str, object]]
    ) -> list[Mapping[str, object]]:
        return [{"id": r.get("id"), "success": True, "errors": []} for r in records]

    writer = SalesforceWriter(
        composite=composite,
        bulk=bulk,
        converted_contacts=lambda ops: {},
        contact_schema=lambda: ObjectSchema("Contact", {}),
        pause=lambda attempt: None,
        bulk_threshold=3,
    )
    update = WriteOp("Lead", {"Title": "CTO"}, id="00Q000000000009AAA", ref="U")
    results = writer.write([*OPS, update])
    assert [r.ok for r in results] == [False, False, False, True]
    assert {r.errors[0].code for r in results[:3]} == {"BULK_JOB_FAILED"}
