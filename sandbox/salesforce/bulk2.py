"""Bulk API 2.0 ingest and query jobs (CSV); ingest jobs run for a while on the sandbox clock.

An ingest job goes ``UploadComplete`` -> ``InProgress`` -> ``JobComplete`` | ``Failed`` |
``Aborted`` (Salesforce's "Job States" page of the Bulk API 2.0 guide): it stays InProgress for
``faults.bulk2_job_s`` of sandbox clock after the upload is closed, then ends. A Failed or
Aborted job processed only part of its rows ("even if the batch failed, some records could have
completed"); the rest are served at ``unprocessedrecords``.
"""

from __future__ import annotations

import csv
import io
import itertools
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from sandbox.salesforce.errors import SalesforceError
from sandbox.salesforce.ids import case_safe_suffix
from sandbox.salesforce.query import select
from sandbox.salesforce.schema import API_VERSION, DEFAULT_OWNER_ID
from sandbox.salesforce.store import SalesforceStore, WriteOp, lock_row_error
from sandbox.salesforce.values import format_datetime
from sandbox.salesforce.values import render_csv as cell
from sandbox.salesforce.wire import json_response, read_json
from sandbox.salesforce.writes import refuse_duplicate_external_ids

DELIMITERS = {"COMMA": ",", "TAB": "\t", "PIPE": "|", "SEMICOLON": ";", "CARET": "^"}
DELIMITERS["BACKQUOTE"] = "`"
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
INGEST_OPERATIONS = ("insert", "update", "upsert", "delete", "hardDelete")
NULL = "#N/A"  # a Bulk CSV cell that sets the field to null (an empty cell leaves it unchanged)


def _csv(text: str, headers: dict[str, str] | None = None) -> Response:
    return Response(text, 200, media_type="text/csv", headers=headers)


@dataclass
class Job:
    """One ingest or query job and, once processed, its results."""

    id: str
    kind: str  # "ingest" or "query"
    operation: str
    object: str
    created: datetime
    delimiter: str = "COMMA"
    line_ending: str = "LF"
    external_id_field: str | None = None
    query: str | None = None
    state: str = "Open"
    error_message: str | None = None
    uploads: list[str] = field(default_factory=list)
    successful: list[list[str]] = field(default_factory=list)
    failed: list[list[str]] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    unprocessed: list[list[str]] = field(default_factory=list)
    processed: int = 0
    ready_at: float | None = None  # sandbox monotonic time the running job ends
    outcome: str = "JobComplete"  # how the running job ends

    def info(self) -> dict[str, Any]:
        stamp = format_datetime(self.created)
        body: dict[str, Any] = {
            "id": self.id,
            "operation": self.operation,
            "object": self.object,
            "createdById": DEFAULT_OWNER_ID,
            "createdDate": stamp,
            "systemModstamp": stamp,
            "state": self.state,
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": float(API_VERSION),
            "lineEnding": self.line_ending,
            "columnDelimiter": self.delimiter,
            "numberRecordsProcessed": self.processed,
            "retries": 0,
            "totalProcessingTime": 0,
        }
        if self.kind == "ingest":
            body["jobType"] = "V2Ingest"
            body["contentUrl"] = f"services/data/v{API_VERSION}/jobs/ingest/{self.id}/batches"
            body["numberRecordsFailed"] = len(self.failed)
            if self.external_id_field:
                body["externalIdFieldName"] = self.external_id_field
        else:
            body["jobType"] = "V2Query"
            body["query"] = self.query
        if self.error_message:
            body["errorMessage"] = self.error_message
        return body

    def result_csv(self, prefix: list[str], rows: list[list[str]]) -> str:
        buffer = io.StringIO()
        writer = csv.writer(
            buffer,
            delimiter=DELIMITERS[self.delimiter],
            lineterminator=LINE_ENDINGS[self.line_ending],
            quoting=csv.QUOTE_ALL,
        )
        writer.writerow(prefix + self.columns)
        writer.writerows(rows)
        return buffer.getvalue()


