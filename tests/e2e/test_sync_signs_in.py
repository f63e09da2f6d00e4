"""Syncs that sign in with OAuth, configured from a leadsync.toml file, across token expiries."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from e2e_helpers import hs_contact, sf_by_email, sf_lead

from sandbox import Sandbox
from sync.runner import build_connectors, run_sync
from sync.settings import Settings, load_settings


def _toml_settings(sb: Sandbox, tmp_path: Path, flow: str) -> Settings:
    values = {k.removeprefix("LEADSYNC_").lower(): v for k, v in sb.oauth_env(flow).items()}
    values["state_url"] = f"sqlite:///{tmp_path}/state.db"
    values["dead_letter_base_delay_s"] = "0"
    values["batch_size"] = "2"
    lines = [
        f"{key} = {value}"
        if key in ("dead_letter_base_delay_s", "batch_size")
        else f"{key} = {str(value)!r}".replace("'", '"')
        for key, value in values.items()
    ]
    path = tmp_path / "leadsync.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_settings(config=str(path))


@pytest.mark.parametrize("flow", ["jwt", "client_credentials"])
def test_sync_signs_in_with_oauth_from_a_toml_file(sb: Sandbox, tmp_path: Path, flow: str) -> None:
    hs_contact(sb, "amara.okafor@northwind.example")
    sf_lead(sb, "maria.castellano@globex.example")
    settings = _toml_settings(sb, tmp_path, flow)
    assert settings.salesforce_auth == flow and settings.hubspot_auth == "oauth"
    report = run_sync(settings).report
    assert report.status == "ok", report.message
    assert sf_by_email(sb, "Lead", "amara.okafor@northwind.example")
    assert sb.hubspot.find_by_email("maria.castellano@globex.example") is not None


def test_sync_survives_expiries_in_the_middle(
    sb: Sandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sb.set_faults(salesforce_session_idle_s=30, hubspot_token_lifetime_s=30)
    emails = [
        "amara.okafor@northwind.example",
        "li.wei@contoso.example",
        "sofia.rossi@fabrikam.example",
        "jonas.berg@tailspin.example",
        "priya.nair@wingtip.example",
        "diego.alvarez@adatum.example",
    ]
    for email in emails:
        hs_contact(sb, email)
    settings = _toml_settings(sb, tmp_path, "client_credentials")
    conns = build_connectors(settings)

    def jump(*_: int) -> None:
        sb.ctx.clock_offset_s += 31  # every token and session dies between batches

    report = run_sync(settings, connectors=conns, on_batch=jump).report
    assert report.status == "ok", report.message
    for email in emails:
        assert len(sf_by_email(sb, "Lead", email)) == 1, email
    assert conns.salesforce.sign_ins >= 3
    assert conns.hubspot.token_renewals >= 2
    secrets = (
        sb.salesforce_consumer_secret,
        sb.hubspot_client_secret,
        sb.hubspot_refresh_token,
    )
    for secret in secrets:
        assert secret not in caplog.text
        assert secret not in str(report.to_json())
        assert secret not in str(settings.describe())


def test_check_online_says_how_each_side_signed_in(sb: Sandbox) -> None:
    env = {**os.environ, **sb.oauth_env("jwt")}
    done = subprocess.run(
        [sys.executable, "-m", "sync", "check", "--online"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (
        f"salesforce: signed in with JWT bearer as {sb.salesforce_username} "
        f"(instance {sb.salesforce_url})" in done.stdout
    )
    assert "hubspot: OAuth refresh token (portal 20000007" in done.stdout
    for secret in (sb.hubspot_client_secret, sb.hubspot_refresh_token):
        assert secret not in done.stdout + done.stderr
