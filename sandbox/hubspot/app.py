"""The HubSpot CRM v3 contacts and properties endpoints as a Starlette app."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.context import SandboxContext
from sandbox.hubspot import batch
from sandbox.hubspot.batch import Answer
from sandbox.hubspot.catalog import property_not_found
from sandbox.hubspot.errors import HubSpotError, not_found, validation
from sandbox.hubspot.oauth import AccessTokens, OAuthClient, OAuthEndpoints, expired_answer
from sandbox.hubspot.properties import DEFAULT_PROPERTIES
from sandbox.hubspot.ratelimit import RateLimiter
from sandbox.hubspot.search import MAX_SEARCH_BODY, MAX_SORTS, SearchRequest
from sandbox.hubspot.store import HubSpotStore

BASE = "/crm/v3/objects/contacts"
PROPS = "/crm/v3/properties/contacts"
OWNERS = "/crm/v3/owners"
MAX_PAGE = 100
MAX_PAGE_WITH_HISTORY = 50
_AUTH_MESSAGE = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and you "
    "can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)

Handler = Callable[[Request], Awaitable[Answer]]


def _correlation_id() -> str:
    return str(uuid.uuid4())


async def _json(request: Request) -> dict[str, object]:
    raw = await request.body()
    try:
        body = json.loads(raw or b"{}")
    except ValueError as exc:
        raise validation(f"Invalid input JSON on line 1: {exc}") from exc
    if not isinstance(body, dict):
        raise validation("Invalid input JSON: expected an object")
    return body


def _names(request: Request, param: str = "properties") -> list[str] | None:
    # The client sends repeated ?properties=a&properties=b; HubSpot also takes "a,b".
    raw = request.query_params.getlist(param)
    names = [n.strip() for value in raw for n in value.split(",") if n.strip()]
    return names or None


def _flag(request: Request, name: str) -> bool:
    return request.query_params.get(name, "false").lower() == "true"


def build_app(
    store: HubSpotStore,
    ctx: SandboxContext,
    *,
    token: str,
    oauth: OAuthClient | None = None,
    seed: int = 0,
) -> Starlette:
    """The HubSpot app: Bearer auth (private app or OAuth), rate limits, contacts, properties."""
    limiter = RateLimiter(ctx)
    access_tokens = AccessTokens(ctx, seed)

    def endpoint(
        handler: Handler, *, search: bool = False
    ) -> Callable[[Request], Awaitable[Response]]:
        async def run(request: Request) -> Response:
            # Every answer carries its correlation id; error bodies repeat it.
            correlation = _correlation_id()
            ids = {"x-hubspot-correlation-id": correlation, "x-request-id": correlation}
            auth = request.headers.get("authorization", "")
            expired_ago = access_tokens.expired_for(auth.removeprefix("Bearer "))
            if expired_ago is not None and expired_ago > 0:
                return expired_answer(ctx, expired_ago, ids)
            if auth != f"Bearer {token}" and expired_ago is None:
                body = {
                    "status": "error",
                    "message": _AUTH_MESSAGE,
                    "correlationId": correlation,
                    "category": "INVALID_AUTHENTICATION",
                }
                return JSONResponse(body, status_code=401, headers=ids)
            verdict = limiter.check(search=search)
            headers = verdict.headers | ids
            if not verdict.allowed:
                return JSONResponse(verdict.body(correlation), status_code=429, headers=headers)
            try:
                status, payload = await handler(request)
            except HubSpotError as err:
                status, payload = err.status, err.body(correlation)
            if status == 201 and isinstance(payload, dict) and "id" in payload:
                headers["Location"] = f"{str(request.url).split('?')[0]}/{payload['id']}"
            if payload is None:
                return Response(status_code=status, headers=headers)
            return JSONResponse(payload, status_code=status, headers=headers)

        return run

    # -- contacts ----------------------------------------------------------------------------
    async def list_contacts(request: Request) -> Answer:
        try:
            limit = int(request.query_params.get("limit", "10"))
        except ValueError as exc:
            raise validation("limit must be an integer") from exc
        history = store.requested(_names(request, "propertiesWithHistory")) or []
        # Asking for property history lowers the page size HubSpot allows.
        most = MAX_PAGE_WITH_HISTORY if history else MAX_PAGE
        if not 1 <= limit <= most:
            raise validation(f"limit must be between 1 and {most}, got {limit}")
        result = store.page(
            request.query_params.get("after"), limit, archived=_flag(request, "archived")
        )
        names = store.requested(_names(request))
        body: dict[str, object] = {
            "results": [c.to_api(names, history=history) for c in result.contacts]
        }
        if result.next_after:
            link = f"{request.url.scheme}://{request.url.netloc}{BASE}?after={result.next_after}"
            body["paging"] = {"next": {"after": result.next_after, "link": link}}
        return 200, body

    async def create(request: Request) -> Answer:
        body = await _json(request)
        properties = batch.properties_of(body.get("properties"))
        contact = store.create_contact(properties)
        return 201, contact.to_write_api(properties)

    async def get_one(request: Request) -> Answer:
        cid = request.path_params["contact_id"]
        id_property = request.query_params.get("idProperty")
        contact = store.contact(cid, id_property=id_property, archived=_flag(request, "archived"))
        if contact is None:
            raise not_found(cid, by_id=id_property in (None, "", "hs_object_id"))
        history = store.requested(_names(request, "propertiesWithHistory")) or []
        return 200, contact.to_api(store.requested(_names(request)), history=history)

    async def update(request: Request) -> Answer:
        cid = request.path_params["contact_id"]
        properties = batch.properties_of((await _json(request)).get("properties"))
        contact = store.update_contact(
            cid, properties, id_property=request.query_params.get("idProperty")
        )
        return 200, contact.to_write_api(properties)

    async def archive(request: Request) -> Answer:
        store.archive(request.path_params["contact_id"])
        return 204, None

    async def merge(request: Request) -> Answer:
        body = await _json(request)
        primary, secondary = body.get("primaryObjectId"), body.get("objectIdToMerge")
        if not primary or not secondary:
            raise validation("primaryObjectId and objectIdToMerge are required")
        survivor = store.merge(str(primary), str(secondary))
        contact = store.contact(survivor)
        assert contact is not None  # merge just wrote it
        return 200, contact.to_api([*DEFAULT_PROPERTIES, "hs_merged_object_ids"])

    async def purge(request: Request) -> Answer:
        body = await _json(request)
        object_id = body.get("objectId")
        if not object_id:
            raise validation("objectId is required")
        id_property = body.get("idProperty")
        store.purge(str(object_id), id_property=str(id_property) if id_property else None)
        return 204, None

    async def search(request: Request) -> Answer:
        raw = await request.body()
        if len(raw) > MAX_SEARCH_BODY:
            raise validation(
                f"Search request body is {len(raw)} characters; the limit is {MAX_SEARCH_BODY}"
            )
        req = SearchRequest.parse(await _json(request))
        if len(req.sorts) > MAX_SORTS:
            raise validation(f"Only {MAX_SORTS} sort is allowed, got {len(req.sorts)}")
        result = store.search(req)
        names = store.requested(req.properties or None)
        body: dict[str, object] = {
            "total": result.total,
            "results": [c.to_api(names) for c in result.contacts],
        }
        if result.next_after:
            body["paging"] = {"next": {"after": result.next_after}}
        return 200, body

    # -- batches -------------------------------------------------------------------------------
    async def batch_read(request: Request) -> Answer:
        body = await _json(request)
        return batch.read(store, body, archived=_flag(request, "archived"), now=ctx.now())

    async def batch_create(request: Request) -> Answer:
        return batch.create(store, await _json(request), now=ctx.now())

    async def batch_update(request: Request) -> Answer:
        return batch.update(store, await _json(request), now=ctx.now())

    async def batch_upsert(request: Request) -> Answer:
        return batch.upsert(store, await _json(request), now=ctx.now())

    async def batch_archive(request: Request) -> Answer:
        return batch.archive(store, await _json(request))

    # -- properties ----------------------------------------------------------------------------
    async def list_owners(request: Request) -> Answer:
        try:
            limit = int(request.query_params.get("limit", "100"))
        except ValueError as exc:
            raise validation("limit must be an integer") from exc
        return 200, store.owners.page(
            after=request.query_params.get("after"),
            limit=limit,
            archived=_flag(request, "archived"),
            email=request.query_params.get("email"),
        )

    async def get_owner(request: Request) -> Answer:
        owner_id = request.path_params["owner_id"]
        return 200, store.owners.one(owner_id, archived=_flag(request, "archived"))

    async def list_properties(request: Request) -> Answer:
        return 200, {"results": [p.to_json() for p in store.properties()]}

    async def get_property(request: Request) -> Answer:
        name = request.path_params["name"]
        prop = store.property(name)
        if prop is None:
            raise property_not_found(name)
        return 200, prop.to_json()

    async def create_property(request: Request) -> Answer:
        return 201, store.create_property(await _json(request)).to_json()

    async def update_property(request: Request) -> Answer:
        body = await _json(request)
        return 200, store.catalog.update(request.path_params["name"], body).to_json()

    async def archive_property(request: Request) -> Answer:
        store.catalog.archive(request.path_params["name"])
        return 204, None

    routes = [
        Route(BASE, endpoint(list_contacts), methods=["GET"]),
        Route(BASE, endpoint(create), methods=["POST"]),
        Route(f"{BASE}/search", endpoint(search, search=True), methods=["POST"]),
        Route(f"{BASE}/merge", endpoint(merge), methods=["POST"]),
        Route(f"{BASE}/gdpr-delete", endpoint(purge), methods=["POST"]),
        Route(f"{BASE}/batch/read", endpoint(batch_read), methods=["POST"]),
        Route(f"{BASE}/batch/create", endpoint(batch_create), methods=["POST"]),
        Route(f"{BASE}/batch/update", endpoint(batch_update), methods=["POST"]),
        Route(f"{BASE}/batch/upsert", endpoint(batch_upsert), methods=["POST"]),
        Route(f"{BASE}/batch/archive", endpoint(batch_archive), methods=["POST"]),
        Route(BASE + "/{contact_id}", endpoint(get_one), methods=["GET"]),
        Route(BASE + "/{contact_id}", endpoint(update), methods=["PATCH"]),
        Route(BASE + "/{contact_id}", endpoint(archive), methods=["DELETE"]),
        Route(OWNERS, endpoint(list_owners), methods=["GET"]),
        Route(OWNERS + "/", endpoint(list_owners), methods=["GET"]),
        Route(OWNERS + "/{owner_id}", endpoint(get_owner), methods=["GET"]),
        Route(PROPS, endpoint(list_properties), methods=["GET"]),
        Route(PROPS, endpoint(create_property), methods=["POST"]),
        Route(PROPS + "/{name}", endpoint(get_property), methods=["GET"]),
        Route(PROPS + "/{name}", endpoint(update_property), methods=["PATCH"]),
        Route(PROPS + "/{name}", endpoint(archive_property), methods=["DELETE"]),
    ]
    if oauth is not None:
        endpoints = OAuthEndpoints(oauth, access_tokens)
        routes += [
            Route("/oauth/v1/token", endpoints.token, methods=["POST"]),
            Route("/oauth/v1/access-tokens/{token}", endpoints.access_token_info, methods=["GET"]),
        ]
    return Starlette(routes=routes, exception_handlers={404: _unrouted, 405: _unrouted})


async def _unrouted(request: Request, exc: Exception) -> Response:
    """Unknown paths and methods answer in HubSpot's error shape, not Starlette's plain text."""
    status = getattr(exc, "status_code", 404)
    body = {
        "status": "error",
        "message": f"Unable to route {request.method} {request.url.path}",
        "correlationId": _correlation_id(),
        "category": "OBJECT_NOT_FOUND" if status == 404 else "VALIDATION_ERROR",
    }
    return JSONResponse(body, status_code=status)