class Bulk2:
    """The ``jobs/ingest`` and ``jobs/query`` resources."""

    def __init__(self, store: SalesforceStore) -> None:
        self.store = store
        self.jobs: dict[str, Job] = {}
        self._serial = itertools.count(1)
        self._lock = threading.Lock()
        self.query_rows: dict[str, tuple[list[str], list[list[str]]]] = {}

    async def dispatch(self, method: str, seg: list[str], request: Request) -> Response:
        kind = seg[0]
        if kind not in ("ingest", "query"):
            raise _not_found()
        if len(seg) == 1:
            if method == "POST":
                return self.create(kind, await _body(request))
            if method == "GET":
                jobs = [j.info() for j in self.jobs.values() if j.kind == kind]
                return json_response({"done": True, "records": jobs, "nextRecordsUrl": None})
            raise _not_found()
        job = self.jobs.get(seg[1])
        if job is None or job.kind != kind:
            raise _not_found()
        self._advance(job)
        if len(seg) == 2:
            if method == "GET":
                if job.kind == "query" and job.state == "UploadComplete":
                    job.state = "JobComplete"  # the query ran when the job was created
                return json_response(job.info())
            if method == "PATCH":
                return self.set_state(job, (await _body(request)).get("state"))
            if method == "DELETE":
                self.jobs.pop(job.id, None)
                self.query_rows.pop(job.id, None)
                return Response(status_code=204)
        if len(seg) == 3 and kind == "ingest":
            if seg[2] == "batches" and method == "PUT":
                if job.state != "Open":
                    raise SalesforceError(
                        "INVALIDJOBSTATE", f"Job {job.id} is not Open", status=409
                    )
                job.uploads.append((await request.body()).decode("utf-8"))
                return Response(status_code=201)
            if method == "GET":
                return self.ingest_results(job, seg[2])
        if len(seg) == 3 and kind == "query" and seg[2] == "results" and method == "GET":
            return self.query_results(job, request)
        raise _not_found()

    def _new_id(self) -> str:
        with self._lock:
            id15 = f"7508d{next(self._serial):010d}"
        return id15 + case_safe_suffix(id15)

    def create(self, kind: str, body: dict[str, Any]) -> Response:
        operation = str(body.get("operation", ""))
        delimiter = str(body.get("columnDelimiter") or "COMMA")
        line_ending = str(body.get("lineEnding") or "LF")
        if delimiter not in DELIMITERS or line_ending not in LINE_ENDINGS:
            raise SalesforceError("INVALIDJOB", "Invalid columnDelimiter or lineEnding")
        created = self.store.now()
        if kind == "query":
            if operation not in ("query", "queryAll"):
                raise SalesforceError("INVALIDJOB", f"Invalid operation: {operation}")
            soql = str(body.get("query") or "")
            selection = select(self.store, soql, include_deleted=operation == "queryAll")
            if selection.is_count:
                raise SalesforceError("INVALIDJOB", "COUNT() is not supported by Bulk API 2.0")
            job = Job(
                self._new_id(), "query", operation, selection.spec.name, created,
                delimiter, line_ending, query=soql, state="UploadComplete",
            )  # fmt: skip
            job.columns = list(selection.fields)
            rows = [[cell(row[f]) for f in selection.fields] for row in selection.rows]
            job.processed = len(rows)
            self.query_rows[job.id] = (job.columns, rows)
        else:
            spec = self.store.object_spec(str(body.get("object", "")))
            if spec is None:
                # As Bulk API answers it (a 400 INVALIDJOB, not the REST API's 404).
                raise SalesforceError("INVALIDJOB", f"Unable to find object: {body.get('object')}")
            if operation not in INGEST_OPERATIONS:
                raise SalesforceError("INVALIDJOB", f"Invalid operation: {operation}")
            ext = body.get("externalIdFieldName")
            if operation == "upsert" and not ext:
                raise SalesforceError("INVALIDJOB", "externalIdFieldName is required for upsert")
            job = Job(
                self._new_id(), "ingest", operation, spec.name, created, delimiter, line_ending,
                external_id_field=str(ext) if ext else None,
            )  # fmt: skip
        self.jobs[job.id] = job
        return json_response(job.info())

    def set_state(self, job: Job, state: object) -> Response:
        if state == "Aborted":
            if job.state in ("JobComplete", "Failed", "Aborted"):
                raise SalesforceError("INVALIDJOBSTATE", "Job is already finished", status=409)
            if job.kind == "ingest" and job.state in ("Open", "UploadComplete", "InProgress"):
                header, job.unprocessed = self._read_uploads(job)
                job.columns = header
            job.state = "Aborted"
            job.ready_at = None
            return json_response(job.info())
        if state != "UploadComplete" or job.kind != "ingest" or job.state != "Open":
            raise SalesforceError("INVALIDJOBSTATE", f"Cannot change state to {state}", status=409)
        job.state = "UploadComplete"
        answer = job.info()
        ctx = self.store.ctx
        faults = ctx.faults
        if ctx.roll(faults.bulk2_fail_rate):
            job.outcome = "Failed"
        elif ctx.roll(faults.bulk2_abort_rate):
            job.outcome = "Aborted"
        job.ready_at = ctx.monotonic() + max(0.0, faults.bulk2_job_s)
        self._advance(job)  # a job of no duration has ended by the next poll
        return json_response(answer)

    def _advance(self, job: Job) -> None:
        """Move a running ingest job along the sandbox clock: InProgress, then its outcome."""
        if job.ready_at is None or job.state not in ("UploadComplete", "InProgress"):
            return
        ctx = self.store.ctx
        if ctx.monotonic() < job.ready_at:
            job.state = "InProgress"
            return
        job.ready_at = None
        if job.outcome == "JobComplete":
            self._process(job)
            return
        # Part of the rows went through before the job stopped; the rest were never processed.
        try:
            rows = self._read_uploads(job)[1]
        except ValueError as exc:
            return self._fail(job, str(exc))
        done = int(len(rows) * ctx.timing_rng.random())
        self._process(job, limit=done)
        if job.state == "Failed":
            return  # the upload itself was invalid: that failure stands
        job.state = job.outcome
        job.error_message = (
            "InternalServerError : the job stopped while processing its records"
            if job.outcome == "Failed"
            else None  # aborted by a user with "Manage Data Integrations"
        )

    @staticmethod
    def _read_uploads(job: Job) -> tuple[list[str], list[list[str]]]:
        header: list[str] = []
        rows: list[list[str]] = []
        for upload in job.uploads:
            reader = csv.reader(
                io.StringIO(upload, newline=""), delimiter=DELIMITERS[job.delimiter]
            )
            this_header = next(reader, [])
            if header and this_header != header:
                raise ValueError("InvalidBatch : all uploads must share one header")
            header = this_header
            rows.extend(r for r in reader if r)
        return header, rows

    def _process(self, job: Job, limit: int | None = None) -> None:
        """Write the job's rows (the first ``limit`` of them; the others stay unprocessed)."""
        spec = self.store.object_spec(job.object)
        assert spec is not None
        try:
            job.columns, rows = self._read_uploads(job)
        except ValueError as exc:
            return self._fail(job, str(exc))
        if limit is not None:
            rows, job.unprocessed = rows[:limit], rows[limit:]
        unknown = [c for c in job.columns if spec.field(c) is None]
        if unknown:
            return self._fail(job, f"InvalidBatch : Field name not found : {unknown[0]}")
        ext = job.external_id_field
        if job.operation == "upsert" and ext not in job.columns:
            return self._fail(job, f"InvalidBatch : Field name not found : {ext}")
        if job.operation not in ("insert", "upsert") and "Id" not in job.columns:
            return self._fail(job, "InvalidBatch : Field name not found : Id")
        planned: list[tuple[list[str], str, WriteOp | SalesforceError]] = []
        for row in rows:
            values: dict[str, object] = {}
            for column, value in zip(job.columns, row, strict=False):
                if value == NULL:
                    values[column] = None
                elif value != "":
                    values[column] = value
            record_id = str(values.get("Id") or "")
            try:
                op: WriteOp | SalesforceError = self._op(job, spec.name, values, record_id)
            except SalesforceError as exc:
                op = exc
            planned.append((row, record_id, op))
        if job.operation == "upsert":
            checked = refuse_duplicate_external_ids([op for _, _, op in planned])
            planned = [(row, rid, op) for (row, rid, _), op in zip(planned, checked, strict=True)]
        if job.operation in ("delete", "hardDelete"):
            for row, record_id, _ in planned:
                try:
                    if self.store.roll_lock_fault():
                        raise lock_row_error(record_id)
                    self.store.delete(spec.name, record_id)
                    job.successful.append([record_id, "false", *row])
                except SalesforceError as exc:
                    job.failed.append([record_id, exc.bulk_error(), *row])
        else:
            # One transaction per job keeps a large job to one write-through to SQLite.
            ops = [op for _, _, op in planned if isinstance(op, WriteOp)]
            results = iter(self.store.write(ops))
            for row, record_id, op in planned:
                if isinstance(op, SalesforceError):
                    job.failed.append([record_id, op.bulk_error(), *row])
                    continue
                result = next(results)
                if result.success:
                    created = "true" if result.created else "false"
                    job.successful.append([str(result.id), created, *row])
                else:
                    job.failed.append([record_id, result.errors[0].bulk_error(), *row])
        job.processed = len(rows)
        job.state = "JobComplete"

    def _op(self, job: Job, object_type: str, values: dict[str, object], record_id: str) -> WriteOp:
        locked = self.store.roll_lock_fault()
        if job.operation == "insert":
            return WriteOp("create", object_type, values, lock_fail=locked)
        if job.operation == "update":
            return WriteOp("update", object_type, values, record_id=record_id, lock_fail=locked)
        ext = job.external_id_field or "Id"
        ext_value = values.get(ext)
        if ext_value in (None, ""):
            raise SalesforceError("MISSING_ARGUMENT", f"{ext} not specified", [ext])
        fields = {k: v for k, v in values.items() if k != "Id" or ext == "Id"}
        return WriteOp(
            "upsert", object_type, fields, ext_field=ext, ext_value=str(ext_value), lock_fail=locked
        )

    @staticmethod
    def _fail(job: Job, message: str) -> None:
        job.state = "Failed"
        job.error_message = message

    def ingest_results(self, job: Job, which: str) -> Response:
        if job.state in ("UploadComplete", "InProgress"):
            raise SalesforceError(
                "INVALIDJOBSTATE", f"Job {job.id} is {job.state}: no results yet", status=409
            )
        if which == "successfulResults":
            return _csv(job.result_csv(["sf__Id", "sf__Created"], job.successful))
        if which == "failedResults":
            return _csv(job.result_csv(["sf__Id", "sf__Error"], job.failed))
        if which.lower() == "unprocessedrecords":
            return _csv(job.result_csv([], job.unprocessed))
        raise _not_found()

    def query_results(self, job: Job, request: Request) -> Response:
        if job.state not in ("JobComplete", "InProgress", "UploadComplete"):
            raise SalesforceError("INVALIDJOBSTATE", f"Job {job.id} is {job.state}", status=409)
        columns, rows = self.query_rows[job.id]
        params = request.query_params
        try:
            start = int(params.get("locator") or 0)
            size = int(params.get("maxRecords") or 50_000)
        except ValueError as exc:
            raise SalesforceError("INVALID_LOCATOR", "invalid locator or maxRecords") from exc
        page = rows[start : start + size]
        following = start + len(page)
        buffer = io.StringIO()
        writer = csv.writer(
            buffer,
            delimiter=DELIMITERS[job.delimiter],
            lineterminator=LINE_ENDINGS[job.line_ending],
            quoting=csv.QUOTE_ALL,
        )
        writer.writerow(columns)
        writer.writerows(page)
        headers = {
            "Sforce-NumberOfRecords": str(len(page)),
            "Sforce-Locator": str(following) if following < len(rows) else "null",
        }
        return _csv(buffer.getvalue(), headers)


async def _body(request: Request) -> dict[str, Any]:
    body = await read_json(request)
    if not isinstance(body, dict):
        raise SalesforceError("JSON_PARSER_ERROR", "a JSON object is expected")
    return body


def _not_found() -> SalesforceError:
    return SalesforceError("NOT_FOUND", "The requested resource does not exist", status=404)
