"""The HubSpot adapter (hubspot-api-client): contact changes, reads, batch writes, limits."""

from __future__ import annotations

import json
import logging
import math
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from datetime import UTC, datetime
from typing import Any

import hubspot
import urllib3
from hubspot.crm.contacts.exceptions import ApiException
from hubspot.crm.properties.exceptions import ApiException as PropertiesApiException
from urllib3.util.retry import Retry

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
from connectors.errors import (
    ConnectorError,
    QuotaExhaustedError,
    RecordRejectedError,
    build_error,
)
from connectors.hubspot_read import (
    MODIFIED,
    OBJECT_TYPE,
    OverlapCursor,
    parse_contact,
    parse_datetime,
    parse_properties_schema,
    seen_key,
    to_ms,
)
from connectors.hubspot_write import (
    BATCH_MAX,
    BatchAnswer,
    Mode,
    batch_input,
    match_results,
    mode_of,
)
from connectors.ratelimit import RollingWindowLimiter
from connectors.retry import RetryPolicy

log = logging.getLogger(__name__)
SEARCH_LIMIT = 200
LIST_LIMIT = 100
WINDOW_TARGET = 1_000  # contacts a search window should match (the cap is 10,000)
WINDOW_START_MS = 3_600_000
WINDOW_MAX_MS = 30 * 86_400_000
Json = dict[str, Any]


