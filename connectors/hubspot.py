"""The HubSpot adapter (hubspot-api-client): contact changes, reads, batch writes, limits."""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import quote

import hubspot
import urllib3
from hubspot.crm.contacts.exceptions import ApiException
from hubspot.crm.owners.exceptions import ApiException as OwnersApiException
from hubspot.crm.properties.exceptions import ApiException as PropertiesApiException
from hubspot.oauth.exceptions import ApiException as OAuthApiException
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
from connectors.budgets import RateLimiter
from connectors.errors import (
    AuthConfigError,
    ConnectorError,
    QuotaExhaustedError,
    RecordRejectedError,
    build_error,
)
from connectors.hubspot_auth import HubSpotOAuthCredentials, HubSpotTokens
from connectors.hubspot_changes import LIST_LIMIT, ContactChanges
from connectors.hubspot_owners import (
    OWNER_PROPERTY,
    OWNERS_PAGE,
    list_owners,
    with_owner_emails,
    with_owner_ids,
)
from connectors.hubspot_read import (
    MODIFIED,
    OBJECT_TYPE,
    SYSTEM_PROPERTIES,
    contact_id,
    parse_contact,
    parse_datetime,
    parse_properties_schema,
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
from connectors.owners import OwnerDirectory
from connectors.payload import refuse_unsendable
from connectors.ratelimit import RollingWindowLimiter
from connectors.refusal import shown
from connectors.retry import RetryPolicy
from connectors.servertime import ServerClock

log = logging.getLogger(__name__)
Json = dict[str, Any]
# The client repeats ``properties=`` once per name in a GET; HubSpot refuses URLs over ~16 KB
# (414). Past this budget the listing asks for the modified date only and batch/read (names in
# a POST body) fills in the rest.
LIST_URL_BUDGET = 6_000
# HubSpot's search guide limits a request body to about 3,000 characters (DESIGN.md); past
# this estimate search asks for the modified date only and batch/read fills in the rest.
SEARCH_BODY_BUDGET = 2_500
_SEARCH_BODY_OVERHEAD = 400  # filters, sort, limit and after around the property list


class PropertyDefinition(Protocol):
    """A contact property to create (mappings.check.PropertySpec has this shape)."""

    @property
    def name(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def field_type(self) -> str: ...
    @property
    def group_name(self) -> str: ...
    @property
    def options(self) -> tuple[str, ...]: ...


class HubSpotConnector:
    """Reads and writes the contacts of one HubSpot portal inside its rate limits."""

    system: System = "hubspot"

    def __init__(
        self,
        host: str,
        token: str = "",
        *,
        oauth: HubSpotOAuthCredentials | None = None,
        token_clock: Callable[[], float] = time.monotonic,
        ca_path: str | None = None,
        rate: str = "190/10s",
        search_per_second: float = 4.0,
        timeout_s: float = 30.0,
        index_delay_s: float = 5.0,
        retry: RetryPolicy | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        limiter: RateLimiter | None = None,
    ) -> None:
        # One retry layer (ours): urllib3 must not retry underneath it.
        client = hubspot.Client.create(
            access_token=None if oauth else token,
            host=host.rstrip("/"),
            ssl_ca_cert=ca_path,
            retry=Retry(total=0, connect=0, read=0, redirect=0, status=0, other=0),
        )
        contacts = client.crm.contacts  # each attribute access builds a new client: keep them
        self._basic = contacts.basic_api
        self._batch = contacts.batch_api
        self._search = contacts.search_api
        self._properties = client.crm.properties.core_api
        self._owners_api = client.crm.owners.owners_api
        self._oauth_tokens = client.oauth.tokens_api
        self._oauth_info = client.oauth.access_tokens_api
        self._tokens = HubSpotTokens(token=None if oauth else token, oauth=oauth, clock=token_clock)
        self._host = host
        self._timeout_s = timeout_s
        self._index_delay_s = index_delay_s
        self._retry = retry or RetryPolicy()
        self._clock = clock
        # ``limiter``: a portal's budget shared with other processes (workers/budget.py).
        self._limiter: RateLimiter = limiter or RollingWindowLimiter.parse(rate)
        burst = max(1, math.floor(search_per_second))
        self._search_limiter = RollingWindowLimiter(burst, burst / search_per_second)
        self._lock = threading.Lock()
        self._calls = 0
        self._retries = 0
        self._used: int | None = None
        self._limit: int | None = None
        self._daily_exhausted = False
        self._schema: ObjectSchema | None = None
        self._server_clock = ServerClock(clock)  # HubSpot's time, from its Date headers
        self._wanted: tuple[str, ...] | None = None
        self._owners = OwnerDirectory("hubspot", lambda: list_owners(self._owners_page))

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
            token = self._access_token()
            try:
                return once()
            except AuthConfigError as exc:
                # An OAuth access token expired (or was revoked): renew it once and repeat; a
                # 401 refused the request before processing, so repeating cannot duplicate.
                if exc.status != 401 or not self._tokens.renewable:
                    raise
                self._use_token(self._tokens.renew(token, self._request_token))
                return once()

        def once() -> Json:
            if self._daily_exhausted:
                raise QuotaExhaustedError(
                    "hubspot daily limit reached", system="hubspot", code="DAILY"
                )
            with ExitStack() as stack:
                if search:
                    stack.enter_context(self._search_limiter)
                stack.enter_context(self._limiter)
                try:
                    response = fn(self._timeout_s)
                    body = response.data
                    self._note_usage(response.headers)
                except (ApiException, PropertiesApiException, OwnersApiException) as exc:
                    if exc.status:
                        self._note_usage(exc.headers or {})
                    raise self._translate(exc) from exc
                except urllib3.exceptions.HTTPError as exc:
                    raise _network_error(exc) from exc
            if response.status == 204 or not body:
                return {}
            parsed = json.loads(body)
            return parsed if isinstance(parsed, dict) else {"results": parsed}

        return self._retry.call(attempt, safe=safe, on_retry=self._count_retry)

    def _access_token(self) -> str:
        token = self._tokens.current(self._request_token)
        self._use_token(token)
        return token

    def _use_token(self, token: str) -> None:
        """Give the token to every API client (the client library keeps one per API)."""
        for api in (self._basic, self._batch, self._search, self._properties, self._owners_api):
            configuration = api.api_client.configuration
            if configuration.access_token != token:
                configuration.access_token = token

    def _request_token(self, form: dict[str, str]) -> Json:
        """POST /oauth/v1/token (form-encoded); a refusal names the error, never the form."""
        try:
            response = self._oauth_tokens.create(
                **form, _preload_content=False, _request_timeout=self._timeout_s
            )
        except OAuthApiException as exc:
            try:
                body = json.loads(exc.body) if exc.body else {}
            except (TypeError, ValueError):
                body = {}
            body = body if isinstance(body, dict) else {}
            status = int(exc.status or 0)
            code = str(body.get("status") or body.get("category") or "")
            message = str(body.get("message") or exc.reason or "")[:200]
            if status == 0 and "CERTIFICATE_VERIFY_FAILED" in message:
                code = "SSL_CERTIFICATE"
            if status in (400, 401, 403):
                raise AuthConfigError(
                    f"hubspot refused the OAuth refresh token sign-in ({status} {code}: {message})",
                    system="hubspot",
                    status=status,
                    code=code or "BAD_REFRESH_TOKEN",
                ) from None
            raise build_error("hubspot", status, code, message) from None
        except urllib3.exceptions.HTTPError as exc:
            raise _network_error(exc) from None
        parsed = json.loads(response.data or b"{}")
        return parsed if isinstance(parsed, dict) else {}

    def signed_in(self) -> str:
        """Sign in (if not yet) and say how, e.g. for ``leadsync check --online``."""
        token = self._retry.call(self._access_token, safe=True, on_retry=self._count_retry)
        if not self._tokens.renewable:
            return self._tokens.label
        try:
            info = json.loads(
                self._oauth_info.get(
                    token, _preload_content=False, _request_timeout=self._timeout_s
                ).data
            )
        except (OAuthApiException, urllib3.exceptions.HTTPError, ValueError):
            return f"{self._tokens.label} (portal unknown)"
        who = f" as {info['user']}" if info.get("user") else ""
        return f"{self._tokens.label} (portal {info.get('hub_id', 'unknown')}{who})"

    @property
    def token_renewals(self) -> int:
        """Access tokens fetched with the refresh token so far."""
        return self._tokens.renewals

    def _note_usage(self, headers: Mapping[str, str]) -> None:
        """Count one answered request; read the daily allowance and the server's clock."""
        with self._lock:
            self._calls += 1
        self._server_clock.note(headers.get("Date") or headers.get("date"))
        daily = headers.get("X-HubSpot-RateLimit-Daily")
        remaining = headers.get("X-HubSpot-RateLimit-Daily-Remaining")
        if daily and remaining and daily.isdigit() and remaining.isdigit():
            with self._lock:
                self._limit, self._used = int(daily), int(daily) - int(remaining)

    def server_now(self) -> datetime:
        """HubSpot's current time as far as its answers told (our clock until one did)."""
        return self._server_clock.now()

    def _translate(
        self, exc: ApiException | PropertiesApiException | OwnersApiException
    ) -> ConnectorError:
        status = int(exc.status or 0)
        try:
            body = json.loads(exc.body) if exc.body else {}
        except (TypeError, ValueError):
            body = {}
        body = body if isinstance(body, dict) else {}
        code = str(body.get("policyName") or body.get("category") or body.get("errorType") or "")
        message = str(body.get("message") or exc.reason or "")[:500]
        if status == 0 and "CERTIFICATE_VERIFY_FAILED" in message:
            code = "SSL_CERTIFICATE"
        wait_s: float | None = None
        headers = exc.headers or {}
        if status == 429:
            retry_after = headers.get("Retry-After")
            if retry_after and retry_after.replace(".", "", 1).isdigit():
                wait_s = float(retry_after)
            elif code == "SECONDLY":
                wait_s = 1.0
        fields: tuple[str, ...] = ()
        details = body.get("errors")
        if isinstance(details, list) and details:
            names = []
            for item in details:
                context = item.get("context") if isinstance(item, dict) else None
                if isinstance(context, dict):
                    for key in ("propertyName", "propertyNames"):
                        value = context.get(key)
                        names.extend(value if isinstance(value, list) else [value] if value else [])
            fields = tuple(dict.fromkeys(str(n) for n in names))
            first = details[0] if isinstance(details[0], dict) else {}
            if status == 400 and first.get("code"):
                code = str(first["code"])  # e.g. INVALID_OPTION, READ_ONLY_VALUE
        error = build_error("hubspot", status, code, message, wait_s=wait_s, fields=fields)
        if code == "DAILY" and status == 429:
            self._daily_exhausted = True
        return error

    def properties(self) -> list[str]:
        """The contact properties to read: the wanted ones and SYSTEM_PROPERTIES the portal has.

        Every property when nothing was asked for (``want``); real portals have hundreds.
        """
        known = self.describe(OBJECT_TYPE).fields
        if self._wanted is None:
            return list(known)
        return [n for n in dict.fromkeys((*SYSTEM_PROPERTIES, *self._wanted)) if n in known]

    def want(self, object_type: str, fields: Sequence[str]) -> None:
        """Read only these contact properties (plus ids, stamps, email, merges)."""
        self._check_object(object_type)
        self._wanted = tuple(fields)

    def _parse(self, raws: Iterable[Mapping[str, Any]]) -> list[SourceRecord]:
        """Contact objects as records; one without a usable id is skipped with a warning."""
        schema = self.describe(OBJECT_TYPE)
        out: list[SourceRecord] = []
        for raw in raws:
            cid = contact_id(raw)
            if cid is None:
                log.warning(
                    "skipped a HubSpot contact without a usable id: %s", shown("id", raw.get("id"))
                )
                continue
            archived_at = (
                parse_datetime(str(raw.get("archivedAt") or "")) if raw.get("archived") else None
            )
            updated = parse_datetime(str(raw.get("updatedAt") or ""))
            properties = raw.get("properties")
            out.append(
                parse_contact(
                    cid,
                    properties if isinstance(properties, Mapping) else {},
                    schema,
                    archived_at=archived_at,
                    updated_at=updated,
                )
            )
        if OWNER_PROPERTY not in (self._wanted or ()):
            return out  # owner ids as they are, unless the caller asked for the owner
        return with_owner_emails(out, self._owners)

    def _check_object(self, object_type: str) -> None:
        if object_type != OBJECT_TYPE:
            raise ValueError(f"unsupported HubSpot object {object_type!r}")

    # -- the Connector protocol -------------------------------------------------------------

    def changes(
        self, object_type: str, since: Cursor, *, full: bool = False
    ) -> Iterator[ChangePage]:
        """Changed contacts since the cursor; ``full`` (or no cursor yet) lists everything."""
        self._check_object(object_type)
        props = self.properties()  # describes first (cached): its answer tells the server's clock
        started_ms = to_ms(self.server_now())
        if len(json.dumps(props)) + _SEARCH_BODY_OVERHEAD <= SEARCH_BODY_BUDGET:
            search_props, fill = props, _unchanged
        else:
            search_props, fill = [MODIFIED], self._fill
        reader = ContactChanges(
            search=self._search_call,
            list_page=self._list_page,
            parse=self._parse,
            properties=lambda: search_props,
            index_delay_s=self._index_delay_s,
            fill=fill,
        )
        if full or since.value is None:
            yield from reader.full(started_ms)
        else:
            yield from reader.incremental(since, started_ms)

    def _list_page(self, archived: bool, after: str | None) -> Json:
        props = self.properties()
        fits = sum(len(quote(p)) + len("&properties=") for p in props) <= LIST_URL_BUDGET
        kwargs: dict[str, Any] = {
            "limit": LIST_LIMIT,
            "properties": props if fits else [MODIFIED],
            "archived": archived,
        }
        if after:
            kwargs["after"] = after
        page = self._call(
            lambda t: self._basic.get_page(**kwargs, _preload_content=False, _request_timeout=t),
            safe=True,
        )
        if not fits:
            page["results"] = self._fill(page.get("results", []), archived=archived)
        return page

    def _fill(self, raws: list[Json], *, archived: bool = False) -> list[Json]:
        """Contacts read with their modified date only, completed by batch/read.

        The modified date stays the one first read (the cursor and the search keyset follow
        it); contacts archived or merged away since are left out, later reads find them.
        """
        full = {
            str(raw["id"]): raw
            for raw in self._read_raw([str(r["id"]) for r in raws], None, archived=archived)
        }
        out = []
        for raw in raws:
            got = full.get(str(raw["id"]))
            if got is None:
                continue
            props = dict(got.get("properties") or {})
            seen = (raw.get("properties") or {}).get(MODIFIED)
            if seen:
                props[MODIFIED] = seen
            updated = raw.get("updatedAt") or got.get("updatedAt")
            out.append({**raw, **got, "properties": props, "updatedAt": updated})
        return out

    def _search_call(self, body: Json) -> Json:
        return self._call(
            lambda t: self._search.do_search(
                public_object_search_request=body, _preload_content=False, _request_timeout=t
            ),
            safe=True,
            search=True,
        )

    def read(self, object_type: str, ids: Sequence[str]) -> list[SourceRecord]:
        """Contacts by id (batch read, 100 a call); missing ids are left out."""
        return self._batch_read(object_type, ids, id_property=None)

    def find_by_email(self, object_type: str, emails: Sequence[str]) -> list[SourceRecord]:
        """Contacts by email (batch read with idProperty=email); unknown emails are left out."""
        return self._batch_read(object_type, [e for e in emails if e], id_property="email")

    def _batch_read(
        self, object_type: str, keys: Sequence[str], *, id_property: str | None
    ) -> list[SourceRecord]:
        self._check_object(object_type)
        return self._parse(self._read_raw(keys, id_property))

    def _read_raw(
        self, keys: Sequence[str], id_property: str | None, *, archived: bool = False
    ) -> list[Json]:
        """Batch read, 100 a call; the property names travel in the POST body, not the URL."""
        props = self.properties()
        unique = list(dict.fromkeys(keys))
        out: list[Json] = []
        for start in range(0, len(unique), BATCH_MAX):
            body: dict[str, object] = {
                "inputs": [{"id": key} for key in unique[start : start + BATCH_MAX]],
                "properties": props,
            }
            if id_property:
                body["idProperty"] = id_property
            answer = self._call(
                lambda t, b=body: self._batch.read(  # type: ignore[misc]
                    batch_read_input_simple_public_object_id=b,
                    archived=archived,
                    _preload_content=False,
                    _request_timeout=t,
                ),
                safe=True,
            )
            out.extend(answer.get("results", []))
        return out

    def write(self, ops: Sequence[WriteOp]) -> list[WriteResult]:
        """Batch update / upsert (by email) / create, 100 a call; one result per op, in order."""
        for op in ops:
            self._check_object(op.object_type)
        ops = with_owner_ids(ops, self._owners)
        results, sendable = refuse_unsendable(ops)
        groups: dict[Mode, list[int]] = {}
        for i in sendable:
            groups.setdefault(mode_of(ops[i]), []).append(i)
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

    # -- owners -------------------------------------------------------------------------------

    def _owners_page(self, archived: bool, after: str | None) -> Json:
        kwargs: dict[str, Any] = {"limit": OWNERS_PAGE, "archived": archived}
        if after:
            kwargs["after"] = after
        return self._call(
            lambda t: self._owners_api.get_page(
                **kwargs, _preload_content=False, _request_timeout=t
            ),
            safe=True,
        )

    def owner_emails(self) -> frozenset[str]:
        """Emails of the active owners (read once per run: one listing, paged)."""
        return self._owners.assignable_emails()

    def reset_owners(self) -> None:
        """Read the owners again on next use (a new run)."""
        self._owners.reset()

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

    def create_properties(self, specs: Sequence[PropertyDefinition]) -> None:
        """Create contact properties (``leadsync check --fix``); existing ones are left alone."""
        for spec in specs:
            body: dict[str, object] = {
                "name": spec.name,
                "label": spec.label,
                "type": spec.type,
                "fieldType": spec.field_type,
                "groupName": spec.group_name,
            }
            if spec.options:
                body["options"] = [
                    {"label": o, "value": o, "displayOrder": i, "hidden": False}
                    for i, o in enumerate(spec.options)
                ]
            try:
                self._call(
                    lambda t, body=body: self._properties.create(  # type: ignore[misc]
                        "contacts", body, _preload_content=False, _request_timeout=t
                    ),
                    safe=False,
                )
            except RecordRejectedError as exc:
                if "409" not in str(exc) and "exists" not in str(exc).lower():
                    raise
        self._schema = None  # describe again next time

    def usage(self) -> ApiUsage:
        """Calls made by this connector and the portal's daily usage from the rate-limit headers."""
        with self._lock:
            return ApiUsage(
                calls=self._calls, used=self._used, limit=self._limit, retries=self._retries
            )

    @property
    def limiter(self) -> RateLimiter:
        """The 10-second bucket limiter (benchmarks read how long it made callers wait)."""
        return self._limiter


def _unchanged(raws: list[Json]) -> list[Json]:
    return raws


def _network_error(exc: urllib3.exceptions.HTTPError) -> ConnectorError:
    reason = getattr(exc, "reason", None) or exc
    if isinstance(reason, urllib3.exceptions.SSLError):
        return build_error("hubspot", 0, "SSL_CERTIFICATE", "TLS verification failed")
    never_sent = isinstance(
        reason, urllib3.exceptions.NewConnectionError | urllib3.exceptions.ConnectTimeoutError
    )
    return build_error(
        "hubspot", 0, type(reason).__name__, "no answer", may_have_applied=not never_sent
    )
