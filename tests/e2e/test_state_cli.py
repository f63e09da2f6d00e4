"""`leadsync status/sync/state ...` on a broken state: one line naming the file, no traceback."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sandbox import Sandbox
from sync.cli import app
from sync.state import StateStore


def _run(tmp_path: Path, state_url: str, *args: str) -> tuple[int, str]:
    env = {"LEADSYNC_STATE_URL": state_url, "LEADSYNC_CONFIG": ""}
    result = CliRunner().invoke(app, list(args), env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    out = " ".join(result.output.split())  # rich wraps long lines
    assert "Traceback" not in out
    return result.exit_code, out


def _broken(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / "state.db"
    if kind == "empty":
        path.touch()
    elif kind == "foreign":
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE invoices (id INTEGER)")
    else:
        StateStore(f"sqlite:///{path}").close()
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 3] if kind == "truncated" else b"junk" * 1000)
    return path


@pytest.mark.parametrize("kind", ["empty", "foreign", "truncated", "garbage"])
@pytest.mark.parametrize("command", [["status"], ["report"], ["state", "check"]])
def test_broken_state_is_one_line_naming_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str, command: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    path = _broken(tmp_path, kind)
    code, out = _run(tmp_path, f"sqlite:///{path}", *command)
    assert code in (1, 2)
    assert str(path) in out
    assert not (tmp_path / "leadsync-report.html").exists()


def test_sync_refuses_an_empty_state_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = _broken(tmp_path, "empty")
    env = {
        "LEADSYNC_STATE_URL": f"sqlite:///{path}",
        "LEADSYNC_SALESFORCE_URL": "https://127.0.0.1:9",
        "LEADSYNC_SALESFORCE_SESSION_ID": "x",
        "LEADSYNC_HUBSPOT_URL": "https://127.0.0.1:9",
        "LEADSYNC_HUBSPOT_TOKEN": "y",
    }
    result = CliRunner().invoke(app, ["sync", "--dry-run"], env=env)
    out = " ".join(result.output.split())
    assert result.exit_code == 2, out
    assert "Traceback" not in out and "empty (0 bytes)" in out and str(path) in out
    assert path.stat().st_size == 0


def test_read_only_state_stops_a_sync(
    sb: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "state.db"
    StateStore(f"sqlite:///{path}").close()
    env = {**sb.env(), "LEADSYNC_STATE_URL": f"sqlite:///file:{path}?mode=ro&uri=true"}
    result = CliRunner().invoke(app, ["sync"], env=env)
    out = " ".join(result.output.split())
    assert result.exit_code == 2, out
    assert "Traceback" not in out and str(path) in out and "writable" in out
    # Reading a read-only state still works.
    code, out = _run(tmp_path, f"sqlite:///file:{path}?mode=ro&uri=true", "status")
    assert code == 0


def test_unreachable_postgresql(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    url = "postgresql://leadsync:hunter2@127.0.0.1:1/state?connect_timeout=2"
    for command in (["status"], ["state", "check"]):
        code, out = _run(tmp_path, url, *command)
        assert code in (1, 2) and "cannot reach" in out
        assert "hunter2" not in out and "127.0.0.1:1" in out


def test_state_check_ok(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "state.db"
    StateStore(f"sqlite:///{path}").close()
    code, out = _run(tmp_path, f"sqlite:///{path}", "state", "check")
    assert code == 0 and out.startswith("ok:") and str(path) in out


def test_state_backup_copies_and_refuses_postgresql(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "state.db"
    StateStore(f"sqlite:///{path}").close()
    code, out = _run(tmp_path, f"sqlite:///{path}", "state", "backup", "--out", "copy.db")
    assert code == 0 and "copy.db" in out
    code, out = _run(tmp_path, "sqlite:///copy.db", "state", "check")
    assert code == 0
    code, out = _run(tmp_path, "postgresql://u:pw@127.0.0.1:1/db", "state", "backup")
    assert code == 2 and "pg_dump" in out and "pw@" not in out
