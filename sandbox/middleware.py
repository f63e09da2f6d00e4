"""ASGI middleware shared by both emulators: call counting, latency, 503s and held answers."""

from __future__ import annotations

import asyncio
import json
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sandbox.context import SandboxContext

_KEEP_SEGMENT = re.compile(r"^(?:[A-Za-z_]+|v\d+(?:\.\d+)?)$")


def path_template(path: str) -> str:
    """Replace id-like path segments (record ids, emails, job ids, locators) with ``{id}``."""
    return "/".join(
        seg if not seg or _KEEP_SEGMENT.match(seg) else "{id}" for seg in path.split("/")
    )


def _unavailable_body(system: str) -> bytes:
    if system == "salesforce":
        return json.dumps(
            [{"errorCode": "SERVER_UNAVAILABLE", "message": "Service temporarily unavailable"}]
        ).encode()
    return json.dumps(
        {
            "status": "error",
            "message": "Service Unavailable",
            "category": "SERVICE_UNAVAILABLE",
            "correlationId": "00000000-0000-0000-0000-000000000503",
        }
    ).encode()


# Both APIs refuse request targets over 16,384 bytes; Salesforce documents this limit (REST API
# guide, v49.0+) and answers 431 for oversized headers, 414 for the URI (measured in
# salesforce.stackexchange.com/q/195449). HubSpot's edge answers 414 the same way
# (dlt-hub/verified-sources#305, airbytehq/airbyte#3977, HubSpot/hubspot-api-python#334).
MAX_TARGET_BYTES = 16_384
MAX_HEADER_BYTES = 16_384  # Salesforce recommends under 8,000; larger ones are refused with 431


def request_target(scope: Scope) -> bytes:
    """The request target as sent: raw path plus query string."""
    path = scope.get("raw_path") or scope["path"].encode()
    query = scope.get("query_string") or b""
    return path + (b"?" + query if query else b"")


def _too_long(status: int) -> bytes:
    reason = "URI Too Long" if status == 414 else "Request Header Fields Too Large"
    return (
        f"<html><head><title>{status} {reason}</title></head><body>{reason}</body></html>".encode()
    )


class FaultMiddleware:
    """Counts every answered request and injects the faults configured in ``ctx.faults``."""

    def __init__(self, app: ASGIApp, *, system: str, ctx: SandboxContext) -> None:
        self.app = app
        self.system = system
        self.ctx = ctx

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        faults = self.ctx.faults
        self.ctx.calls.record(self.system, scope["method"], path_template(scope["path"]))
        target = len(request_target(scope))
        self.ctx.calls.record_target(self.system, target)
        status = 0
        if target > MAX_TARGET_BYTES:
            status = 414
        elif self.system == "salesforce":
            header_bytes = sum(len(k) + len(v) + 4 for k, v in scope.get("headers") or [])
            status = 431 if header_bytes > MAX_HEADER_BYTES else 0
        if status:
            await send(
                {
                    "type": "http.response.start",
                    "status": status,
                    "headers": [(b"content-type", b"text/html")],
                }
            )
            await send({"type": "http.response.body", "body": _too_long(status)})
            return
        with self.ctx.lock:
            rng = self.ctx.rng
            delay = faults.latency_ms / 1000.0
            if faults.jitter_ms:
                delay += rng.uniform(0, faults.jitter_ms / 1000.0)
            fail = faults.error_rate > 0 and rng.random() < faults.error_rate
            hold = not fail and faults.timeout_rate > 0 and rng.random() < faults.timeout_rate
        if delay > 0:
            await asyncio.sleep(delay)
        if fail:
            await send(
                {
                    "type": "http.response.start",
                    "status": 503,
                    "headers": [(b"content-type", b"application/json")],
                }
            )
            await send({"type": "http.response.body", "body": _unavailable_body(self.system)})
            return
        if not hold:
            await self.app(scope, receive, send)
            return

        # A timeout as the client sees it: the request was processed, the answer comes too late.
        async def held_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                await asyncio.sleep(faults.timeout_s)
            await send(message)

        await self.app(scope, receive, held_send)
