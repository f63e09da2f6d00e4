"""Reliability: bad values, faults, hostile config and broken state, each beside a good record.

Every row asserts that no run crashes, that the good record beside the bad one is synced and
linked exactly once, and that the bad record is synced, corrected, skipped with a reason or
dead-lettered with a reason; where output is involved, that no traceback or secret is printed.
Value and fault rows share one sandbox and one state store per backend (SQLite, PostgreSQL);
each adds its own records and runs a sync. ``bench/reliability.py`` prints the table.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from e2e_helpers import hs_contact, sf_by_email, sf_lead
from reliability_rows import (
    DEAD,
    DUPLICATE,
    EXCLUDED,
    SKIPPED,
    SYNCED,
    VALUE_ROWS,
    ValueRow,
    bad_record,
)
from reliability_world import World, make_world
from typer.testing import CliRunner

from sandbox import EXACT_TIMING, Sandbox
from sync.cli import app
from sync.report import RunReport
from tests.conftest import PG_URL, _postgres_problem


# -- the shared world, one per backend ---------------------------------------------------------
@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp(f"reliability-{request.param}")
    with Sandbox(seed=7, leads=0) as sb:
        sb.set_faults(hubspot_index_delay_s=0, **EXACT_TIMING)
        if request.param == "sqlite":
            world = make_world(sb, tmp, "sqlite", f"sqlite:///{tmp}/state.db")
            yield world
            world.close()
            return
        problem = _postgres_problem()
        if problem:
            pytest.skip(problem)
        import psycopg

        conninfo = PG_URL.replace("postgresql+psycopg://", "postgresql://")
        schema = f"r_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        sep = "&" if "?" in PG_URL else "?"
        world = make_world(sb, tmp, "postgresql", f"{PG_URL}{sep}options=-csearch_path%3D{schema}")
        try:
            yield world
        finally:
            world.close()
            with psycopg.connect(conninfo, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


# -- API value rows (reliability_rows.py) ------------------------------------------------------
def _outcomes(world: World, record_id: str, reports: list[RunReport], duplicate: bool) -> set[str]:
    seen: set[str] = set()
    if world.linked(record_id):
        seen.add(SYNCED)
    if world.letters(record_id):
        seen.add(DEAD)
    if duplicate:
        seen.add(DUPLICATE)
    if not seen and any(r.skipped for r in reports):
        seen.add(SKIPPED)
    if not seen and any(r.excluded for r in reports):
        seen.add(EXCLUDED)
    return seen


@pytest.mark.parametrize("row", [pytest.param(r, id=r.id) for r in VALUE_ROWS])
def test_a_bad_value_never_stops_the_pair(
    world: World, row: ValueRow, caplog: pytest.LogCaptureFixture
) -> None:
    good_email = f"good.{row.id.replace('_', '-')}@northwind.io"
    good = hs_contact(world.sb, good_email)
    bad = bad_record(world, row)
    caplog.set_level(logging.INFO)
    try:
        first = world.run()
        assert first.status in ("ok", "partial"), first.message
        world.good_is_synced(good, good_email)
        second = world.run()  # nothing crashes, nothing is created twice
        assert second.status in ("ok", "partial"), second.message
        world.good_is_synced(good, good_email)

        duplicate = any(
            d.get("record_id") == bad for r in (first, second) for d in r.duplicate_records
        )
        seen = _outcomes(world, bad, [first, second], duplicate)
        assert seen & row.outcomes, (
            f"{row.id}: {sorted(seen)}, wanted one of {sorted(row.outcomes)}"
        )
        if DEAD in seen:
            letters = world.letters(bad)
            assert all(code and message for code, message, _, _ in letters), letters
            if row.field is not None:
                assert any(f == row.field for _, _, f, _ in letters), letters
        if row.after is not None:
            row.after(world, bad)
        problems = [r for r in caplog.records if r.exc_info and r.levelno >= logging.WARNING]
        assert not problems, "a traceback was logged"
        assert world.sb.hubspot_token not in caplog.text
    finally:
        if row.heal is not None:
            if row.side == "hubspot":
                world.sb.hubspot.poke(
                    bad, {k: None if v is None else str(v) for k, v in row.heal.items()}
                )
            else:
                world.sb.salesforce.poke("Lead", bad, row.heal)


# -- network and API faults ----------------------------------------------------------------------
@dataclass(frozen=True)
class FaultRow:
    """A fault the sandbox plays while a good contact and a good Lead wait to be synced."""

    id: str
    what: str
    faults: dict[str, object] = field(default_factory=dict)
    storm_seconds: float | None = None
    settings: dict[str, object] = field(default_factory=dict)
    runs: int = 4  # runs allowed to converge, faults on
    advance_s: float = 0.0  # sandbox time between runs, beyond the usual


FAULT_ROWS = [
    FaultRow("net_503_storm", "a third of all requests answered 503", {"error_rate": 0.3}),
    FaultRow(
        "net_timeouts",
        "answers held past the client's timeout",
        {"timeout_rate": 0.1, "timeout_s": 0.6},
        settings={"timeout_s": 0.3},
    ),
    FaultRow("net_429_storm", "HubSpot answers 429 for 30 s", storm_seconds=30),
    FaultRow(
        "net_429_budget", "a HubSpot budget of 4 requests per 10 s", {"hubspot_rate": "4/10s"}
    ),
    FaultRow(
        "net_locked_rows", "half the Salesforce writes UNABLE_TO_LOCK_ROW", {"lock_row_rate": 0.5}
    ),
    FaultRow("net_latency", "slow answers with jitter", {"latency_ms": 20.0, "jitter_ms": 20.0}),
    FaultRow(
        "net_late_commits",
        "every Salesforce commit visible up to 20 s after its stamp",
        {"salesforce_late_rate": 1.0, "salesforce_late_max_s": 20.0},
        advance_s=30,
    ),
    FaultRow(
        "net_index_lag",
        "HubSpot search lags writes by 40 s",
        {"hubspot_index_delay_s": 40.0},
        advance_s=30,
    ),
]
_FAULT_RESET = {
    "error_rate": 0.0,
    "timeout_rate": 0.0,
    "timeout_s": 10.0,
    "hubspot_rate": "190/10s",
    "lock_row_rate": 0.0,
    "latency_ms": 0.0,
    "jitter_ms": 0.0,
    "salesforce_late_rate": 0.0,
    "salesforce_late_max_s": 0.0,
    "hubspot_index_delay_s": 0.0,
}


@pytest.mark.parametrize("row", [pytest.param(r, id=r.id) for r in FAULT_ROWS])
def test_a_fault_never_loses_a_good_record(world: World, row: FaultRow) -> None:
    slug = row.id.replace("_", "-")
    hs_email, sf_email = f"good.{slug}@northwind.io", f"good.{slug}@globex.com"
    hid = hs_contact(world.sb, hs_email)
    lid = sf_lead(world.sb, sf_email)
    settings = world.settings.model_copy(update=row.settings) if row.settings else None
    world.sb.set_faults(storm_seconds=row.storm_seconds, **row.faults)
    try:
        for _ in range(row.runs):
            report = world.run(settings=settings)
            # A run may stop early (a read's retries used up), but never crashes or half-writes.
            assert report.status in ("ok", "partial", "failed"), report.message
            assert "\n" not in report.message and "Traceback" not in report.message
            if world.linked(hid) and world.linked(lid):
                break
            world.sb.ctx.advance(row.advance_s)
    finally:
        world.sb.set_faults(**_FAULT_RESET)
        world.sb.ctx.faults.storm_until = float("-inf")  # no storm, whatever the clock reads
    world.sb.ctx.advance(row.advance_s + 60)
    report = world.run()  # faults gone: whatever was left is finished now
    assert report.status in ("ok", "partial"), report.message
    world.good_is_synced(hid, hs_email)
    assert len(sf_by_email(world.sb, "Lead", sf_email)) == 1
    assert world.sb.hubspot.find_by_email(sf_email) is not None and world.linked(lid)


def test_quota_exhausted_stops_cleanly_and_resumes(world: World) -> None:
    hs_email = "good.quota@northwind.io"
    hid = hs_contact(world.sb, hs_email)
    used, _ = world.sb.salesforce.api_usage()
    world.sb.set_faults(salesforce_daily_limit=used + 2)
    try:
        report = world.run()
        assert report.status in ("partial", "failed"), report.to_json()
        assert report.message and "\n" not in report.message
    finally:
        world.sb.set_faults(salesforce_daily_limit=1_000_000)
        world.new_process()  # a connector that saw the quota used up stops calling for good
    report = world.run()
    assert report.status in ("ok", "partial"), report.message
    world.good_is_synced(hid, hs_email)


# -- record data printed by the CLI ------------------------------------------------------------
@pytest.mark.parametrize(
    ("row_id", "email", "props"),
    [
        pytest.param(
            "cli_markup_closing_tag", "ann[/up].lee@northwind.io", {}, id="cli_markup_closing_tag"
        ),
        pytest.param(
            "cli_markup_hyperlink",
            "link[link=https:evil]x@northwind.io",
            {"firstname": "[link=https://evil.example]x[/link]"},
            id="cli_markup_hyperlink",
        ),
    ],
)
def test_record_data_is_printed_as_text(
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    row_id: str,
    email: str,
    props: dict[str, str],
) -> None:
    monkeypatch.chdir(tmp_path)
    good_email = f"good.{row_id.replace('_', '-')}@northwind.io"
    hs_contact(world.sb, email, **props)
    hs_contact(world.sb, good_email)
    world.sb.ctx.advance(5)
    env = {**world.sb.env(), "LEADSYNC_STATE_URL": world.settings.state_url, "LEADSYNC_CONFIG": ""}
    result = CliRunner().invoke(app, ["sync", "--dry-run", "--plan"], env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    assert email in out and good_email in out
    assert "\x1b]8;" not in result.stdout and "Traceback" not in result.stdout
    assert world.sb.hubspot_token not in result.stdout
    report = world.run()  # and the real run syncs both
    assert report.status in ("ok", "partial"), report.message
    world.good_is_synced(world.sb.hubspot.find_by_email(good_email) or "", good_email)
