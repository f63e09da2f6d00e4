"""Sign-in through the real client libraries against the sandbox: OAuth flows and expiry."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from connectors.base import Cursor
from connectors.errors import AuthConfigError
from connectors.hubspot import HubSpotConnector
from connectors.hubspot_auth import HubSpotOAuthCredentials
from connectors.retry import RetryPolicy
from connectors.salesforce import SalesforceConnector
from connectors.salesforce_auth import (
    ClientCredentialsSignIn,
    JwtBearerSignIn,
    PasswordSignIn,
    SignIn,
)

NO_WAIT = RetryPolicy(sleep=lambda s: None, max_attempts=3)


def _jwt(sb, key_file: str | None = None) -> JwtBearerSignIn:
    return JwtBearerSignIn(
        sb.salesforce_url,
        sb.salesforce_consumer_key,
        sb.salesforce_username,
        Path(key_file or sb.salesforce_private_key_file),
        clock=lambda: sb.ctx.now().timestamp(),
    )


def _sf(sb, sign_in: SignIn) -> SalesforceConnector:
    return SalesforceConnector(
        sb.salesforce_url, sign_in=sign_in, ca_path=sb.ca_path, retry=NO_WAIT
    )


def _hs(sb, **kwargs) -> HubSpotConnector:
    oauth = HubSpotOAuthCredentials(
        sb.hubspot_client_id, sb.hubspot_client_secret, sb.hubspot_refresh_token
    )
    return HubSpotConnector(
        sb.hubspot_url, oauth=oauth, ca_path=sb.ca_path, retry=NO_WAIT, **kwargs
    )


def test_jwt_bearer_signs_in_and_reads(sandbox) -> None:
    sandbox.salesforce.create(
        "Lead", {"LastName": "Okafor", "Company": "Acme", "Email": "o@acme.io"}
    )
    sf = _sf(sandbox, _jwt(sandbox))
    assert sf.signed_in().startswith(f"signed in with JWT bearer as {sandbox.salesforce_username}")
    assert [r.fields["Email"] for r in sf.find_by_email("Lead", ["o@acme.io"])] == ["o@acme.io"]
    assert sf.sign_ins == 1


def test_jwt_signed_with_another_key_is_refused(sandbox, tmp_path: Path) -> None:
    sandbox.salesforce_private_key_file  # noqa: B018  registers the sandbox's own key
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path / "other.pem"
    path.write_bytes(
        other.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(AuthConfigError, match="invalid_grant: invalid assertion"):
        _sf(sandbox, _jwt(sandbox, str(path))).describe("Lead")


@pytest.mark.parametrize("flow", ["client_credentials", "password"])
def test_client_credentials_and_password_sign_in(sandbox, flow: str) -> None:
    sign_in: SignIn
    if flow == "client_credentials":
        sign_in = ClientCredentialsSignIn(
            sandbox.salesforce_url,
            sandbox.salesforce_consumer_key,
            sandbox.salesforce_consumer_secret,
        )
    else:
        sign_in = PasswordSignIn(
            sandbox.salesforce_url,
            sandbox.salesforce_consumer_key,
            sandbox.salesforce_consumer_secret,
            sandbox.salesforce_username,
            sandbox.salesforce_password,
            sandbox.salesforce_security_token,
        )
    assert "Email" in _sf(sandbox, sign_in).describe("Lead").fields


def test_wrong_password_is_refused_without_echoing_it(sandbox, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    sign_in = PasswordSignIn(
        sandbox.salesforce_url,
        sandbox.salesforce_consumer_key,
        sandbox.salesforce_consumer_secret,
        sandbox.salesforce_username,
        "hunter2-wrong",
        sandbox.salesforce_security_token,
    )
    with pytest.raises(AuthConfigError) as err:
        _sf(sandbox, sign_in).describe("Lead")
    assert "authentication failure" in str(err.value)
    text = str(err.value) + repr(sign_in) + caplog.text
    for secret in ("hunter2-wrong", sandbox.salesforce_consumer_secret):
        assert secret not in text


def test_salesforce_session_expiry_signs_in_once_per_expiry(sandbox, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    sandbox.set_faults(salesforce_session_idle_s=30)
    sf = _sf(sandbox, _jwt(sandbox))
    for n in range(4):
        sandbox.salesforce.create("Lead", {"LastName": f"L{n}", "Company": "Acme"})
        pages = list(sf.changes("Lead", Cursor(), full=True))
        assert sum(len(p.records) for p in pages) == n + 1
        sandbox.ctx.clock_offset_s += 31  # the session idles out
    assert sf.sign_ins == 4  # the first sign-in and one per expiry
    secrets = [
        sandbox.salesforce_consumer_secret,
        Path(sandbox.salesforce_private_key_file).read_text(),
    ]
    assert not any(s in caplog.text for s in secrets)


def test_expired_static_session_says_to_configure_oauth(sandbox) -> None:
    sandbox.set_faults(salesforce_session_idle_s=30)
    sf = SalesforceConnector(
        sandbox.salesforce_url,
        sandbox.salesforce_session_id,
        ca_path=sandbox.ca_path,
        retry=NO_WAIT,
    )
    sf.describe("Lead")
    sandbox.ctx.clock_offset_s += 31
    with pytest.raises(AuthConfigError, match="LEADSYNC_SALESFORCE_AUTH") as err:
        sf.read("Lead", ["00Q000000000001AAA"])
    assert sandbox.salesforce_session_id not in str(err.value)


def test_hubspot_oauth_renews_before_expiry_by_the_injected_clock(sandbox) -> None:
    sandbox.set_faults(hubspot_token_lifetime_s=30)
    sandbox.hubspot.create({"email": "a@acme.io", "lastname": "A"})
    hs = _hs(sandbox, token_clock=sandbox.ctx.monotonic)
    assert hs.signed_in().startswith("OAuth refresh token (portal ")
    for _ in range(3):
        assert [r.fields.get("email") for r in hs.find_by_email("contact", ["a@acme.io"])] == [
            "a@acme.io"
        ]
        sandbox.ctx.clock_offset_s += 31
    assert hs.token_renewals == 3
    assert "EXPIRED" not in str(sandbox.api_calls()["hubspot"])


def test_hubspot_oauth_renews_once_after_a_401(sandbox, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    sandbox.set_faults(hubspot_token_lifetime_s=30)
    sandbox.hubspot.create({"email": "b@acme.io", "lastname": "B"})
    hs = _hs(sandbox)  # the wall clock: it cannot see the sandbox clock jump
    for _ in range(3):
        assert len(hs.find_by_email("contact", ["b@acme.io"])) == 1
        sandbox.ctx.clock_offset_s += 31
    assert hs.token_renewals == 3
    for secret in (sandbox.hubspot_client_secret, sandbox.hubspot_refresh_token):
        assert secret not in caplog.text


def test_hubspot_bad_refresh_token_is_a_clear_auth_error(sandbox) -> None:
    oauth = HubSpotOAuthCredentials(
        sandbox.hubspot_client_id, sandbox.hubspot_client_secret, "nope"
    )
    hs = HubSpotConnector(sandbox.hubspot_url, oauth=oauth, ca_path=sandbox.ca_path, retry=NO_WAIT)
    with pytest.raises(AuthConfigError, match="BAD_REFRESH_TOKEN") as err:
        hs.describe("contact")
    assert sandbox.hubspot_client_secret not in str(err.value)


@pytest.mark.parametrize(
    ("login_url", "audience"),
    [
        ("https://login.salesforce.com", "https://login.salesforce.com"),
        ("https://acme.my.salesforce.com", "https://login.salesforce.com"),
        ("https://test.salesforce.com/", "https://test.salesforce.com"),
        ("https://acme--uat.sandbox.my.salesforce.com", "https://test.salesforce.com"),
        ("https://partners.acme.com/portal", "https://partners.acme.com/portal"),
    ],
)
def test_the_jwt_audience_is_what_salesforce_accepts(login_url: str, audience: str) -> None:
    from connectors.salesforce_auth import jwt_audience

    assert jwt_audience(login_url) == audience


@pytest.mark.parametrize("skew_s", [-7200.0, 3600.0, 31_536_000.0])
def test_a_jwt_sign_in_with_our_clock_off_signs_again_on_the_orgs_time(
    sandbox, skew_s: float, caplog: pytest.LogCaptureFixture
) -> None:
    # Our clock runs off the org's (the sandbox's): the first assertion is refused as expired
    # or, far ahead, the org's Date header shows the skew; the second is signed on its time.
    off = JwtBearerSignIn(
        sandbox.salesforce_url,
        sandbox.salesforce_consumer_key,
        sandbox.salesforce_username,
        Path(sandbox.salesforce_private_key_file),
        clock=lambda: sandbox.ctx.now().timestamp() - skew_s,
    )
    caplog.set_level(logging.WARNING)
    sf = _sf(sandbox, off)
    assert sf.signed_in().startswith("signed in with JWT bearer")
    if skew_s > 0:  # behind the org: the first assertion had already expired there
        assert "off the org's" in caplog.text
