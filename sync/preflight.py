"""Checks before a run reads anything: both hosts answer, TLS verifies, both sign-ins work.

Each failure is one line naming the setting to fix and the host:port, found within seconds
(a TCP connect with a short timeout), not after retries or after one side was read in full.
"""

from __future__ import annotations

import socket
import ssl
from pathlib import Path
from urllib.parse import urlsplit

from connectors.errors import ConnectorError
from sync.runner import Connectors
from sync.settings import Settings, env_name

CONNECT_TIMEOUT_S = 3.0

_SIGN_IN_SETTINGS = {
    "session": ("salesforce_url", "salesforce_session_id"),
    "jwt": (
        "salesforce_login_url",
        "salesforce_consumer_key",
        "salesforce_username",
        "salesforce_private_key_file",
    ),
    "client_credentials": (
        "salesforce_login_url",
        "salesforce_consumer_key",
        "salesforce_consumer_secret",
    ),
    "password": (
        "salesforce_login_url",
        "salesforce_consumer_key",
        "salesforce_consumer_secret",
        "salesforce_username",
        "salesforce_password",
        "salesforce_security_token",
    ),
    "private_app": ("hubspot_token",),
    "oauth": ("hubspot_client_id", "hubspot_client_secret", "hubspot_refresh_token"),
}


class PreflightError(Exception):
    """A setting that cannot work; the message names the variable and the fix."""


def _first_line(exc: BaseException, limit: int = 200) -> str:
    text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return text if len(text) <= limit else text[: limit - 1] + "…"


def tls_context(ca_path: Path | None) -> ssl.SSLContext:
    """The context the connectors verify with; a CA file that holds no certificate is refused."""
    try:
        return ssl.create_default_context(cafile=str(ca_path) if ca_path else None)
    except (ssl.SSLError, OSError, ValueError) as exc:
        raise PreflightError(
            f"{env_name('ca_path')}: {ca_path} is not a PEM CA bundle ({_first_line(exc)}): "
            "point it at the certificate of the CA that signed the servers' certificates"
        ) from None


def probe(field: str, url: str, ca_path: Path | None, timeout_s: float = CONNECT_TIMEOUT_S) -> None:
    """Connect to the URL's host:port (and complete TLS for https) within ``timeout_s``."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    where = f"{host}:{port}"
    variable = env_name(field)
    try:
        sock = socket.create_connection((host, port), timeout=timeout_s)
    except TimeoutError:
        raise PreflightError(
            f"{variable}: no answer from {where} within {timeout_s:g} s: check the URL, "
            "the network and any firewall or proxy"
        ) from None
    except OSError as exc:
        reason = exc.strerror or _first_line(exc)
        raise PreflightError(
            f"{variable}: cannot connect to {where} ({reason}): check the URL and that the "
            "service is reachable from here"
        ) from None
    try:
        if parts.scheme != "https":
            return
        context = tls_context(ca_path)
        sock.settimeout(timeout_s)
        try:
            with context.wrap_socket(sock, server_hostname=host):
                pass
        except ssl.SSLCertVerificationError as exc:
            hint = (
                f"{env_name('ca_path')} ({ca_path}) did not sign its certificate"
                if ca_path
                else f"set {env_name('ca_path')} to the CA that signed its certificate"
            )
            raise PreflightError(
                f"{variable}: TLS verification of {where} failed "
                f"({exc.verify_message or _first_line(exc)}): {hint}"
            ) from None
        except (ssl.SSLError, OSError) as exc:
            raise PreflightError(
                f"{variable}: TLS with {where} failed ({_first_line(exc)}): is it an https:// "
                "endpoint?"
            ) from None
    finally:
        sock.close()


def probe_state(url: str, timeout_s: float = CONNECT_TIMEOUT_S) -> None:
    """A PostgreSQL state's host:port answers within seconds (SQLite: nothing to probe)."""
    from sqlalchemy import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql" or not parsed.host:
        return
    where = f"{parsed.host}:{parsed.port or 5432}"
    try:
        socket.create_connection((parsed.host, parsed.port or 5432), timeout=timeout_s).close()
    except OSError as exc:
        reason = "no answer" if isinstance(exc, TimeoutError) else exc.strerror or _first_line(exc)
        raise PreflightError(
            f"{env_name('state_url')}: cannot reach the state database at {where} ({reason} "
            f"within {timeout_s:g} s): check that PostgreSQL runs there and the URL"
        ) from None


def check_sign_ins(settings: Settings, conns: Connectors) -> dict[str, str]:
    """Sign in to both systems and make one authenticated call each; say how each signed in."""
    out: dict[str, str] = {}
    for system, kind, conn, probe_type in (
        ("salesforce", settings.salesforce_auth, conns.salesforce, "Lead"),
        ("hubspot", settings.hubspot_auth, conns.hubspot, "contact"),
    ):
        try:
            out[system] = conn.signed_in()
            conn.describe(probe_type)  # static tokens are only tried by a real call
        except ConnectorError as exc:
            names = " / ".join(env_name(f) for f in _SIGN_IN_SETTINGS[kind])
            raise PreflightError(
                f"{system} sign-in failed ({_first_line(exc)}): check {names}"
            ) from None
    return out


def preflight(settings: Settings, conns: Connectors) -> dict[str, str]:
    """Hosts, TLS and sign-ins, Salesforce first; raises PreflightError at the first problem."""
    sf, hs = settings.salesforce(), settings.hubspot()
    sf_field = "salesforce_url" if sf.auth == "session" else "salesforce_login_url"
    if settings.ca_path:
        tls_context(settings.ca_path)
    probe(sf_field, sf.url, sf.ca_path)
    probe("hubspot_url", hs.url, hs.ca_path)
    return check_sign_ins(settings, conns)
