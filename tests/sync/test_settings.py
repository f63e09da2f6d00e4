from pathlib import Path

import pytest

from sync.settings import (
    DEFAULT_MAPPINGS_DIR,
    MissingConfigFile,
    MissingSetting,
    RateLimit,
    Settings,
    SettingsError,
    default_state_url,
    load_settings,
    parse_rate,
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No LEADSYNC_* variables and no .env / leadsync.toml from the developer's machine."""
    import os

    for name in list(os.environ):
        if name.startswith("LEADSYNC_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_defaults() -> None:
    s = load_settings()
    assert s.state_url == default_state_url()
    assert s.state_url.endswith("/leadsync/state.db") and "/./" not in s.state_url
    assert s.mappings_dir == DEFAULT_MAPPINGS_DIR
    assert DEFAULT_MAPPINGS_DIR.parts[-2:] == ("mappings", "default")
    assert s.pair == "default"
    assert s.salesforce_max_usage_share == 0.8
    assert s.salesforce_bulk_threshold == 2000
    assert s.hubspot_rate == RateLimit(190, 10.0)
    assert s.hubspot_search_per_second == 4
    assert s.timeout_s == 30
    assert s.batch_size == 200
    assert s.dead_letter_max_attempts == 8
    assert s.dead_letter_base_delay_s == 60
    assert s.create_in_salesforce == "Lead"
    assert s.propagate_deletes is False
    assert s.ca_path is None


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADSYNC_HUBSPOT_RATE", "100/10s")
    monkeypatch.setenv("LEADSYNC_BATCH_SIZE", "50")
    monkeypatch.setenv("LEADSYNC_PROPAGATE_DELETES", "true")
    monkeypatch.setenv("LEADSYNC_CREATE_IN_SALESFORCE", "Contact")
    monkeypatch.setenv("LEADSYNC_SALESFORCE_URL", "https://127.0.0.1:8443/")
    s = load_settings()
    assert s.hubspot_rate == RateLimit(100, 10.0)
    assert str(s.hubspot_rate) == "100/10s"
    assert s.batch_size == 50
    assert s.propagate_deletes is True
    assert s.create_in_salesforce == "Contact"
    assert s.salesforce_url == "https://127.0.0.1:8443"  # trailing slash dropped


def test_precedence_arguments_env_dotenv_toml(
    monkeypatch: pytest.MonkeyPatch, clean_env: Path
) -> None:
    (clean_env / "leadsync.toml").write_text(
        'pair = "from_toml"\nbatch_size = 10\ntimeout_s = 5\nhubspot_rate = "50/1s"\n'
    )
    (clean_env / ".env").write_text("LEADSYNC_BATCH_SIZE=20\nLEADSYNC_TIMEOUT_S=6\n")
    monkeypatch.setenv("LEADSYNC_TIMEOUT_S", "7")
    s = load_settings()
    assert s.pair == "from_toml"
    assert s.hubspot_rate == RateLimit(50, 1.0)
    assert s.batch_size == 20  # .env beats TOML
    assert s.timeout_s == 7  # environment beats .env
    assert load_settings(timeout_s=8).timeout_s == 8  # arguments beat everything


def test_config_file_from_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    other = tmp_path / "conf" / "prod.toml"
    other.parent.mkdir()
    other.write_text('pair = "prod"\n')
    (tmp_path / "leadsync.toml").write_text('pair = "ignored"\n')
    monkeypatch.setenv("LEADSYNC_CONFIG", str(other))
    s = load_settings()
    assert s.pair == "prod"
    assert s.config == other


def test_config_file_as_argument(tmp_path: Path) -> None:
    path = tmp_path / "x.toml"
    path.write_text("salesforce_bulk_threshold = 5\n")
    assert load_settings(config=path).salesforce_bulk_threshold == 5


def test_missing_config_file_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADSYNC_CONFIG", "nope.toml")
    with pytest.raises(MissingConfigFile, match="LEADSYNC_CONFIG names nope.toml"):
        load_settings()


def test_misspelt_toml_key_is_an_error(clean_env: Path) -> None:
    (clean_env / "leadsync.toml").write_text("bach_size = 3\n")
    with pytest.raises(SettingsError, match="LEADSYNC_BACH_SIZE"):
        load_settings()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("LEADSYNC_BATCH_SIZE", "abc"),
        ("LEADSYNC_BATCH_SIZE", "500"),
        ("LEADSYNC_SALESFORCE_MAX_USAGE_SHARE", "1.5"),
        ("LEADSYNC_HUBSPOT_RATE", "fast"),
        ("LEADSYNC_CREATE_IN_SALESFORCE", "Account"),
        ("LEADSYNC_HUBSPOT_URL", "ftp://x"),
        ("LEADSYNC_CA_PATH", "/does/not/exist.pem"),
        ("LEADSYNC_PAIR", "no spaces"),
    ],
)
def test_invalid_value_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=variable):
        load_settings()


