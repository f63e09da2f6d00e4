"""HubSpot OAuth: ``POST /oauth/v1/token`` (refresh_token grant) and expiring access tokens.

Follows HubSpot's OAuth tokens guide (form-encoded POST; answer ``{token_type, refresh_token,
access_token, expires_in}``; access tokens last 30 minutes) and the answers clients report:
``401 {"status":"error","message":"The OAuth token used to make this call expired N second(s)
ago.","category":"EXPIRED_AUTHENTICATION","context":{"expire time":[...]}}`` (airbytehq/airbyte
#74726) and ``400 BAD_REFRESH_TOKEN`` for an unknown refresh token. See sandbox/SCHEMA.md.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sandbox.context import SandboxContext

HUB_ID = 20_000_007


@dataclass
class OAuthClient:
    """The sandbox's OAuth app and the refresh token of its install in the portal."""

    client_id: str
    client_secret: str
    refresh_token: str
    user: str = "integration@leadsync-sandbox.example"


@dataclass
class AccessTokens:
    """Issued access tokens and when each expires (sandbox monotonic clock)."""

    ctx: SandboxContext
    seed: int
    _expires: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _issued: int = 0

    def issue(self) -> tuple[str, int]:
        lifetime = int(self.ctx.faults.hubspot_token_lifetime_s)
        with self._lock:
            self._issued += 1
            n = self._issued
            text = f"leadsync-sandbox:{self.seed}:hubspot-oauth:{n}"
            token = "CN" + hashlib.sha256(text.encode()).hexdigest()[:62]
            self._expires[token] = self.ctx.monotonic() + lifetime
        return token, lifetime

    def expired_for(self, token: str) -> float | None:
        """None if unknown; else seconds since expiry (negative while valid)."""
        with self._lock:
            expires = self._expires.get(token)
        return None if expires is None else self.ctx.monotonic() - expires

    def expires_in(self, token: str) -> int:
        with self._lock:
            return int(self._expires.get(token, 0) - self.ctx.monotonic())


def _error(status: int, kind: str, message: str) -> Response:
    body = {
        "status": kind,
        "message": message,
        "correlationId": str(uuid.uuid4()),
        "requestId": str(uuid.uuid4()),
    }
    return JSONResponse(body, status_code=status)


def expired_answer(ctx: SandboxContext, seconds_ago: float, headers: dict[str, str]) -> Response:
    """HubSpot's 401 for an access token past its expiry."""
    ago = int(seconds_ago)
    expire_time = ctx.now() - timedelta(seconds=seconds_ago)
    body = {
        "status": "error",
        "message": f"The OAuth token used to make this call expired {ago} second(s) ago.",
        "correlationId": headers.get("x-hubspot-correlation-id", str(uuid.uuid4())),
        "category": "EXPIRED_AUTHENTICATION",
        "context": {"expire time": [expire_time.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"]},
    }
    return JSONResponse(body, status_code=401, headers=headers)


class OAuthEndpoints:
    """``POST /oauth/v1/token`` and ``GET /oauth/v1/access-tokens/{token}``."""

    def __init__(self, client: OAuthClient, tokens: AccessTokens) -> None:
        self.client = client
        self.tokens = tokens

    async def token(self, request: Request) -> Response:
        values = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
        if values.get("grant_type") != "refresh_token":
            return _error(400, "BAD_GRANT_TYPE", "grant_type must be refresh_token here")
        if values.get("client_id") != self.client.client_id:
            return _error(400, "BAD_CLIENT_ID", "missing or unknown client id")
        if values.get("client_secret") != self.client.client_secret:
            # Assumed: the real endpoint's code for a wrong secret is not documented.
            return _error(400, "BAD_CLIENT_SECRET", "missing or invalid client secret")
        if values.get("refresh_token") != self.client.refresh_token:
            return _error(400, "BAD_REFRESH_TOKEN", "missing or unknown refresh token")
        access, lifetime = self.tokens.issue()
        return JSONResponse(
            {
                "token_type": "bearer",
                "refresh_token": self.client.refresh_token,
                "access_token": access,
                "expires_in": lifetime,
            }
        )

    async def access_token_info(self, request: Request) -> Response:
        token = request.path_params["token"]
        ago = self.tokens.expired_for(token)
        if ago is None or ago > 0:
            return _error(404, "error", "Token not found or expired")
        return JSONResponse(
            {
                "token": token,
                "user": self.client.user,
                "hub_domain": "leadsync-sandbox.example",
                "scopes": ["crm.objects.contacts.read", "crm.objects.contacts.write", "oauth"],
                "hub_id": HUB_ID,
                "app_id": 1_000_007,
                "expires_in": self.tokens.expires_in(token),
                "user_id": 7,
                "token_type": "access",
            }
        )
