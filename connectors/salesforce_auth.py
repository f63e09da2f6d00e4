"""Salesforce sign-in: OAuth 2.0 flows at ``/services/oauth2/token`` and the renewable token.

A session dies after the org's idle timeout (``401 INVALID_SESSION_ID``) and simple-salesforce
does not renew it, so the connector holds a :class:`SalesforceAuth`: a requests ``AuthBase`` that
writes the current token into every request (simple-salesforce's SFType and Bulk 2.0 handlers
copy the session id into their own headers when they are built; this replaces them), and signs
in again when the connector reports the token dead.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import urlparse

import jwt
import requests
from requests.auth import AuthBase

from connectors.errors import AuthConfigError, build_error

log = logging.getLogger(__name__)
TOKEN_PATH = "/services/oauth2/token"
JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
_ASSERTION_LIFETIME_S = 180  # Salesforce wants exp within 3 minutes of now
_CLOCK_SKEW_TOLERANCE_S = 30.0  # a smaller skew cannot be why an assertion was refused


@dataclass(frozen=True)
class SalesforceToken:
    """An access token (the session id) and the instance it is valid on."""

    access_token: str
    instance_url: str

    def __repr__(self) -> str:  # the token is a secret
        return f"SalesforceToken(instance_url={self.instance_url!r})"


class SignIn(Protocol):
    """One way of getting a token; ``label`` says which and for whom, without secrets."""

    @property
    def label(self) -> str: ...

    @property
    def renewable(self) -> bool: ...

    def sign_in(self, session: requests.Session) -> SalesforceToken: ...


@dataclass(frozen=True)
class SessionIdSignIn:
    """A session id obtained elsewhere: works until it expires, cannot be renewed."""

    instance_url: str
    session_id: str = ""
    renewable = False

    @property
    def label(self) -> str:
        return "a static session id"

    def sign_in(self, session: requests.Session) -> SalesforceToken:
        return SalesforceToken(self.session_id, self.instance_url)

    def __repr__(self) -> str:
        return f"SessionIdSignIn({self.instance_url!r})"


@dataclass(frozen=True)
class JwtBearerSignIn:
    """OAuth 2.0 JWT bearer flow: an RS256 assertion signed with the connected app's key."""

    login_url: str
    consumer_key: str
    username: str
    private_key_file: Path
    clock: Callable[[], float] = time.time
    renewable = True

    @property
    def label(self) -> str:
        return f"JWT bearer as {self.username}"

    def assertion(self, skew_s: float = 0.0) -> str:
        """The signed assertion; ``skew_s`` is how far the org's clock runs ahead of ours."""
        try:
            key = self.private_key_file.read_text(encoding="utf-8")
        except OSError as exc:
            raise AuthConfigError(
                f"salesforce: cannot read the private key file {self.private_key_file}: "
                f"{exc.strerror}",
                system="salesforce",
                code="PRIVATE_KEY_FILE",
            ) from None
        claims = {
            "iss": self.consumer_key,
            "sub": self.username,
            "aud": jwt_audience(self.login_url),
            "exp": int(self.clock() + skew_s) + _ASSERTION_LIFETIME_S,
        }
        try:
            return jwt.encode(claims, key, algorithm="RS256")
        except (ValueError, TypeError, jwt.PyJWTError):
            raise AuthConfigError(
                f"salesforce: {self.private_key_file} is not a PEM RSA private key",
                system="salesforce",
                code="PRIVATE_KEY_FILE",
            ) from None

    def sign_in(self, session: requests.Session) -> SalesforceToken:
        form = {"grant_type": JWT_BEARER_GRANT, "assertion": self.assertion()}
        try:
            return request_token(session, self.login_url, form, self.label)
        except SignInRefused as refused:
            # The org judges the assertion's expiry by its own clock: when ours is off by more
            # than a little (NTP trouble, a VM resumed), sign once more on the org's time, which
            # its answer's Date header told.
            if refused.server_time is None or refused.code != "INVALID_GRANT":
                raise
            skew_s = refused.server_time - self.clock()
            if abs(skew_s) < _CLOCK_SKEW_TOLERANCE_S:
                raise
            log.warning(
                "our clock is %+.0f s off the org's; signing the assertion on its time", -skew_s
            )
            form = {"grant_type": JWT_BEARER_GRANT, "assertion": self.assertion(skew_s)}
            return request_token(session, self.login_url, form, self.label)

    def __repr__(self) -> str:
        return f"JwtBearerSignIn({self.login_url!r}, username={self.username!r})"


@dataclass(frozen=True)
class ClientCredentialsSignIn:
    """OAuth 2.0 client credentials flow against the org's My Domain URL."""

    login_url: str
    consumer_key: str
    consumer_secret: str
    renewable = True

    @property
    def label(self) -> str:
        return "client credentials (the connected app's run-as user)"

    def sign_in(self, session: requests.Session) -> SalesforceToken:
        form = {
            "grant_type": "client_credentials",
            "client_id": self.consumer_key,
            "client_secret": self.consumer_secret,
        }
        return request_token(session, self.login_url, form, self.label)

    def __repr__(self) -> str:
        return f"ClientCredentialsSignIn({self.login_url!r})"


