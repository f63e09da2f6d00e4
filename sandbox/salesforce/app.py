"""Starlette app answering Salesforce REST v59.0 the way simple-salesforce expects."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.context import SandboxContext
from sandbox.salesforce.assignment import ABSENT, HEADER
from sandbox.salesforce.bulk2 import Bulk2
from sandbox.salesforce.composite import Collections
from sandbox.salesforce.describe import describe_global, describe_object
from sandbox.salesforce.errors import SalesforceError, bad_id_in_url, not_found
from sandbox.salesforce.ids import looks_like_id
from sandbox.salesforce.oauth import OAuthApp, Sessions, TokenEndpoint, UserInfoEndpoint
from sandbox.salesforce.query import QueryEngine, record_renderer
from sandbox.salesforce.schema import API_VERSION, BASE_PATH, ObjectSpec
from sandbox.salesforce.store import SalesforceStore, WriteOp, lock_row_error
from sandbox.salesforce.values import format_datetime, parse_datetime
from sandbox.salesforce.wire import json_response, read_record, sobject

Handler = Callable[["Call"], Awaitable[Response]]


class Call:
    """One API request: the path segments after ``/services/data/v59.0/`` and the request."""

    def __init__(self, request: Request, segments: list[str]) -> None:
        self.request = request
        self.segments = segments


class SalesforceApi:
    """The route handlers; ``dispatch`` maps a method and path to one of them."""

    def __init__(
        self, store: SalesforceStore, ctx: SandboxContext, session_id: str, sessions: Sessions
    ) -> None:
        self.store = store
        self.ctx = ctx
        self.session_id = session_id
        self.sessions = sessions
        sessions.add(session_id)  # the built-in session idles out like any other
        self.queries = QueryEngine(store)
        self.bulk2 = Bulk2(store)
        self.collections = Collections(store)

    # -- entry -----------------------------------------------------------------------------
    async def versions(self, request: Request) -> Response:
        return json_response([{"label": "Winter '24", "url": BASE_PATH, "version": API_VERSION}])

    async def entry(self, request: Request) -> Response:
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or not self.sessions.touch(auth[len("Bearer ") :]):
            refused = json_response(
                [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}],
                401,
            )
            used, limit = self.store.api_usage()
            refused.headers["Sforce-Limit-Info"] = f"api-usage={min(used, limit)}/{limit}"
            return refused
        used, limit = self.store.count_request()
        if used > limit:
            response = json_response(
                [
                    {
                        "errorCode": "REQUEST_LIMIT_EXCEEDED",
                        "message": "TotalRequests Limit exceeded.",
                    }
                ],
                403,
            )
        else:
            raw = request.scope.get("raw_path") or request.url.path.encode()
            prefix = f"{BASE_PATH}/".encode()
            rest = raw.split(b"?", 1)[0][len(prefix) :] if raw.startswith(prefix) else b""
            segments = [unquote(s.decode()) for s in rest.split(b"/") if s]
            try:
                response = await self.dispatch(Call(request, segments))
            except SalesforceError as exc:
                response = json_response(exc.rest_body(), exc.status)
        response.headers["Sforce-Limit-Info"] = f"api-usage={min(used, limit)}/{limit}"
        return response

    async def dispatch(self, call: Call) -> Response:
        method, seg = call.request.method, call.segments
        n = len(seg)
        head = seg[0] if seg else ""
        if n == 0 and method == "GET":
            return json_response({k: f"{BASE_PATH}/{k}" for k in ("sobjects", "query", "limits")})
        if head == "limits" and n == 1 and method == "GET":
            return self.limits()
        if head in ("query", "queryAll") and method == "GET":
            return self.query(call, head)
        if head == "sobjects":
            return await self.sobjects(call)
        if head == "composite" and n >= 2 and seg[1] == "sobjects":
            return await self.collections.dispatch(method, seg[2:], call.request)
        if head == "jobs" and n >= 2:
            return await self.bulk2.dispatch(method, seg[1:], call.request)
        raise not_found()

    # -- limits and queries ------------------------------------------------------------------
    def limits(self) -> Response:
        used, limit = self.store.api_usage()
        big = {"Max": 10_000, "Remaining": 10_000}
        return json_response(
            {
                "DailyApiRequests": {"Max": limit, "Remaining": max(0, limit - used)},
                "DailyBulkApiBatches": {"Max": 15_000, "Remaining": 15_000},
                "DailyBulkV2QueryJobs": big,
                "DailyBulkV2QueryFileStorageMB": {"Max": 976_562, "Remaining": 976_562},
                "DataStorageMB": {"Max": 1024, "Remaining": 1000},
            }
        )

    def query(self, call: Call, endpoint: str) -> Response:
        if len(call.segments) == 2:
            return json_response(self.queries.more(call.segments[1]))
        soql = call.request.query_params.get("q")
        if not soql:
            raise SalesforceError("MALFORMED_QUERY", "A query string has to be specified")
        return json_response(self.queries.run(soql, include_deleted=endpoint == "queryAll"))

    # -- sobjects ----------------------------------------------------------------------------
    async def sobjects(self, call: Call) -> Response:
        method, seg = call.request.method, call.segments[1:]
        if not seg:
            return json_response(describe_global(self.store.objects))
        spec = sobject(seg[0], self.store.objects)
        if len(seg) == 1:
            if method == "POST":
                return await self.create(call, spec)
            if method == "GET":
                return json_response({"objectDescribe": describe_object(spec), "recentItems": []})
        elif len(seg) == 2 and seg[1] in ("describe", "deleted", "updated") and method == "GET":
            if seg[1] == "describe":
                return json_response(describe_object(spec))
            return self.replication(call, spec, seg[1])
        elif len(seg) == 2:
            if method in ("GET", "PATCH", "DELETE") and not looks_like_id(seg[1]):
                raise bad_id_in_url(seg[1])
            if method == "GET":
                return self.read(call, spec, self.store.existing(spec.name, seg[1]))
            if method == "PATCH":
                body = await read_record(call.request, spec.name)
                op = WriteOp("update", spec.name, body, record_id=seg[1], auto_assign=_assign(call))
                self._single(op)
                return Response(status_code=204)
            if method == "DELETE":
                self._locked_out(seg[1])
                self.store.delete(spec.name, seg[1])
                return Response(status_code=204)
        elif len(seg) == 3:
            if method == "GET":
                row = self.store.find_by_external_id(spec.name, seg[1], seg[2])
                if row is None:
                    raise SalesforceError(
                        "NOT_FOUND", "The requested resource does not exist", status=404
                    )
                return self.read(call, spec, row)
            if method == "PATCH":
                body = await read_record(call.request, spec.name)
                op = WriteOp(
                    "upsert",
                    spec.name,
                    body,
                    ext_field=seg[1],
                    ext_value=seg[2],
                    auto_assign=_assign(call),
                )
                result = self._single(op)
                return json_response(
                    result.as_json(with_created=True), 201 if result.created else 200
                )
        raise SalesforceError(
            "METHOD_NOT_ALLOWED", f"HTTP Method '{method}' not allowed", status=405
        )

    def _locked_out(self, record_id: str | None) -> None:
        if self.store.roll_lock_fault():
            raise lock_row_error(record_id)

    def _single(self, op: WriteOp) -> Any:
        self._locked_out(op.record_id)
        result = self.store.write([op])[0]
        if not result.success:
            raise result.errors[0]
        return result

    async def create(self, call: Call, spec: ObjectSpec) -> Response:
        body = await read_record(call.request, spec.name)
        result = self._single(WriteOp("create", spec.name, body, auto_assign=_assign(call)))
        return json_response(result.as_json(), 201)

    def read(self, call: Call, spec: ObjectSpec, row: dict[str, Any]) -> Response:
        wanted = call.request.query_params.get("fields")
        names = [f.name for f in spec.fields]
        if wanted:
            names = []
            for name in wanted.split(","):
                fspec = spec.field(name.strip())
                if fspec is None:
                    raise SalesforceError(
                        "INVALID_FIELD", f"No such column '{name}' on sobject of type {spec.name}"
                    )
                names.append(fspec.name)
        return json_response(record_renderer(spec, tuple(names))(row))

    def replication(self, call: Call, spec: ObjectSpec, kind: str) -> Response:
        params = call.request.query_params
        try:
            # Salesforce ignores the seconds of both bounds and covers whole minutes only.
            start = _minute(parse_datetime(params["start"]))
            end = _minute(parse_datetime(params["end"]))
        except (KeyError, ValueError) as exc:
            raise SalesforceError(
                "MISSING_ARGUMENT", "start and end must be valid dateTime values"
            ) from exc
        now = self.store.now()
        # Salesforce keeps deleted ids for 15 days and answers getUpdated for 30 days back.
        days = 15 if kind == "deleted" else 30
        earliest = _minute(now - timedelta(days=days))
        if end < start:
            raise SalesforceError("INVALID_REPLICATION_DATE", "end date is before start date")
        if start < earliest:
            raise SalesforceError(
                "INVALID_REPLICATION_DATE", f"startDate cannot be more than {days} days ago"
            )
        # The current minute is never covered: its changes come with the next call, which
        # starts at latestDateCovered, so nothing is missed or listed twice.
        covered = min(end, _minute(now))
        if kind == "deleted":
            deleted = [
                {"id": row["Id"], "deletedDate": format_datetime(row["SystemModstamp"])}
                for row in self.store.rows(spec.name, include_deleted=True)
                if row["IsDeleted"] and start <= row["SystemModstamp"] < covered
            ]
            return json_response(
                {
                    "deletedRecords": deleted,
                    "earliestDateAvailable": format_datetime(earliest),
                    "latestDateCovered": format_datetime(covered),
                }
            )
        ids = [
            row["Id"]
            for row in self.store.rows(spec.name)
            if start <= row["SystemModstamp"] < covered
        ]
        return json_response({"ids": ids, "latestDateCovered": format_datetime(covered)})

    async def outside(self, request: Request) -> Response:
        """Paths outside ``/services/data/v59.0`` (Apex REST, Bulk 1.0, SOAP): not emulated."""
        message = "The requested resource does not exist"
        apex = "/services/apexrest"
        if request.url.path.startswith(apex + "/"):
            message = f"Could not find a match for URL {request.url.path[len(apex) :]}"
        answer = json_response([{"errorCode": "NOT_FOUND", "message": message}], 404)
        used, limit = self.store.api_usage()
        answer.headers["Sforce-Limit-Info"] = f"api-usage={min(used, limit)}/{limit}"
        return answer


def _assign(call: Call) -> str:
    """The request's Sforce-Auto-Assign (absent: the active rules run, as the REST API does)."""
    return call.request.headers.get(HEADER, ABSENT)


