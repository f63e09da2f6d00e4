from pathlib import Path

import pytest
from typer.testing import CliRunner

from sync.cli import app
from workers.pairs import PairsError, load_pairs, parse_every

PAIR = """
[defaults]
hubspot_url = "https://api.hubapi.example"
salesforce_url = "https://acme.my.salesforce.example"

[pairs.acme]
every = "5m"
hubspot_token = { env = "ACME_HS_TOKEN" }
salesforce_session_id = { file = "secrets/acme-sf" }
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "pairs.toml"
    path.write_text(text)
    return path


def test_secrets_resolve_from_env_and_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "acme-sf").write_text("00Dsession\n")
    monkeypatch.setenv("ACME_HS_TOKEN", "pat-secret")
    pair = load_pairs(write(tmp_path, PAIR)).get("acme")
    assert pair.schedule.every_s == 300
    settings = pair.settings()
    assert settings.pair == "acme"
    assert settings.hubspot_token is not None
    assert settings.hubspot_token.get_secret_value() == "pat-secret"
    assert settings.salesforce_session_id is not None
    assert settings.salesforce_session_id.get_secret_value() == "00Dsession"


def test_inline_secret_is_refused_without_echoing_it(tmp_path: Path) -> None:
    text = PAIR.replace('{ env = "ACME_HS_TOKEN" }', '"pat-na1-inline"')
    with pytest.raises(PairsError) as err:
        load_pairs(write(tmp_path, text))
    assert "hubspot_token is a secret" in str(err.value)
    assert "env =" in str(err.value)
    assert "pat-na1-inline" not in str(err.value)


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ('[pairs.x]\nhubspot_url = "https://h.example"\n', "give a schedule"),
        ('[pairs.x]\nevery = "soon"\n', "every"),
        ('[pairs.x]\ncron = "* *"\n', "five fields"),
        ('[pairs."bad name"]\nevery = "1m"\n', "pair name"),
        ('[pairs.x]\nevery = "1m"\npair = "y"\n', "table name"),
        ('[pairs.x]\nevery = "1m"\nhubspot_token = { vault = "k" }\n', "env ="),
        ("[pair.x]\n", "unknown top-level"),
    ],
)
def test_invalid_pairs_files_name_the_problem(tmp_path: Path, table: str, expected: str) -> None:
    with pytest.raises(PairsError, match=expected):
        load_pairs(write(tmp_path, table))


@pytest.mark.parametrize(("text", "seconds"), [("30s", 30), ("5m", 300), ("1h", 3600), ("7", 7)])
def test_every(text: str, seconds: float) -> None:
    assert parse_every(text) == seconds


def test_directory_of_pair_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("T", "tok")
    (tmp_path / "_defaults.toml").write_text('hubspot_url = "https://h.example"\n')
    (tmp_path / "brand-a.toml").write_text('every = "1m"\nhubspot_token = { env = "T" }\n')
    (tmp_path / "brand-b.toml").write_text('cron = "*/5 * * * *"\n')
    pairs = load_pairs(tmp_path)
    assert [p.name for p in pairs.pairs] == ["brand-a", "brand-b"]
    assert pairs.get("brand-b").schedule.cron == "*/5 * * * *"
    assert pairs.get("brand-a").settings().hubspot_url == "https://h.example"


def test_pairs_check_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, PAIR)
    monkeypatch.delenv("ACME_HS_TOKEN", raising=False)
    result = CliRunner().invoke(app, ["pairs", "check", str(path)])
    assert result.exit_code == 1
    assert "ACME_HS_TOKEN is not set" in result.output
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "acme-sf").write_text("00Dsession")
    monkeypatch.setenv("ACME_HS_TOKEN", "pat-secret")
    result = CliRunner().invoke(app, ["pairs", "check", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 pair(s) OK" in result.output
    assert "pat-secret" not in result.output
