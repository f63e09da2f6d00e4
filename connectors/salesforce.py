"""The Salesforce adapter (simple-salesforce): changes, reads, batched writes, schema, usage."""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar
from urllib.parse import urlparse

import requests
from requests.adapters import HTTPAdapter
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceError, SalesforceOperationError

from connectors.base import (
    ApiUsage,
    ChangePage,
    Cursor,
    ObjectSchema,
    SourceRecord,
    System,
    WriteOp,
    WriteResult,
)
from connectors.budgets import UsageBoard
from connectors.errors import (
    AuthConfigError,
    ConnectorError,
    QuotaExhaustedError,
    RecordRejectedError,
    build_error,
)
from connectors.owners import OwnerDirectory
from connectors.retry import RetryPolicy
from connectors.salesforce_auth import SalesforceAuth, SalesforceToken, SessionIdSignIn, SignIn
from connectors.salesforce_owners import (
    ACTIVE_RULE,
    ASSIGN_HEADER,
    NO_RULES,
    OWNER_FIELD,
    active_rule,
    load_owners,
    rule_header,
    with_owner_emails,
    with_owner_ids,
)
from connectors.salesforce_read import (
    EXTERNAL_ID_FIELD,
    OBJECT_TYPES,
    CursorTracker,
    changes_soql,
    ids_soql_chunks,
    parse_rows,
    parse_schema,
    select_fields,
)
from connectors.salesforce_tasks import TASK, HandoffTask, create_tasks, existing_tasks
from connectors.salesforce_write import BulkOutcome, Mode, SalesforceWriter, bulk_csv
from connectors.servertime import ServerClock

T = TypeVar("T")
log = logging.getLogger(__name__)
_USAGE = re.compile(r"api-usage=(\d+)/(\d+)")
_BULK_POLL_S = 2.0  # first wait between polls of a running Bulk 2.0 job, doubled up to the max
_BULK_POLL_MAX_S = 30.0
_BULK_TIMEOUT_S = 3600.0  # real jobs run minutes; past this leadsync aborts the job
_BULK_DONE = ("JobComplete", "Failed", "Aborted")


class _TimeoutAdapter(HTTPAdapter):
    """Gives every request a timeout, including the ones simple-salesforce's bulk2 makes."""

    def __init__(self, timeout_s: float) -> None:
        super().__init__(pool_maxsize=8)
        self.timeout_s = timeout_s

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout_s
        return super().send(request, **kwargs)


