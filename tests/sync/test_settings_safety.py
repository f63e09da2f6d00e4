"""Settings errors never echo secrets, and credentials never go out over plain http://."""

from pathlib import Path

import pytest

from sync.settings import SettingsError, load_settings

SECRET = "pat-na1-0123456789abcdef-SECRET"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No LEADSYNC_* variables and no .env / leadsync.toml from the developer's machine."""
    import os

    for name in list(os.environ):
        if name.startswith("LEADSYNC_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _error() -> str:
    with pytest.raises(SettingsError) as caught:
        load_settings()
    return str(caught.value)


def test_misspelt_secret_in_toml_is_named_not_shown(tmp_path: Path) -> None:
    (tmp_path / "leadsync.toml").write_text(f'hubspot_tokn = "{SECRET}"\n')
    message = _error()
    assert SECRET not in message
    assert "hubspot_tokn" in message
    assert "did you mean hubspot_token" in message


def test_misspelt_secret_in_dotenv_is_named_not_shown(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"LEADSYNC_SALESFORCE_SESION_ID={SECRET}\n")
    message = _error()
    assert SECRET not in message
    assert "LEADSYNC_SALESFORCE_SESION_ID" in message
    assert "LEADSYNC_SALESFORCE_SESSION_ID" in message  # the suggestion


def test_any_unknown_key_hides_its_value(tmp_path: Path) -> None:
    # Not a secret by name: an unknown key's value is still never shown (it may be one).
    (tmp_path / "leadsync.toml").write_text(f'hubspot_urll = "{SECRET}"\nnotes = {{ a = 1 }}\n')
    message = _error()
    assert SECRET not in message
    assert "hubspot_urll" in message and "did you mean hubspot_url" in message
    assert "unknown setting notes" in message


def test_environment_secret_never_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    # The environment holds many unrelated variables: unknown ones are ignored, and an error
    # in another setting does not bring the secret along.
    monkeypatch.setenv("LEADSYNC_HUBSPOT_TOKN", SECRET)
    monkeypatch.setenv("LEADSYNC_HUBSPOT_TOKEN", SECRET)
    monkeypatch.setenv("LEADSYNC_BATCH_SIZE", "lots")
    message = _error()
    assert SECRET not in message
    assert "LEADSYNC_BATCH_SIZE" in message and "'lots'" in message


def test_secret_looking_field_value_is_never_shown() -> None:
    from sync.settings import _problem

    error = {"type": "string_type", "loc": ("sf_private_key",), "msg": "bad", "input": SECRET}
    assert SECRET not in _problem(error)
    error = {"type": "string_type", "loc": ("timeout_s",), "msg": "bad", "input": "soon"}
    assert "'soon'" in _problem(error)


@pytest.mark.parametrize("field", ["LEADSYNC_HUBSPOT_URL", "LEADSYNC_SALESFORCE_URL"])
@pytest.mark.parametrize(
    "url", ["http://api.hubapi.com", "http://10.0.0.5:8080", "http://127.0.0.1.nip.io"]
)
def test_http_is_refused_for_remote_hosts_even_with_the_opt_in(
    monkeypatch: pytest.MonkeyPatch, field: str, url: str
) -> None:
    monkeypatch.setenv(field, url)
    monkeypatch.setenv("LEADSYNC_ALLOW_INSECURE_LOOPBACK", "true")
    message = _error()
    assert field in message and "clear text" in message and "https://" in message


@pytest.mark.parametrize("url", ["http://127.0.0.1:8443", "http://[::1]:8443", "http://localhost"])
def test_http_loopback_needs_the_explicit_opt_in(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("LEADSYNC_HUBSPOT_URL", url)
    message = _error()
    assert "LEADSYNC_ALLOW_INSECURE_LOOPBACK=true" in message
    monkeypatch.setenv("LEADSYNC_ALLOW_INSECURE_LOOPBACK", "true")
    assert load_settings().hubspot_url == url


def test_https_needs_no_opt_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADSYNC_HUBSPOT_URL", "https://api.hubapi.com/")
    monkeypatch.setenv("LEADSYNC_SALESFORCE_URL", "https://example.my.salesforce.com")
    s = load_settings()
    assert s.hubspot_url == "https://api.hubapi.com"


def test_password_in_an_http_url_is_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADSYNC_HUBSPOT_URL", f"http://user:{SECRET}@api.example.com")
    message = _error()
    assert SECRET not in message and "clear text" in message
