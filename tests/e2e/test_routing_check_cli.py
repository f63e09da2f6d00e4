"""`leadsync check --online` validates the owner mapping, the assignment rule and the Task field."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from sandbox import Sandbox
from sandbox.org_people import add_assignment_rule, rep


def leadsync(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sync", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_owners_without_a_match_are_warned_about(sb: Sandbox) -> None:
    result = leadsync(sb.env(), "check", "--online", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    warnings = [w["message"] for w in json.loads(result.stdout)["warnings"]]
    # Jonas has no HubSpot owner, Tom's is archived; Priya has no Salesforce User. The
    # integration user leadsync signs in as is no rep (it holds records like a queue): no warning.
    sf_side = next(w for w in warnings if w.startswith("2 salesforce owner(s)"))
    for email in (rep("Jonas").email, rep("Tom").email):
        assert email in sf_side
    assert "integration@leadsync.example" not in sf_side
    hs_side = next(w for w in warnings if w.startswith("1 hubspot owner(s)"))
    assert rep("Priya").email in hs_side


def test_the_assignment_rule_is_checked_by_name(sb: Sandbox) -> None:
    add_assignment_rule(sb.salesforce, "Lead Routing", [])
    good = leadsync(
        {**sb.env(), "LEADSYNC_SALESFORCE_ASSIGNMENT_RULE": "Lead Routing"},
        "check",
        "--online",
        "--json",
    )
    assert good.returncode == 0, good.stdout + good.stderr
    bad = leadsync(
        {**sb.env(), "LEADSYNC_SALESFORCE_ASSIGNMENT_RULE": "Lead Rooting"},
        "check",
        "--online",
        "--json",
    )
    assert bad.returncode == 1
    errors = [e["message"] for e in json.loads(bad.stdout)["errors"]]
    assert any("no lead assignment rule named 'Lead Rooting'" in e for e in errors)


def test_active_with_no_active_rule_is_a_warning(sb: Sandbox) -> None:
    result = leadsync(
        {**sb.env(), "LEADSYNC_SALESFORCE_ASSIGNMENT_RULE": "active", "LEADSYNC_HANDOFF_TASK": "1"},
        "check",
        "--online",
        "--json",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    warnings = [w["message"] for w in json.loads(result.stdout)["warnings"]]
    assert any("no active lead assignment rule" in w for w in warnings)