class SalesforceConnector:
    """Reads and writes Leads, Contacts and Opportunities of one Salesforce org."""

    system: System = "salesforce"

    def __init__(
        self,
        instance_url: str,
        session_id: str = "",
        *,
        sign_in: SignIn | None = None,
        ca_path: str | None = None,
        max_usage_share: float = 0.8,
        bulk_threshold: int = 2000,
        timeout_s: float = 30.0,
        retry: RetryPolicy | None = None,
        lookback_s: float = 0.0,
        usage_board: UsageBoard | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        assignment_rule: str | None = None,
    ) -> None:
        self._lock = threading.Lock()
        # The org's usage as other processes saw it: the share stop holds across them.
        self._usage_board = usage_board
        self._server_clock = ServerClock(clock)  # the org's time, from its Date headers
        self._calls = 0
        self._retries = 0
        self._used: int | None = None
        self._limit: int | None = None
        session = requests.Session()
        session.trust_env = False  # REQUESTS_CA_BUNDLE must not override the CA we were given
        if ca_path:
            session.verify = ca_path
        session.mount("https://", _TimeoutAdapter(timeout_s))
        session.hooks["response"].append(self._on_response)
        # No sign-in here: the first call signs in (an OAuth flow may name another instance).
        self._auth = SalesforceAuth(sign_in or SessionIdSignIn(instance_url, session_id), session)
        session.auth = self._auth
        self._session = session
        self._client: Salesforce | None = None
        self._instance_url = instance_url
        self._retry = retry or RetryPolicy()
        self._max_usage_share = max_usage_share
        self._bulk_threshold = bulk_threshold
        self._lookback_s = lookback_s  # re-read window for late-visible transactions
        self._schemas: dict[str, ObjectSchema] = {}
        self._converted: dict[str, str] = {}  # Lead id -> ConvertedContactId, seen in reads
        self._wanted: dict[str, tuple[str, ...]] = {}  # object type -> fields to read
        self._owners = OwnerDirectory("salesforce", lambda: load_owners(self._rows, self._userinfo))
        self._assignment_rule = assignment_rule  # None, "active" or a lead rule's name
        self._create_header: str | None = None  # Sforce-Auto-Assign for creates, resolved once

    def __repr__(self) -> str:
        return f"SalesforceConnector({self._instance_url!r})"

    # -- plumbing ---------------------------------------------------------------------------

    @property
    def _sf(self) -> Salesforce:
        """The simple-salesforce client for the current token (signs in on first use)."""
        return self._client_for(self._auth.token())

    def _client_for(self, token: SalesforceToken) -> Salesforce:
        with self._lock:
            client = self._client
            if client is None or client.sf_instance != _host(token.instance_url):
                client = Salesforce(
                    instance_url=token.instance_url,
                    session_id=token.access_token,
                    session=self._session,
                )
                self._client = client
                self._instance_url = token.instance_url
            elif client.session_id != token.access_token:
                # SalesforceAuth already sends the new token; keep the client's copy in step.
                client.session_id = token.access_token
                client.headers["Authorization"] = f"Bearer {token.access_token}"
            return client

    def signed_in(self) -> str:
        """Sign in (if not yet) and say how and where, e.g. for ``leadsync check --online``."""
        token = self._call(self._auth.token, safe=True)
        return f"signed in with {self._auth.label} (instance {token.instance_url})"

    @property
    def sign_ins(self) -> int:
        """How many tokens were fetched so far (the first sign-in and each renewal)."""
        return self._auth.sign_ins

    def _on_response(self, response: requests.Response, *args: object, **kwargs: object) -> None:
        self._server_clock.note(response.headers.get("Date"))
        with self._lock:
            self._calls += 1
            match = _USAGE.search(response.headers.get("Sforce-Limit-Info", ""))
            if match:
                self._used, self._limit = int(match.group(1)), int(match.group(2))
        if match and self._usage_board is not None:
            self._usage_board.note(int(match.group(1)), int(match.group(2)))

    def server_now(self) -> datetime:
        """The org's current time as far as its answers told (our clock until one did)."""
        return self._server_clock.now()

    def _check_quota(self) -> None:
        """Stop before a new operation once usage crossed our share of the daily allowance."""
        if self._usage_board is not None:
            seen = self._usage_board.latest()
            if seen is not None and (self._used is None or seen[0] > self._used):
                with self._lock:
                    self._used, self._limit = seen
        if self._used is None or not self._limit:
            return
        if self._used >= self._max_usage_share * self._limit:
            raise QuotaExhaustedError(
                f"salesforce API usage {self._used}/{self._limit} crossed the configured "
                f"share {self._max_usage_share:.0%}; stopping to leave the rest to other clients",
                system="salesforce",
                code="USAGE_SHARE_REACHED",
            )

    def _count_retry(self, error: BaseException, delay: float) -> None:
        with self._lock:
            self._retries += 1

    def _call(self, fn: Callable[[], T], *, safe: bool) -> T:
        """One API call with the retry policy and vendor errors translated.

        A call refused with INVALID_SESSION_ID (the session expired) signs in again once and is
        repeated: the refusal means nothing was processed, so even a create is safe to repeat.
        """

        def attempt() -> T:
            token = self._auth.token()
            try:
                return once()
            except AuthConfigError as exc:
                if exc.code != "INVALID_SESSION_ID":
                    raise
                self._client_for(self._auth.renew(token))
                return once()

        def once() -> T:
            try:
                return fn()
            except SalesforceError as exc:
                raise _translate(exc) from exc
            except SalesforceOperationError as exc:
                # Not a SalesforceError: a Bulk 2.0 job that failed, or an upload refused.
                raise build_error(
                    "salesforce", 0, "BULK_JOB_FAILED", str(exc)[:300] or type(exc).__name__
                ) from exc
            except requests.exceptions.SSLError as exc:
                raise build_error(
                    "salesforce", 0, "SSL_CERTIFICATE", "TLS verification failed"
                ) from exc
            except requests.exceptions.InvalidJSONError as exc:
                raise build_error(
                    "salesforce",
                    0,
                    "INVALID_JSON",
                    "the request body holds a value JSON cannot carry (NaN or infinity)",
                    may_have_applied=False,
                ) from exc
            except requests.RequestException as exc:
                # A connection that never opened cannot have written anything.
                applied = not isinstance(exc, requests.ConnectTimeout)
                raise build_error(
                    "salesforce", 0, type(exc).__name__, "no answer", may_have_applied=applied
                ) from exc

        return self._retry.call(attempt, safe=safe, on_retry=self._count_retry)

    def _query_pages(
        self, soql: str, *, include_deleted: bool
    ) -> Iterator[list[Mapping[str, Any]]]:
        result = self._call(
            lambda: self._sf.query(soql, include_deleted=include_deleted), safe=True
        )
        while True:
            yield list(result.get("records", []))
            if result.get("done", True) or not result.get("nextRecordsUrl"):
                return
            self._check_quota()
            next_url = str(result["nextRecordsUrl"])
            result = self._call(
                partial(self._sf.query_more, next_url, identifier_is_url=True), safe=True
            )

    def _pause(self, attempt: int) -> None:
        """Wait before writing rows again that were refused as locked."""
        self._count_retry(RuntimeError("locked rows"), 0.0)
        self._retry.sleep(self._retry.backoff(attempt))

    def _check_object(self, object_type: str) -> None:
        if object_type not in OBJECT_TYPES:
            raise ValueError(f"unsupported Salesforce object {object_type!r}")

    def _remember(self, record: SourceRecord) -> None:
        contact = record.fields.get("ConvertedContactId")
        if record.object_type == "Lead" and record.fields.get("IsConverted") and contact:
            self._converted[record.id] = str(contact)

    def _fields(self, object_type: str, schema: ObjectSchema) -> tuple[str, ...]:
        return select_fields(object_type, schema, self._wanted.get(object_type))

    # -- the Connector protocol -------------------------------------------------------------

    def want(self, object_type: str, fields: Sequence[str]) -> None:
        """Read only these fields of ``object_type`` (plus ids, stamps, email, conversion).

        Without it every field is read, which a real org's hundreds of fields make too long
        for a URL. Names the org lacks are skipped (checked against describe).
        """
        self._check_object(object_type)
        self._wanted[object_type] = tuple(fields)

    def changes(
        self, object_type: str, since: Cursor, *, full: bool = False
    ) -> Iterator[ChangePage]:
        """Records changed since the cursor, one page per SOQL page; deletions included."""
        self._check_object(object_type)
        self._check_quota()
        schema = self.describe(object_type)
        fields = self._fields(object_type, schema)
        soql = changes_soql(object_type, fields, since, full=full, lookback_s=self._lookback_s)
        tracker = CursorTracker(Cursor() if full else since, self._lookback_s)
        # queryAll returns deleted rows too (IsDeleted), so deletions come as records.
        for rows in self._query_pages(soql, include_deleted=not full):
            records = tracker.accept(parse_rows(object_type, rows, schema))
            records = self._owner_emails(object_type, records)
            for record in records:
                self._remember(record)
            yield ChangePage(records=records, cursor=tracker.cursor)

    def read(self, object_type: str, ids: Sequence[str]) -> list[SourceRecord]:
        """Records by id; missing or deleted ids are left out."""
        return self._read_where(object_type, "Id", ids)

    def find_by_email(self, object_type: str, emails: Sequence[str]) -> list[SourceRecord]:
        """Live records whose Email is one of ``emails`` (SOQL compares them case-blind).

        The engine looks up before it creates, so a record not read this run is not duplicated.
        """
        return self._read_where(object_type, "Email", [e for e in emails if e])

    def _read_where(self, object_type: str, key: str, values: Sequence[str]) -> list[SourceRecord]:
        self._check_object(object_type)
        self._check_quota()
        schema = self.describe(object_type)
        fields = self._fields(object_type, schema)
        out: list[SourceRecord] = []
        unique = list(dict.fromkeys(values))
        for soql in ids_soql_chunks(object_type, fields, unique, key):
            for rows in self._query_pages(soql, include_deleted=False):
                out.extend(parse_rows(object_type, rows, schema))
        for record in out:
            self._remember(record)
        return self._owner_emails(object_type, out)

    def _owner_emails(self, object_type: str, records: list[SourceRecord]) -> list[SourceRecord]:
        """Owner ids as emails, when the caller asked for the owner (``want``)."""
        if OWNER_FIELD not in self._wanted.get(object_type, ()):
            return records
        return with_owner_emails(records, self._owners)

    def write(self, ops: Sequence[WriteOp]) -> list[WriteResult]:
        """Write a batch: updates by Id, upserts on the external id, creates; one result each."""
        for op in ops:
            self._check_object(op.object_type)
        if not ops:
            return []
        self._check_quota()
        ops = with_owner_ids(ops, self._owners)
        # Each Sforce-Auto-Assign value is its own set of calls: leadsync always sends one,
        # since without it the REST API applies the active rule to every Lead it touches.
        by_header: dict[str, list[int]] = {}
        for i, op in enumerate(ops):
            by_header.setdefault(self._header_for(op), []).append(i)
        results: dict[int, WriteResult] = {}
        for header, indexes in by_header.items():
            writer = SalesforceWriter(
                composite=partial(self._composite, assign=header),
                bulk=self._bulk,
                converted_contacts=self._converted_contacts,
                contact_schema=lambda: self.describe("Contact"),
                pause=self._pause,
                known_converted=self._converted,
                # Bulk 2.0 jobs take no assignment header: writes that ask for the rules go
                # through composite calls.
                bulk_threshold=self._bulk_threshold if header == NO_RULES else sys.maxsize,
                max_rounds=self._retry.max_attempts,
            )
            for i, result in zip(indexes, writer.write([ops[i] for i in indexes]), strict=True):
                results[i] = result
        return [results[i] for i in range(len(ops))]

    def _header_for(self, op: WriteOp) -> str:
        if op.object_type != "Lead":
            return NO_RULES
        if op.id is None:
            return self.create_header()
        # An AssignmentRule id applies to created records only: updates ask for the active rule.
        return ACTIVE_RULE if op.assign else NO_RULES

    def create_header(self) -> str:
        """Sforce-Auto-Assign for created Leads (the rule's name looked up once)."""
        if self._create_header is None:
            self._create_header = rule_header(self._assignment_rule, self._rows)
        return self._create_header

    # -- owners and the hand-off -------------------------------------------------------------

    def _rows(self, soql: str) -> Iterator[Mapping[str, Any]]:
        for rows in self._query_pages(soql, include_deleted=False):
            yield from rows

    def _userinfo(self) -> Mapping[str, Any] | None:
        """``GET /services/oauth2/userinfo``: the signed-in user (once per run, with the owners)."""
        answer = self._call(lambda: self._sf.oauth2("userinfo"), safe=True)
        return answer if isinstance(answer, Mapping) else None

    def owner_emails(self) -> frozenset[str]:
        """Emails of the active Users (one User and one queue query per run)."""
        return self._owners.assignable_emails()

    def reset_owners(self) -> None:
        """Read the owners again on next use (a new run)."""
        self._owners.reset()

    def active_assignment_rule(self) -> str | None:
        """The name of the org's active lead assignment rule (``check --online``)."""
        return active_rule(self._rows)

    def create_handoff_tasks(self, tasks: Sequence[HandoffTask]) -> list[WriteResult]:
        """A Task per hand-off not already in Salesforce; one result per task (ref = record)."""
        if not tasks:
            return []
        self._check_quota()
        return create_tasks(
            tasks,
            self._owners,
            self._rows,
            lambda records: self._composite(Mode.CREATE, TASK, records, assign=NO_RULES),
        )

    def existing_handoffs(self, tasks: Sequence[HandoffTask]) -> set[tuple[str, str]]:
        """(record id, key) of the hand-offs that already have a Task (read only)."""
        if not tasks:
            return set()
        self._check_quota()
        return existing_tasks(tasks, self._rows)

    # -- campaigns (connectors/salesforce_campaigns.py) -------------------------------------

    def soql(self, soql: str) -> Iterator[list[Mapping[str, Any]]]:
        """The pages of rows of one query, through the retry policy and the usage stop."""
        self._check_quota()
        return self._query_pages(soql, include_deleted=False)

    def collection(
        self, mode: Mode, object_type: str, records: list[dict[str, object]]
    ) -> list[Mapping[str, object]]:
        """One composite collection call (at most 200 records) with per-record answers."""
        self._check_quota()
        return self._composite(mode, object_type, records)

    def describe(self, object_type: str) -> ObjectSchema:
        """The object's live schema (cached for the connector's life)."""
        if object_type not in self._schemas:
            raw = self._call(
                lambda: self._sf.restful(f"sobjects/{object_type}/describe"), safe=True
            )
            self._schemas[object_type] = parse_schema(object_type, raw or {})
        return self._schemas[object_type]

    def usage(self) -> ApiUsage:
        """Calls made by this connector and the org's daily usage from Sforce-Limit-Info."""
        with self._lock:
            return ApiUsage(
                calls=self._calls, used=self._used, limit=self._limit, retries=self._retries
            )

    # -- write transports ---------------------------------------------------------------------

    def _composite(
        self,
        mode: Mode,
        object_type: str,
        records: list[dict[str, object]],
        *,
        assign: str = NO_RULES,
    ) -> list[Mapping[str, object]]:
        payload = {"allOrNone": False, "records": records}
        if mode is Mode.UPSERT:
            path, method = f"composite/sobjects/{object_type}/{EXTERNAL_ID_FIELD}", "PATCH"
        elif mode is Mode.UPDATE:
            path, method = "composite/sobjects", "PATCH"
        else:
            path, method = "composite/sobjects", "POST"
        answer = self._call(
            lambda: self._sf.restful(
                path, method=method, json=payload, headers={ASSIGN_HEADER: assign}
            ),
            safe=mode is not Mode.CREATE,
        )
        if not isinstance(answer, list) or len(answer) != len(records):
            raise build_error("salesforce", 200, "BAD_ANSWER", "composite answer does not match")
        return answer

    def _bulk(self, mode: Mode, object_type: str, ops: Sequence[WriteOp]) -> BulkOutcome:
        """One Bulk 2.0 ingest job, stepped here rather than by simple-salesforce's ``wait``.

        Its polling sleeps on the wall clock and raises SalesforceOperationError when a job
        fails; here the waits go through the retry policy's ``sleep`` (tests move the sandbox
        clock instead) and a Failed / Aborted job still yields its results, so the records it
        did not write are dead-lettered with the job's end as the reason.
        """
        client = getattr(self._sf.bulk2, object_type)._client
        _, body = bulk_csv(ops, mode)
        operation = "update" if mode is Mode.UPDATE else "upsert"
        ext = None if mode is Mode.UPDATE else EXTERNAL_ID_FIELD
        job = self._call(lambda: client.create_job(operation, external_id_field=ext), safe=True)
        job_id = str(job["id"])
        try:
            self._call(lambda: client.upload_job_data(job_id, body), safe=True)
            self._close_bulk(client, job_id)
        except ConnectorError:
            self._abort_bulk(client, job_id)
            raise
        info = self._wait_for_bulk(client, job_id)
        state = str(info.get("state") or "")
        results = {
            which: self._call(partial(client.get_ingest_results, job_id, which), safe=True)
            for which in ("successfulResults", "failedResults", "unprocessedRecords")
        }
        reason = ""
        if state != "JobComplete":
            detail = str(info.get("errorMessage") or "no error message")
            reason = f"Bulk 2.0 job {job_id} ended {state}: {detail}"
            log.warning("%s (%d records)", reason, len(ops))
        return BulkOutcome(
            successful=results["successfulResults"],
            failed=results["failedResults"],
            unprocessed=results["unprocessedRecords"],
            state=state,
            reason=reason,
        )

    def _close_bulk(self, client: Any, job_id: str) -> None:
        """Mark the job's upload complete; a close whose answer was lost counts as done.

        A close that timed out may have reached Salesforce: the retry is then refused with
        409 INVALIDJOBSTATE ("Cannot change state to UploadComplete"). The job's own state
        says whether it was closed (UploadComplete, InProgress or ended) or not (Open).
        """
        try:
            self._call(lambda: client.close_job(job_id), safe=True)
        except ConnectorError as exc:
            if exc.code != "INVALIDJOBSTATE":
                raise
            info = self._call(lambda: client.get_job(job_id, False), safe=True)
            if str(info.get("state") or "") in ("Open", "Aborted", ""):
                raise
            log.info("Bulk 2.0 job %s was already closed (%s)", job_id, info.get("state"))

    def _wait_for_bulk(self, client: Any, job_id: str) -> Mapping[str, Any]:
        """Poll a closed job until it ends; a job still running past the timeout is aborted."""
        waited, delay = 0.0, _BULK_POLL_S
        while True:
            info: Mapping[str, Any] = self._call(lambda: client.get_job(job_id, False), safe=True)
            if info.get("state") in _BULK_DONE:
                return info
            if waited >= _BULK_TIMEOUT_S:
                self._abort_bulk(client, job_id)
                info = self._call(lambda: client.get_job(job_id, False), safe=True)
                if info.get("state") in _BULK_DONE:
                    note = f"leadsync aborted it after waiting {waited:.0f}s"
                    return {**info, "errorMessage": info.get("errorMessage") or note}
                raise build_error(
                    "salesforce", 0, "BULK_JOB_ABORTED", f"job {job_id} did not end", fields=()
                )
            self._retry.sleep(delay)
            waited += delay
            delay = min(delay * 2, _BULK_POLL_MAX_S)

    def _abort_bulk(self, client: Any, job_id: str) -> None:
        try:
            self._call(lambda: client.abort_job(job_id, False), safe=True)
        except ConnectorError as exc:
            log.warning("could not abort Bulk 2.0 job %s: %s", job_id, exc)

    def _converted_contacts(self, ops: Sequence[WriteOp]) -> dict[str, str]:
        """ConvertedContactId for Lead ops refused as converted, keyed by op ref."""
        out: dict[str, str] = {}
        fields = ("Id", EXTERNAL_ID_FIELD, "ConvertedContactId")
        by_id = {str(op.id): op.ref for op in ops if op.id}
        by_ext = {str(op.external_id): op.ref for op in ops if not op.id and op.external_id}
        for key, refs in (("Id", by_id), (EXTERNAL_ID_FIELD, by_ext)):
            for soql in ids_soql_chunks("Lead", fields, list(refs), key=key):
                for rows in self._query_pages(soql, include_deleted=False):
                    for row in rows:
                        contact = row.get("ConvertedContactId")
                        ref = refs.get(str(row.get(key)))
                        if contact and ref is not None:
                            out[ref] = str(contact)
                            self._converted[str(row["Id"])] = str(contact)
        return out


def _host(url: str) -> str:
    """The host[:port] of a URL, as simple-salesforce keeps it in ``sf_instance``."""
    parts = urlparse(url)
    host = parts.hostname or ""
    return host if parts.port in (None, 443) else f"{host}:{parts.port}"


def _translate(exc: SalesforceError) -> ConnectorError:
    """A simple-salesforce exception as the taxonomy's error (never echoing the request)."""
    content = exc.content
    code, message, fields = "", "", ()
    if isinstance(content, list) and content and isinstance(content[0], Mapping):
        first = content[0]
        code = str(first.get("errorCode", ""))
        message = str(first.get("message", ""))
        fields = tuple(first.get("fields") or ())
    elif isinstance(content, bytes | str):
        message = (content.decode("utf-8", "replace") if isinstance(content, bytes) else content)[
            :200
        ]
    error = build_error(
        "salesforce", int(exc.status), code, message or exc.resource_name, fields=fields
    )
    if isinstance(error, RecordRejectedError) and exc.status == 300:
        error.code = error.code or "MORE_THAN_ONE_RECORD"
    return error
