"""Salesforce sign-in: the OAuth 2.0 token endpoint and sessions that expire when idle.

``POST /services/oauth2/token`` takes the JWT bearer, client credentials and password grants.

Answers follow Salesforce Help "OAuth 2.0 JWT Bearer Flow for Server-to-Server Integration" and
"OAuth 2.0 Client Credentials Flow" (form-encoded POST; answer with access_token, instance_url,
id, token_type, issued_at, signature) and the refusals clients report in their issue trackers
(400 ``{"error":"invalid_grant","error_description":"invalid assertion"}``, "audience is
invalid", "user hasn't approved this consumer", "authentication failure";
``unsupported_grant_type`` "grant type not supported"). See sandbox/SCHEMA.md, "Sign-in".
"""

from __future__ import annotations

import base64
import hashlib
import threading
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

import jwt
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sandbox.context import SandboxContext
from sandbox.salesforce.relations import USER_ROW
from sandbox.salesforce.schema import DEFAULT_OWNER_ID

JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ORG_ID = "00D000000000001"
USER_ID = DEFAULT_OWNER_ID  # the integration user: every sign-in (and the session id) is it


@dataclass
class OAuthApp:
    """The connected app and its integration user, as registered in the sandbox org."""

    consumer_key: str
    consumer_secret: str
    username: str
    password: str
    security_token: str
    public_key_pem: bytes | None = None  # the certificate's key of the JWT bearer flow


@dataclass
class Sessions:
    """Live access tokens and when each was last used (sandbox monotonic clock)."""

    ctx: SandboxContext
    seed: int
    _last_used: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _issued: int = 0

    def add(self, token: str) -> str:
        with self._lock:
            self._last_used[token] = self.ctx.monotonic()
        return token

    def issue(self) -> str:
        """A new session id, deterministic per seed and count (no unseeded randomness)."""
        with self._lock:
            self._issued += 1
            n = self._issued
        digest = hashlib.sha256(f"leadsync-sandbox:{self.seed}:session:{n}".encode()).hexdigest()
        return self.add(f"{ORG_ID}!{digest[:56]}")

    def touch(self, token: str) -> bool:
        """Whether the session is alive; using it resets its idle timer, expiry removes it."""
        now = self.ctx.monotonic()
        with self._lock:
            last = self._last_used.get(token)
            if last is None:
                return False
            if now - last > self.ctx.faults.salesforce_session_idle_s:
                del self._last_used[token]
                return False
            self._last_used[token] = now
            return True


def _refused(error: str, description: str, status: int = 400) -> Response:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


class TokenEndpoint:
    """``POST /services/oauth2/token`` of the sandbox org."""

    def __init__(self, app: OAuthApp, sessions: Sessions, ctx: SandboxContext) -> None:
        self.app = app
        self.sessions = sessions
        self.ctx = ctx

    async def handle(self, request: Request) -> Response:
        values = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
        base = f"{request.url.scheme}://{request.url.netloc}"
        grant = values.get("grant_type", "")
        if grant == JWT_BEARER_GRANT:
            refusal = self._jwt(values.get("assertion", ""), base)
        elif grant == "client_credentials":
            refusal = self._client(values)
        elif grant == "password":
            refusal = self._client(values) or self._password(values)
        else:
            return _refused("unsupported_grant_type", "grant type not supported")
        if refusal is not None:
            return refusal
        token = self.sessions.issue()
        issued_at = str(int(self.ctx.now().timestamp() * 1000))
        signature = base64.b64encode(
            hashlib.sha256(f"{token}{issued_at}".encode()).digest()
        ).decode()
        return JSONResponse(
            {
                "access_token": token,
                "scope": "api",
                "instance_url": base,
                "id": f"{base}/id/{ORG_ID}AAA/{USER_ID}",
                "token_type": "Bearer",
                "issued_at": issued_at,
                "signature": signature,
            }
        )

    def _client(self, values: dict[str, str]) -> Response | None:
        if values.get("client_id") != self.app.consumer_key:
            return _refused("invalid_client_id", "client identifier invalid")
        if values.get("client_secret") != self.app.consumer_secret:
            return _refused("invalid_client", "invalid client credentials")
        return None

    def _password(self, values: dict[str, str]) -> Response | None:
        expected = self.app.password + self.app.security_token
        if values.get("username") != self.app.username or values.get("password") != expected:
            return _refused("invalid_grant", "authentication failure")
        return None

    def _jwt(self, assertion: str, base: str) -> Response | None:
        if self.app.public_key_pem is None:
            return _refused("invalid_client", "no certificate registered for this consumer")
        try:
            # Expiry is checked against the sandbox clock below, not the wall clock.
            claims = jwt.decode(
                assertion,
                self.app.public_key_pem,
                algorithms=["RS256"],
                options={"verify_aud": False, "verify_exp": False, "require": ["exp"]},
            )
        except jwt.PyJWTError:
            return _refused("invalid_grant", "invalid assertion")
        if claims.get("iss") != self.app.consumer_key:
            return _refused("invalid_client_id", "client identifier invalid")
        audiences = {base, "https://login.salesforce.com", "https://test.salesforce.com"}
        if str(claims.get("aud", "")).rstrip("/") not in audiences:
            return _refused("invalid_grant", "audience is invalid")
        exp = claims.get("exp")
        if not isinstance(exp, int | float) or exp <= self.ctx.now().timestamp():
            return _refused("invalid_grant", "invalid assertion")
        if claims.get("sub") != self.app.username:
            return _refused("invalid_grant", "user hasn't approved this consumer")
        return None


class UserInfoEndpoint:
    """``GET /services/oauth2/userinfo``: who the access token signs in as (OpenID Connect).

    Salesforce Help, "Query for User Information" (remoteaccess_using_userinfo_endpoint): the
    endpoint answers for the token's own user only, with ``sub`` (the identity URL
    ``.../id/<orgId>/<userId>``), ``user_id``, ``organization_id``, ``preferred_username``,
    ``email``... Every sandbox session (OAuth or the built-in session id) is the integration
    user. An invalid or expired token gets 403 ``Bad_OAuth_Token`` (not the REST API's 401), as
    clients report (forcedotcom/SalesforceMobileSDK-iOS#3398, jsforce/jsforce#736).
    """

    def __init__(self, sessions: Sessions) -> None:
        self.sessions = sessions

    async def handle(self, request: Request) -> Response:
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or not self.sessions.touch(auth[len("Bearer ") :]):
            return Response("Bad_OAuth_Token", status_code=403, media_type="text/plain")
        if self.sessions.ctx.faults.salesforce_userinfo_refused:
            return Response("Insufficient_Scope", status_code=403, media_type="text/plain")
        base = f"{request.url.scheme}://{request.url.netloc}"
        org_id = f"{ORG_ID}AAA"
        return JSONResponse(
            {
                "sub": f"{base}/id/{org_id}/{USER_ID}",
                "user_id": USER_ID,
                "organization_id": org_id,
                "preferred_username": USER_ROW["Username"],
                "nickname": USER_ROW["Alias"],
                "name": USER_ROW["Name"],
                "email": USER_ROW["Email"],
                "email_verified": True,
                "given_name": USER_ROW["FirstName"],
                "family_name": USER_ROW["LastName"],
                "user_type": "STANDARD",
                "active": True,
            }
        )
