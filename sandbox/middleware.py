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
