"""ASGI middleware that stamps every answer's ``Date`` header with the sandbox clock."""

from __future__ import annotations

from email.utils import format_datetime

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sandbox.context import SandboxContext


class DateHeaderMiddleware:
    """Real servers send their own time in ``Date`` (RFC 9110 §6.6.1); so does the sandbox.

    uvicorn's own header reads the wall clock, which would disagree with every stamp the sandbox
    writes once its clock is moved (tests, ``LEADSYNC_SANDBOX_CLOCK_OFFSET_S``), so it is turned
    off (``date_header=False`` in sandbox/server.py) and this one takes its place.
    """

    def __init__(self, app: ASGIApp, *, ctx: SandboxContext) -> None:
        self.app = app
        self.ctx = ctx

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def dated_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                stamp = format_datetime(self.ctx.now(), usegmt=True).encode("latin-1")
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"date"]
                message = {**message, "headers": [*headers, (b"date", stamp)]}
            await send(message)

        await self.app(scope, receive, dated_send)
