"""Reliability, without a sandbox: hostile configuration, secrets, broken state, bad answers.

Rows of the same table as test_reliability.py (``bench/reliability.py`` prints both): each is
refused in one line naming the file or setting, with no traceback and no secret, and a state
file is never reset or half-written.
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import responses
from typer.testing import CliRunner

from connectors.base import Cursor, WriteOp
from connectors.errors import ConnectorError
from connectors.retry import RetryPolicy
from connectors.salesforce import SalesforceConnector
from mappings.loader import load_mappings
from mappings.rules import evaluate
from sync.cli import app
from sync.settings import SettingsError, load_settings
from sync.state import StateStore

# -- hostile configuration and secrets (no state involved: run once) ----------------------------
SECRET = "pat-na1-0123456789abcdef-SECRET"
DEFAULT_MAPPINGS = Path(__file__).resolve().parents[2] / "mappings" / "default"
TITLE_RULE = "\\b(manager|lead|principal|architect)\\b"
GOOD_RECORD = {"email": "good.config@northwind.io", "title": "Director of Operations"}
NOW = datetime(2026, 3, 1, tzinfo=UTC)


def _settings_error(
    tmp: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str], env: dict[str, str]
) -> str:
    for name in [n for n in os.environ if n.startswith("LEADSYNC_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp)
    for name, text in files.items():
        (tmp / name).write_text(text)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert SECRET not in message and "Traceback" not in message
    return message


def _check_cli(tmp: Path, monkeypatch: pytest.MonkeyPatch, file: str, old: str, new: str) -> str:
    monkeypatch.chdir(tmp)
    directory = tmp / "mappings"
    shutil.copytree(DEFAULT_MAPPINGS, directory)
    path = directory / file
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    started = time.perf_counter()
    result = CliRunner().invoke(app, ["check", "--mappings", str(directory)], env={})
    assert time.perf_counter() - started < 20
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    out = " ".join(result.output.split())
    assert "Traceback" not in out and f"{path}:" in out
    return out


def _laughs() -> str:
    levels = "abcdefghij"
    text = f"{levels[0]}: &{levels[0]} [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    for prev, name in zip(levels, levels[1:], strict=False):
        text += f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]\n"
    return text


def cfg_misspelt_secret_toml(tmp: Path, mp: pytest.MonkeyPatch) -> None:
    message = _settings_error(tmp, mp, {"leadsync.toml": f'hubspot_tokn = "{SECRET}"\n'}, {})
    assert "hubspot_tokn" in message and "hubspot_token" in message


def cfg_misspelt_secret_dotenv(tmp: Path, mp: pytest.MonkeyPatch) -> None:
    message = _settings_error(tmp, mp, {".env": f"LEADSYNC_HUBSPOT_TOKN={SECRET}\n"}, {})
    assert "LEADSYNC_HUBSPOT_TOKN" in message


def cfg_unknown_key_with_secret_value(tmp: Path, mp: pytest.MonkeyPatch) -> None:
    message = _settings_error(tmp, mp, {"leadsync.toml": f'notes = "{SECRET}"\n'}, {})
    assert "notes" in message


def cfg_http_hubspot_url(tmp: Path, mp: pytest.MonkeyPatch) -> None:
    env = {"LEADSYNC_HUBSPOT_URL": "http://api.hubapi.com", "LEADSYNC_HUBSPOT_TOKEN": SECRET}
    assert "https" in _settings_error(tmp, mp, {}, env)


def cfg_http_salesforce_url_with_password(tmp: Path, mp: pytest.MonkeyPatch) -> None:
    env = {"LEADSYNC_SALESFORCE_URL": f"http://admin:{SECRET}@acme.my.salesforce.com"}
    assert "https" in _settings_error(tmp, mp, {}, env)


def cfg_yaml_recursive_alias(tmp: Path, mp: pytest.MonkeyPatch) -> None:
    assert "refers to itself" in _check_cli(
        tmp, mp, "rules.yaml", "lists:", "evil: &e [1, *e]\nlists:"
    )


def cfg_yaml_5000_deep(tmp: Path, mp: pytest.MonkeyPatch) -> None:
    deep = "deep: " + "[" * 5000 + "]" * 5000 + "\nlists:"
    assert "nest" in _check_cli(tmp, mp, "rules.yaml", "lists:", deep)


def cfg_yaml_billion_laughs(tmp: Path, mp: pytest.MonkeyPatch) -> None:
    out = _check_cli(tmp, mp, "rules.yaml", "lists:", _laughs() + "lists:")
    assert "aliases expand to more than" in out


def cfg_redos_rule_refused(tmp: Path, mp: pytest.MonkeyPatch) -> None:
    assert "nests a repeat inside a repeat" in _check_cli(
        tmp, mp, "rules.yaml", TITLE_RULE, "^(a+)+$"
    )


def cfg_redos_rule_bounded(tmp: Path, mp: pytest.MonkeyPatch) -> None:
    directory = tmp / "mappings"
    shutil.copytree(DEFAULT_MAPPINGS, directory)
    rules = directory / "rules.yaml"
    rules.write_text(rules.read_text().replace(TITLE_RULE, "^(a|aa)+$", 1))
    ms = load_mappings(directory)
    started = time.perf_counter()
    evaluate(ms.rules, {"email": "bad@northwind.io", "title": "a" * 40 + "!"}, NOW)
    good = evaluate(ms.rules, GOOD_RECORD, NOW)
    assert time.perf_counter() - started < 2.0
    assert not good.excluded


def cfg_list_file_proc_environ(tmp: Path, mp: pytest.MonkeyPatch) -> None:
    out = _check_cli(tmp, mp, "rules.yaml", "lists/vendor_domains.txt", "/proc/self/environ")
    assert "outside the mappings directory" in out


def cfg_list_file_parent_escape(tmp: Path, mp: pytest.MonkeyPatch) -> None:
    out = _check_cli(tmp, mp, "rules.yaml", "lists/vendor_domains.txt", "../../../etc/passwd")
    assert "outside the mappings directory" in out


CONFIG_ROWS: list[tuple[str, str, Callable[[Path, pytest.MonkeyPatch], None]]] = [
    (
        "cfg_misspelt_secret_toml",
        "hubspot_tokn = <token> in leadsync.toml",
        cfg_misspelt_secret_toml,
    ),
    (
        "cfg_misspelt_secret_dotenv",
        "LEADSYNC_HUBSPOT_TOKN=<token> in .env",
        cfg_misspelt_secret_dotenv,
    ),
    (
        "cfg_unknown_key_secret",
        "an unknown key holding a secret",
        cfg_unknown_key_with_secret_value,
    ),
    ("cfg_http_hubspot_url", "an http:// HubSpot URL", cfg_http_hubspot_url),
    (
        "cfg_http_url_with_password",
        "an http:// URL with a password in it",
        cfg_http_salesforce_url_with_password,
    ),
    ("cfg_yaml_recursive_alias", "a recursive YAML alias", cfg_yaml_recursive_alias),
    ("cfg_yaml_5000_deep", "YAML nested 5,000 deep", cfg_yaml_5000_deep),
    ("cfg_yaml_billion_laughs", "a billion-laughs YAML file", cfg_yaml_billion_laughs),
    ("cfg_redos_rule_refused", "rule regex ^(a+)+$", cfg_redos_rule_refused),
    ("cfg_redos_rule_bounded", "rule regex ^(a|aa)+$ on a 41-char title", cfg_redos_rule_bounded),
    ("cfg_list_file_proc_environ", "list file /proc/self/environ", cfg_list_file_proc_environ),
    ("cfg_list_file_parent_escape", "list file ../../../etc/passwd", cfg_list_file_parent_escape),
]


@pytest.mark.parametrize(
    ("row_id", "what", "check"), [pytest.param(*r, id=r[0]) for r in CONFIG_ROWS]
)
def test_hostile_configuration_is_refused_in_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    row_id: str,
    what: str,
    check: Callable[[Path, pytest.MonkeyPatch], None],
) -> None:
    check(tmp_path, monkeypatch)


# -- broken state: refused in one line naming the file, never reset ----------------------------
FAKE_ENV = {
    "LEADSYNC_SALESFORCE_URL": "https://127.0.0.1:9",
    "LEADSYNC_SALESFORCE_SESSION_ID": "x",
    "LEADSYNC_HUBSPOT_URL": "https://127.0.0.1:9",
    "LEADSYNC_HUBSPOT_TOKEN": SECRET,
    "LEADSYNC_CONFIG": "",
}


def _broken_state(path: Path, kind: str) -> str:
    if kind == "zero_length":
        path.touch()
    elif kind == "foreign":
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE invoices (id INTEGER)")
    else:
        StateStore(f"sqlite:///{path}").close()
        data = path.read_bytes()
        if kind == "truncated":
            path.write_bytes(data[: len(data) // 3])
        elif kind == "corrupted":
            path.write_bytes(data[:100] + b"\xde\xad" * 2000 + data[4100:])
        elif kind == "garbage":
            path.write_bytes(b"junk" * 1000)
    if kind == "read_only":
        return f"sqlite:///file:{path}?mode=ro&uri=true"
    return f"sqlite:///{path}"


@pytest.mark.parametrize(
    "kind",
    ["zero_length", "foreign", "truncated", "corrupted", "garbage", "read_only"],
    ids=lambda k: f"state_{k}",
)
def test_broken_sqlite_state_is_one_line_and_never_reset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "state.db"
    url = _broken_state(path, kind)
    before = path.read_bytes()
    result = CliRunner().invoke(app, ["sync"], env={**FAKE_ENV, "LEADSYNC_STATE_URL": url})
    out = " ".join(result.output.split())
    assert result.exception is None or isinstance(result.exception, SystemExit), out
    assert result.exit_code in (1, 2), out
    assert "Traceback" not in out and SECRET not in out and str(path) in out
    if kind == "foreign":
        # Its tables are left alone (opening it may switch its journal mode, a header byte).
        with sqlite3.connect(path) as db:
            names = [r[0] for r in db.execute("SELECT name FROM sqlite_master")]
        assert names == ["invoices"]
    else:
        assert path.read_bytes() == before  # never reset, never half-written


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://leadsync:hunter2@127.0.0.1:1/state?connect_timeout=2",
        "postgresql+psycopg://postgres:hunter2@127.0.0.1:5432/no_such_database_here",
    ],
    ids=["state_postgresql_unreachable", "state_postgresql_no_database"],
)
def test_unreachable_postgresql_is_one_line_without_the_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["sync"], env={**FAKE_ENV, "LEADSYNC_STATE_URL": url})
    out = " ".join(result.output.split())
    assert result.exception is None or isinstance(result.exception, SystemExit), out
    assert result.exit_code in (1, 2), out
    assert "Traceback" not in out and "hunter2" not in out and SECRET not in out


# -- a truncated answer (Salesforce, unit: responses) -------------------------------------------
SF_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "salesforce"
SF_BASE = "https://acme.my.salesforce.com/services/data/v59.0/"
SF_LIMIT = {"Sforce-Limit-Info": "api-usage=10/1000"}


def test_truncated_json_body_is_a_typed_fault_and_the_good_page_follows() -> None:
    describe = json.loads((SF_FIXTURES / "describe_lead.json").read_text())
    page = json.loads((SF_FIXTURES / "query_leads_page1.json").read_text())
    page.update(done=True, nextRecordsUrl=None)
    body = json.dumps(page)
    waits: list[float] = []
    sf = SalesforceConnector(
        "https://acme.my.salesforce.com",
        "00D!session",
        retry=RetryPolicy(sleep=waits.append, rng=random.Random(0)),
    )
    with responses.RequestsMock(assert_all_requests_are_fired=False) as api:
        api.get(SF_BASE + "sobjects/Lead/describe", json=describe, headers=SF_LIMIT)
        api.get(SF_BASE + "query/", body=body[: len(body) // 2], headers=SF_LIMIT)
        api.get(SF_BASE + "query/", body=body, headers=SF_LIMIT)
        try:
            pages = list(sf.changes("Lead", Cursor(), full=True))
        except ConnectorError as exc:  # refused as a fault of the answer, never a crash
            assert "Traceback" not in str(exc)
            pages = list(sf.changes("Lead", Cursor(), full=True))
    assert [r.id for p in pages for r in p.records]  # the good page is read


def test_nan_in_a_payload_is_that_record_refused_never_retried() -> None:
    waits: list[float] = []
    sf = SalesforceConnector(
        "https://acme.my.salesforce.com",
        "00D!session",
        retry=RetryPolicy(sleep=waits.append, rng=random.Random(0)),
    )
    ops = [
        WriteOp("Lead", {"AnnualRevenue": math.nan}, id="00Q000000000001AAA", ref="bad"),
        WriteOp("Lead", {"AnnualRevenue": 10.0}, id="00Q000000000002AAA", ref="good"),
    ]
    sent: list[object] = []

    def answer(request):  # type: ignore[no-untyped-def]
        body = json.loads(request.body)
        sent.append(body)
        return (
            200,
            SF_LIMIT,
            json.dumps([{"id": r["id"], "success": True, "errors": []} for r in body["records"]]),
        )

    with responses.RequestsMock() as api:
        api.add_callback(responses.PATCH, SF_BASE + "composite/sobjects", callback=answer)
        bad, good = sf.write(ops)
    assert good.ok and not bad.ok and bad.errors[0].fields == ("AnnualRevenue",)
    assert len(sent) == 1 and waits == []  # one request, no retry, no backoff
