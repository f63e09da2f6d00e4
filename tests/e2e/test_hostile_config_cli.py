"""`leadsync check` on hostile mapping files: a file:line message and exit 1, never a traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sync.cli import app

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "mappings" / "default"
TITLE_RULE = "\\b(manager|lead|principal|architect)\\b"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (TITLE_RULE, "^(a+)+$", "nests a repeat inside a repeat"),
        ("lists:", "evil: &e [1, *e]\nlists:", "refers to itself"),
        ("lists/vendor_domains.txt", "/proc/self/environ", "outside the mappings directory"),
    ],
)
def test_check_refuses_hostile_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, old: str, new: str, expected: str
) -> None:
    monkeypatch.chdir(tmp_path)
    directory = tmp_path / "mappings"
    shutil.copytree(DEFAULT_DIR, directory)
    rules = directory / "rules.yaml"
    rules.write_text(rules.read_text().replace(old, new, 1))

    result = CliRunner().invoke(app, ["check", "--mappings", str(directory)], env={})

    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert expected in result.output and f"{rules}:" in result.output
    assert "Traceback" not in result.output