def _minute(value: datetime) -> datetime:
    return value.replace(second=0, microsecond=0)


def build_app(
    store: SalesforceStore,
    ctx: SandboxContext,
    *,
    session_id: str,
    oauth: OAuthApp | None = None,
    seed: int = 0,
) -> Starlette:
    """The ASGI app of the Salesforce emulator (wrap it in the FaultMiddleware to serve it)."""
    sessions = Sessions(ctx, seed)
    api = SalesforceApi(store, ctx, session_id, sessions)
    methods = ["GET", "POST", "PATCH", "PUT", "DELETE"]
    # Any session (OAuth or the built-in session id) may ask who it is.
    userinfo = UserInfoEndpoint(sessions).handle
    sign_in = [Route("/services/oauth2/userinfo", userinfo, methods=["GET", "POST"])]
    if oauth is not None:
        endpoint = TokenEndpoint(oauth, sessions, ctx)
        sign_in.append(Route("/services/oauth2/token", endpoint.handle, methods=["POST"]))
    return Starlette(
        routes=[
            *sign_in,
            Route("/services/data", api.versions, methods=["GET"]),
            Route("/services/data/", api.versions, methods=["GET"]),
            Route(BASE_PATH, api.entry, methods=methods),
            Route(BASE_PATH + "/{rest:path}", api.entry, methods=methods),
            Route("/{rest:path}", api.outside, methods=methods),
        ]
    )
