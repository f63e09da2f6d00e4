"""Sign-in settings: each flow names the variable it misses; new secrets are never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync.settings import MissingSetting, SettingsError, load_settings


@pytest.mark.parametrize(
    ("flow", "missing"),
    [
        ("jwt", "LEADSYNC_SALESFORCE_USERNAME"),
        ("client_credentials", "LEADSYNC_SALESFORCE_CONSUMER_SECRET"),
        ("password", "LEADSYNC_SALESFORCE_CONSUMER_SECRET"),
    ],
)
def test_each_flow_names_what_it_misses(
    monkeypatch: pytest.MonkeyPatch, flow: str, missing: str
) -> None:
    monkeypatch.setenv("LEADSYNC_SALESFORCE_AUTH", flow)
    with pytest.raises(MissingSetting, match="LEADSYNC_SALESFORCE_LOGIN_URL"):
        load_settings().salesforce()
    monkeypatch.setenv("LEADSYNC_SALESFORCE_LOGIN_URL", "https://acme.my.salesforce.com")
    monkeypatch.setenv("LEADSYNC_SALESFORCE_CONSUMER_KEY", "3MVG9key")
    with pytest.raises(MissingSetting) as err:
        load_settings().salesforce()
    assert err.value.variable == missing


def test_hubspot_oauth_needs_its_refresh_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADSYNC_HUBSPOT_URL", "https://127.0.0.1:2")
    monkeypatch.setenv("LEADSYNC_HUBSPOT_AUTH", "oauth")
    monkeypatch.setenv("LEADSYNC_HUBSPOT_CLIENT_ID", "id")
    monkeypatch.setenv("LEADSYNC_HUBSPOT_CLIENT_SECRET", "hs-client-secret")
    with pytest.raises(MissingSetting, match="LEADSYNC_HUBSPOT_REFRESH_TOKEN"):
        load_settings().hubspot()


def test_new_secrets_never_shown(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    key = tmp_path / "key.pem"
    key.write_text("x")
    secrets = {
        "LEADSYNC_SALESFORCE_CONSUMER_SECRET": "sf-consumer-secret",
        "LEADSYNC_SALESFORCE_PASSWORD": "sf-password-secret",
        "LEADSYNC_SALESFORCE_SECURITY_TOKEN": "sf-security-secret",
        "LEADSYNC_HUBSPOT_CLIENT_SECRET": "hs-client-secret",
        "LEADSYNC_HUBSPOT_REFRESH_TOKEN": "hs-refresh-secret",
    }
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("LEADSYNC_SALESFORCE_AUTH", "password")
    monkeypatch.setenv("LEADSYNC_SALESFORCE_LOGIN_URL", "https://test.salesforce.com")
    monkeypatch.setenv("LEADSYNC_SALESFORCE_CONSUMER_KEY", "3MVG9key")
    monkeypatch.setenv("LEADSYNC_SALESFORCE_USERNAME", "integration@acme.com")
    monkeypatch.setenv("LEADSYNC_HUBSPOT_AUTH", "oauth")
    monkeypatch.setenv("LEADSYNC_HUBSPOT_CLIENT_ID", "id")
    monkeypatch.setenv("LEADSYNC_HUBSPOT_URL", "https://127.0.0.1:2")
    s = load_settings()
    shown = [repr(s), str(s.describe()), repr(s.salesforce()), repr(s.hubspot())]
    for text in shown:
        for value in secrets.values():
            assert value not in text
    monkeypatch.setenv("LEADSYNC_SALESFORCE_AUTH", "oauth-magic")
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert "LEADSYNC_SALESFORCE_AUTH" in str(err.value)
    assert not any(value in str(err.value) for value in secrets.values())