@dataclass(frozen=True)
class PasswordSignIn:
    """OAuth 2.0 username-password flow (password + security token): sandboxes and dev orgs."""

    login_url: str
    consumer_key: str
    consumer_secret: str
    username: str
    password: str
    security_token: str = ""
    renewable = True

    @property
    def label(self) -> str:
        return f"username-password as {self.username}"

    def sign_in(self, session: requests.Session) -> SalesforceToken:
        form = {
            "grant_type": "password",
            "client_id": self.consumer_key,
            "client_secret": self.consumer_secret,
            "username": self.username,
            "password": self.password + self.security_token,
        }
        return request_token(session, self.login_url, form, self.label)

    def __repr__(self) -> str:
        return f"PasswordSignIn({self.login_url!r}, username={self.username!r})"


def _no_auth(request: requests.PreparedRequest) -> requests.PreparedRequest:
    return request


class SignInRefused(AuthConfigError):
    """The token endpoint refused the sign-in; ``server_time`` is its clock (epoch s), if told."""

    server_time: float | None = None

    def at(self, server_time: float | None) -> SignInRefused:
        self.server_time = server_time
        return self


def _date_header(value: str | None) -> float | None:
    try:
        when = parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return when.timestamp() if when is not None and when.tzinfo is not None else None


def jwt_audience(login_url: str) -> str:
    """The ``aud`` Salesforce expects of a JWT assertion for this login URL.

    Salesforce takes only https://login.salesforce.com, https://test.salesforce.com (sandboxes)
    or an Experience Cloud site URL as the audience — not a My Domain URL, even when the token
    is requested there ("invalid_grant: audience is invalid"). Other hosts (a site, a local
    emulator) are their own audience.
    """
    host = (urlparse(login_url).hostname or "").lower()
    if host == "test.salesforce.com" or host.endswith(".sandbox.my.salesforce.com"):
        return "https://test.salesforce.com"
    if host == "login.salesforce.com" or host.endswith(".my.salesforce.com"):
        return "https://login.salesforce.com"
    return login_url.rstrip("/")


def request_token(
    session: requests.Session, login_url: str, form: dict[str, str], label: str
) -> SalesforceToken:
    """POST the form to the token endpoint; errors name the flow, never the form's values."""
    url = login_url.rstrip("/") + TOKEN_PATH
    try:
        # auth=_no_auth: the session's SalesforceAuth must not send the old token here.
        response = session.post(
            url, data=form, auth=_no_auth, headers={"Accept": "application/json"}
        )
    except requests.exceptions.SSLError:
        raise build_error("salesforce", 0, "SSL_CERTIFICATE", "TLS verification failed") from None
    except requests.RequestException as exc:
        raise build_error("salesforce", 0, type(exc).__name__, f"no answer from {url}") from None
    try:
        body = response.json()
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    if response.status_code != 200 or not body.get("access_token"):
        error = str(body.get("error") or "")
        description = str(body.get("error_description") or "")[:200]
        if response.status_code >= 500 or response.status_code == 429:
            raise build_error("salesforce", response.status_code, error, description or url)
        raise SignInRefused(
            f"salesforce sign-in with {label} at {login_url} refused "
            f"({response.status_code} {error}: {description})",
            system="salesforce",
            status=response.status_code,
            code=error.upper() or "SIGN_IN_REFUSED",
        ).at(_date_header(response.headers.get("Date")))
    return SalesforceToken(str(body["access_token"]), str(body.get("instance_url") or login_url))


class SalesforceAuth(AuthBase):
    """The current token, written into every request; renewed at most once per dead token."""

    def __init__(self, sign_in: SignIn, session: requests.Session) -> None:
        self._sign_in = sign_in
        self._session = session
        self._lock = threading.Lock()
        self._token: SalesforceToken | None = None
        self.sign_ins = 0  # how often a token was fetched (tests count renewals)

    @property
    def label(self) -> str:
        return self._sign_in.label

    def token(self) -> SalesforceToken:
        """The current token, signing in first if there is none yet."""
        with self._lock:
            if self._token is None:
                self._token = self._fetch()
            return self._token

    def renew(self, dead: SalesforceToken) -> SalesforceToken:
        """A new token in place of ``dead`` (another thread may already have replaced it)."""
        with self._lock:
            if self._token is not None and self._token != dead:
                return self._token
            if not self._sign_in.renewable:
                raise AuthConfigError(
                    "salesforce session expired or invalid, and a static session id "
                    "(LEADSYNC_SALESFORCE_SESSION_ID) cannot be renewed: configure an OAuth "
                    "flow with LEADSYNC_SALESFORCE_AUTH=jwt, client_credentials or password",
                    system="salesforce",
                    status=401,
                    code="INVALID_SESSION_ID",
                )
            log.info("salesforce session expired; signing in again with %s", self.label)
            self._token = self._fetch()
            return self._token

    def _fetch(self) -> SalesforceToken:
        token = self._sign_in.sign_in(self._session)
        self.sign_ins += 1
        return token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        token = self._token
        if token is not None:
            request.headers["Authorization"] = f"Bearer {token.access_token}"
        return request
