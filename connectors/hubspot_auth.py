"""HubSpot sign-in: a private-app token, or OAuth access tokens renewed with the refresh token.

OAuth access tokens last 30 minutes (``expires_in`` in the answer of ``POST /oauth/v1/token``);
a token is renewed shortly before it expires, by the injected clock, and after a 401 (once).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from connectors.errors import AuthConfigError

log = logging.getLogger(__name__)
_RENEW_MARGIN_S = 300.0  # renew this long before expiry (at most a tenth of the lifetime)


@dataclass(frozen=True)
class HubSpotOAuthCredentials:
    """An OAuth app's client id and secret and the refresh token of its install."""

    client_id: str
    client_secret: str
    refresh_token: str

    def __repr__(self) -> str:  # the secret and the refresh token are never shown
        return f"HubSpotOAuthCredentials(client_id={self.client_id!r})"


# POSTs the form to /oauth/v1/token and returns the parsed answer (raising taxonomy errors).
TokenRequest = Callable[[dict[str, str]], Mapping[str, Any]]


class HubSpotTokens:
    """The access token to send: fixed (private app) or renewed from the refresh token."""

    def __init__(
        self,
        *,
        token: str | None = None,
        oauth: HubSpotOAuthCredentials | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if (token is None) == (oauth is None):
            raise ValueError("give either a private-app token or OAuth credentials")
        self._oauth = oauth
        self._clock = clock
        self._lock = threading.Lock()
        self._token = token
        self._expires_at: float | None = None
        self._margin_s = _RENEW_MARGIN_S
        self.renewals = 0  # access tokens fetched (tests count them)

    @property
    def renewable(self) -> bool:
        return self._oauth is not None

    @property
    def label(self) -> str:
        return "OAuth refresh token" if self._oauth else "private-app token"

    def current(self, request: TokenRequest) -> str:
        """The token to send now: fetched or renewed first when it is missing or nearly expired."""
        with self._lock:
            if self._token is None or self._nearly_expired():
                self._fetch(request)
            assert self._token is not None
            return self._token

    def renew(self, dead: str, request: TokenRequest) -> str:
        """A new access token after ``dead`` was refused (unless another thread renewed it)."""
        with self._lock:
            if self._oauth is None:
                raise AuthConfigError(
                    "hubspot refused the private-app token", system="hubspot", status=401
                )
            if self._token is not None and self._token != dead:
                return self._token
            log.info("hubspot access token refused; renewing it with the refresh token")
            self._fetch(request)
            assert self._token is not None
            return self._token

    def _nearly_expired(self) -> bool:
        return self._expires_at is not None and self._clock() >= self._expires_at - self._margin_s

    def _fetch(self, request: TokenRequest) -> None:
        assert self._oauth is not None
        answer = request(
            {
                "grant_type": "refresh_token",
                "client_id": self._oauth.client_id,
                "client_secret": self._oauth.client_secret,
                "refresh_token": self._oauth.refresh_token,
            }
        )
        token = answer.get("access_token")
        if not token:
            raise AuthConfigError(
                "hubspot token answer has no access_token", system="hubspot", code="BAD_ANSWER"
            )
        lifetime = float(answer.get("expires_in") or 1800)
        self._token = str(token)
        self._margin_s = min(_RENEW_MARGIN_S, lifetime / 10)
        self._expires_at = self._clock() + lifetime
        self.renewals += 1