def test_required_only_when_needed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    s = load_settings()  # loading without credentials is fine: `leadsync version` needs none
    with pytest.raises(MissingSetting, match="LEADSYNC_SALESFORCE_URL is not set"):
        s.salesforce()
    monkeypatch.setenv("LEADSYNC_SALESFORCE_URL", "https://127.0.0.1:1")
    with pytest.raises(MissingSetting) as err:
        load_settings().salesforce()
    assert err.value.variable == "LEADSYNC_SALESFORCE_SESSION_ID"
    monkeypatch.setenv("LEADSYNC_HUBSPOT_URL", "https://127.0.0.1:2")
    monkeypatch.setenv("LEADSYNC_HUBSPOT_TOKEN", "")
    with pytest.raises(MissingSetting, match="LEADSYNC_HUBSPOT_TOKEN"):
        load_settings().hubspot()
    ca = tmp_path / "ca.pem"
    ca.write_text("x")
    monkeypatch.setenv("LEADSYNC_HUBSPOT_TOKEN", "pat-123")
    monkeypatch.setenv("LEADSYNC_CA_PATH", str(ca))
    access = load_settings().hubspot()
    assert access.url == "https://127.0.0.1:2"
    assert access.token.get_secret_value() == "pat-123"
    assert access.ca_path == ca


def test_secrets_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADSYNC_SALESFORCE_SESSION_ID", "sf-secret-00D")
    monkeypatch.setenv("LEADSYNC_HUBSPOT_TOKEN", "pat-na1-secret")
    monkeypatch.setenv("LEADSYNC_STATE_URL", "postgresql+psycopg://u:pg-secret@db/state")
    monkeypatch.setenv("LEADSYNC_SALESFORCE_URL", "https://127.0.0.1:1")
    monkeypatch.setenv("LEADSYNC_HUBSPOT_URL", "https://127.0.0.1:2")
    s = load_settings()
    shown = [repr(s), str(s), repr(s.hubspot()), str(s.describe()), repr(s.salesforce())]
    for text in shown:
        for secret in ("sf-secret-00D", "pat-na1-secret", "pg-secret"):
            assert secret not in text
    assert s.describe()["hubspot_token"] == "(set)"
    assert s.state_url.endswith("u:pg-secret@db/state")  # the real value is still usable


def test_invalid_secret_values_are_not_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADSYNC_STATE_URL", "postgresql://u:pg-secret@db/x")
    with pytest.raises(SettingsError) as err:
        load_settings(batch_size=0)
    assert "pg-secret" not in str(err.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("190/10s", RateLimit(190, 10.0)),
        ("5/1", RateLimit(5, 1.0)),
        (" 7 / 2.5s ", RateLimit(7, 2.5)),
    ],
)
def test_parse_rate(text: str, expected: RateLimit) -> None:
    assert parse_rate(text) == expected


@pytest.mark.parametrize("text", ["", "0/10s", "10/0s", "10", "a/b"])
def test_parse_rate_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="190/10s"):
        parse_rate(text)


def test_settings_is_the_model() -> None:
    assert isinstance(load_settings(), Settings)