class HubSpotConnector:
    """Reads and writes the contacts of one HubSpot portal inside its rate limits."""

    system: System = "hubspot"

    def __init__(
        self,
        host: str,
        token: str,
        *,
        ca_path: str | None = None,
        rate: str = "190/10s",
        search_per_second: float = 4.0,
        timeout_s: float = 30.0,
        index_delay_s: float = 5.0,
        retry: RetryPolicy | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        # One retry layer (ours): urllib3 must not retry underneath it.
        client = hubspot.Client.create(
            access_token=token,
            host=host.rstrip("/"),
            ssl_ca_cert=ca_path,
            retry=Retry(total=0, connect=0, read=0, redirect=0, status=0, other=0),
        )
        contacts = client.crm.contacts  # each attribute access builds a new client: keep them
        self._basic = contacts.basic_api
        self._batch = contacts.batch_api
        self._search = contacts.search_api
        self._properties = client.crm.properties.core_api
        self._host = host
        self._timeout_s = timeout_s
        self._index_delay_s = index_delay_s
        self._retry = retry or RetryPolicy()
        self._clock = clock
        self._limiter = RollingWindowLimiter.parse(rate)
        burst = max(1, math.floor(search_per_second))
        self._search_limiter = RollingWindowLimiter(burst, burst / search_per_second)
        self._lock = threading.Lock()
        self._calls = 0
        self._retries = 0
        self._used: int | None = None
        self._limit: int | None = None
        self._daily_exhausted = False
        self._schema: ObjectSchema | None = None

    def __repr__(self) -> str:
        return f"HubSpotConnector({self._host!r})"

    # -- plumbing ---------------------------------------------------------------------------

    def _count_retry(self, error: BaseException, delay: float) -> None:
        with self._lock:
            self._retries += 1

    def _call(self, fn: Callable[[float], Any], *, safe: bool, search: bool = False) -> Json:
        """One API call: paced by the limiters, retried by the policy, errors translated.

        ``fn`` gets the timeout and returns the raw urllib3 response (``_preload_content=False``)
        so every status the server sends is seen, not only the ones the client deserializes.
        """

        def attempt() -> Json:
            if self._daily_exhausted:
                raise QuotaExhaustedError(
                    "hubspot daily limit reached", system="hubspot", code="DAILY"
                )
            with ExitStack() as stack:
                if search:
                    stack.enter_context(self._search_limiter)
                stack.enter_context(self._limiter)
                with self._lock:
                    self._calls += 1
                try:
                    response = fn(self._timeout_s)
                    body = response.data
                    self._note_usage(response.headers)
                except (ApiException, PropertiesApiException) as exc:
                    self._note_usage(exc.headers or {})
                    raise self._translate(exc) from exc
                except urllib3.exceptions.HTTPError as exc:
                    raise _network_error(exc) from exc
            if response.status == 204 or not body:
                return {}
            parsed = json.loads(body)
            return parsed if isinstance(parsed, dict) else {"results": parsed}

        return self._retry.call(attempt, safe=safe, on_retry=self._count_retry)

    def _note_usage(self, headers: Mapping[str, str]) -> None:
        daily = headers.get("X-HubSpot-RateLimit-Daily")
        remaining = headers.get("X-HubSpot-RateLimit-Daily-Remaining")
        if daily and remaining and daily.isdigit() and remaining.isdigit():
            with self._lock:
                self._limit, self._used = int(daily), int(daily) - int(remaining)

    def _translate(self, exc: ApiException | PropertiesApiException) -> ConnectorError:
        status = int(exc.status or 0)
        try:
            body = json.loads(exc.body) if exc.body else {}
        except (TypeError, ValueError):
            body = {}
        body = body if isinstance(body, dict) else {}
        code = str(body.get("policyName") or body.get("category") or body.get("errorType") or "")
        message = str(body.get("message") or exc.reason or "")[:500]
        wait_s: float | None = None
        headers = exc.headers or {}
        if status == 429:
            retry_after = headers.get("Retry-After")
            if retry_after and retry_after.replace(".", "", 1).isdigit():
                wait_s = float(retry_after)
            elif code == "SECONDLY":
                wait_s = 1.0
        error = build_error("hubspot", status, code, message, wait_s=wait_s)
        if code == "DAILY" and status == 429:
            self._daily_exhausted = True
        return error

    def properties(self) -> list[str]:
        """Every contact property name (read in full on every read)."""
        return list(self.describe(OBJECT_TYPE).fields)

    def _parse(self, raw: Mapping[str, Any]) -> SourceRecord:
        archived_at = (
            parse_datetime(str(raw.get("archivedAt") or "")) if raw.get("archived") else None
        )
        updated = parse_datetime(str(raw.get("updatedAt") or ""))
        return parse_contact(
            str(raw["id"]),
            raw.get("properties") or {},
            self.describe(OBJECT_TYPE),
            archived_at=archived_at,
            updated_at=updated,
        )

    def _check_object(self, object_type: str) -> None:
        if object_type != OBJECT_TYPE:
            raise ValueError(f"unsupported HubSpot object {object_type!r}")

    # -- the Connector protocol -------------------------------------------------------------

    def changes(
        self, object_type: str, since: Cursor, *, full: bool = False
    ) -> Iterator[ChangePage]:
        """Changed contacts since the cursor; ``full`` lists everything (archived too)."""
        self._check_object(object_type)
        started_ms = to_ms(self._clock())
        if full:
            yield from self._full(started_ms)
        else:
            yield from self._incremental(since, started_ms)

    def _list(self, *, archived: bool) -> Iterator[list[SourceRecord]]:
        after: str | None = None
        props = self.properties()
        while True:
            kwargs: dict[str, Any] = {
                "limit": LIST_LIMIT,
                "properties": props,
                "archived": archived,
            }
            if after:
                kwargs["after"] = after
            page = self._call(
                lambda t, kw=kwargs: self._basic.get_page(  # type: ignore[misc]
                    **kw, _preload_content=False, _request_timeout=t
                ),
                safe=True,
            )
            yield [self._parse(raw) for raw in page.get("results", [])]
            after = ((page.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                return

    def _full(self, started_ms: int) -> Iterator[ChangePage]:
        tracker = OverlapCursor(Cursor(), self._index_delay_s)
        for archived in (False, True):
            for records in self._list(archived=archived):
                yield ChangePage(records=tracker.accept(records), cursor=Cursor())
        # Anything changed after the scan began may have been passed by: cap the cursor there.
        yield ChangePage(records=[], cursor=tracker.cursor(cap_ms=started_ms))

    def _incremental(self, since: Cursor, started_ms: int) -> Iterator[ChangePage]:
        tracker = OverlapCursor(since, self._index_delay_s)
        low = tracker.start_ms()
        # Archived contacts never show in search: list them, keep those archived in the window.
        archived: list[SourceRecord] = []
        for records in self._list(archived=True):
            for record in records:
                ms = to_ms(record.modified_at)
                if low <= ms <= started_ms and record.deleted:
                    archived.append(record)
        archived = [r for r in archived if seen_key(r) not in tracker.seen]
        if archived:
            yield ChangePage(records=archived, cursor=since)
        for records in self._search_window(low, started_ms):
            yield ChangePage(records=tracker.accept(records), cursor=tracker.cursor())
        for record in archived:
            tracker.seen.add(seen_key(record))
            tracker.note(seen_key(record), to_ms(record.modified_at))
        yield ChangePage(records=[], cursor=tracker.cursor())

    def _search_window(self, low_ms: int, high_ms: int) -> Iterator[list[SourceRecord]]:
        """Every contact modified in [low, high]: time windows read by keyset pages.

        No query pages with ``after``: each one restarts at the newest value read, so neither
        the 10,000-result cap nor a record leaving the window mid-read (offsets shifting) can
        make a page skip anything. Windows are sized from the ``total`` the server reports so
        each query matches about WINDOW_TARGET contacts (cheap for the server), and split
        further by time when a window holds more.
        """
        props = self.properties()
        start, width = low_ms, WINDOW_START_MS
        while start <= high_ms:
            end = min(high_ms, start + width)
            page, _, total = self._search_page(start, end, props)
            records = [self._parse(raw) for raw in page]
            yield records
            width = max(
                1, min(WINDOW_MAX_MS, int((end - start + 1) * WINDOW_TARGET / max(total, 1)))
            )
            if len(page) < SEARCH_LIMIT:
                start = end + 1  # the window is exhausted
                continue
            last_ms = to_ms(records[-1].modified_at)
            if last_ms == start:
                # A whole page shares one millisecond: read that instant by offset, then move on.
                yield from self._search_instant(start, props)
                start += 1
            else:
                start = last_ms

    def _search_page(
        self,
        low_ms: int,
        high_ms: int,
        props: list[str],
        *,
        after: str | None = None,
        exact: bool = False,
    ) -> tuple[list[Json], str | None, int]:
        if exact:
            filters = [{"propertyName": MODIFIED, "operator": "EQ", "value": str(low_ms)}]
        else:
            filters = [
                {"propertyName": MODIFIED, "operator": "GTE", "value": str(low_ms)},
                {"propertyName": MODIFIED, "operator": "LTE", "value": str(high_ms)},
            ]
        body: Json = {
            "filterGroups": [{"filters": filters}],
            "sorts": [{"propertyName": MODIFIED, "direction": "ASCENDING"}],
            "properties": props,
            "limit": SEARCH_LIMIT,
        }
        if after:
            body["after"] = after
        answer = self._call(
            lambda t: self._search.do_search(
                public_object_search_request=body, _preload_content=False, _request_timeout=t
            ),
            safe=True,
            search=True,
        )
        after = ((answer.get("paging") or {}).get("next") or {}).get("after")
        results: list[Json] = answer.get("results", [])
        return results, after, int(answer.get("total") or len(results))

    def _search_instant(self, ms: int, props: list[str]) -> Iterator[list[SourceRecord]]:
        after: str | None = None
        while True:
            page, after, _ = self._search_page(ms, ms, props, after=after, exact=True)
            yield [self._parse(raw) for raw in page]
            if not after or len(page) < SEARCH_LIMIT:
                return

    def read(self, object_type: str, ids: Sequence[str]) -> list[SourceRecord]:
        """Contacts by id (batch read, 100 a call); missing ids are left out."""
        self._check_object(object_type)
        props = self.properties()
        unique = list(dict.fromkeys(ids))
        out: list[SourceRecord] = []
        for start in range(0, len(unique), BATCH_MAX):
            body = {
                "inputs": [{"id": i} for i in unique[start : start + BATCH_MAX]],
                "properties": props,
            }
            answer = self._call(
                lambda t, b=body: self._batch.read(  # type: ignore[misc]
                    batch_read_input_simple_public_object_id=b,
                    archived=False,
                    _preload_content=False,
                    _request_timeout=t,
                ),
                safe=True,
            )
            out.extend(self._parse(raw) for raw in answer.get("results", []))
        return out

    def write(self, ops: Sequence[WriteOp]) -> list[WriteResult]:
        """Batch update / upsert (by email) / create, 100 a call; one result per op, in order."""
        for op in ops:
            self._check_object(op.object_type)
        results: dict[int, WriteResult] = {}
        groups: dict[Mode, list[int]] = {}
        for i, op in enumerate(ops):
            groups.setdefault(mode_of(op), []).append(i)
        for mode, indexes in groups.items():
            for start in range(0, len(indexes), BATCH_MAX):
                chunk = indexes[start : start + BATCH_MAX]
                for i, result in zip(
                    chunk, self._write_batch(mode, [ops[i] for i in chunk]), strict=True
                ):
                    results[i] = result
        return [results[i] for i in range(len(ops))]

    def _write_batch(self, mode: Mode, ops: Sequence[WriteOp]) -> list[WriteResult]:
        body = {"inputs": [batch_input(op, str(i)) for i, op in enumerate(ops)]}
        endpoint = {
            Mode.UPDATE: self._batch.update,
            Mode.UPSERT: self._batch.upsert,
            Mode.CREATE: self._batch.create,
        }[mode]
        try:
            answer = self._call(
                lambda t: endpoint(body, _preload_content=False, _request_timeout=t),
                safe=mode is not Mode.CREATE,
            )
        except RecordRejectedError as exc:
            if len(ops) == 1:
                return [
                    WriteResult(
                        ref=ops[0].ref,
                        ok=False,
                        id=ops[0].id,
                        errors=(exc.record_error(),),
                        object_type=OBJECT_TYPE,
                    )
                ]
            # HubSpot may refuse a whole batch for one bad input: halve until it is isolated.
            middle = len(ops) // 2
            return self._write_batch(mode, ops[:middle]) + self._write_batch(mode, ops[middle:])
        return match_results(
            ops, BatchAnswer(results=answer.get("results", []), errors=answer.get("errors", []))
        )

    def describe(self, object_type: str) -> ObjectSchema:
        """The contact properties (types, options, read-only), cached for the connector's life."""
        self._check_object(object_type)
        if self._schema is None:
            answer = self._call(
                lambda t: self._properties.get_all(
                    "contacts", _preload_content=False, _request_timeout=t
                ),
                safe=True,
            )
            self._schema = parse_properties_schema(answer.get("results", []))
        return self._schema

    def usage(self) -> ApiUsage:
        """Calls made by this connector and the portal's daily usage from the rate-limit headers."""
        with self._lock:
            return ApiUsage(
                calls=self._calls, used=self._used, limit=self._limit, retries=self._retries
            )

    @property
    def limiter(self) -> RollingWindowLimiter:
        """The 10-second bucket limiter (benchmarks read how long it made callers wait)."""
        return self._limiter


def _network_error(exc: urllib3.exceptions.HTTPError) -> ConnectorError:
    reason = getattr(exc, "reason", None) or exc
    never_sent = isinstance(
        reason, urllib3.exceptions.NewConnectionError | urllib3.exceptions.ConnectTimeoutError
    )
    return build_error(
        "hubspot", 0, type(reason).__name__, "no answer", may_have_applied=not never_sent
    )
