"""The repository documents itself: every command, flag and setting; recipes; no outside links."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import typer.main

from sync.cli import app
from sync.settings import Settings, env_name

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands(group: Any, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, cmd in group.commands.items():
        out[f"{prefix}{name}"] = cmd
        if hasattr(cmd, "commands"):  # a group (typer may bring its own click classes)
            out.update(_commands(cmd, f"{prefix}{name} "))
    return out


def test_every_command_and_flag_is_in_the_readme() -> None:
    root = typer.main.get_command(app)
    missing = []
    for option in root.params:
        missing += [
            f"leadsync {o}"
            for o in option.opts
            if o.startswith("--") and "completion" not in o and o not in README
        ]
    for path, cmd in _commands(root).items():
        if f"leadsync {path}" not in README:
            missing.append(f"leadsync {path}")
        for param in cmd.params:
            if getattr(param, "param_type_name", "") == "option" and not param.hidden:
                long = [o for o in param.opts if o.startswith("--") and o != "--help"]
                missing += [f"leadsync {path} {o}" for o in long if o not in README]
    assert missing == []


def test_every_setting_is_in_the_readme() -> None:
    missing = [env_name(f) for f in Settings.model_fields if env_name(f) not in README]
    assert missing == []


def test_nothing_points_outside_the_repository() -> None:
    for path in [ROOT / "README.md", *ROOT.glob("docs/*.md")]:
        assert "../shared" not in path.read_text(encoding="utf-8"), path
    for target in re.findall(r"\]\(([^)#]+)\)", README):
        if "://" not in target:
            assert (ROOT / target).exists(), target


def test_scheduling_recipes_name_what_they_need() -> None:
    ops = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    for needle in (
        "crontab",
        "[Service]",
        "[Timer]",
        "kind: CronJob",
        "kind: Deployment",
        "kind: Secret",
        "concurrencyPolicy: Forbid",
        "LEADSYNC_HUBSPOT_TOKEN",
        "LEADSYNC_STATE_URL",
        "status --check",
        "SIGTERM",
    ):
        assert needle in ops, needle
    assert (ROOT / "docs" / "architecture.md").stat().st_size > 2000
