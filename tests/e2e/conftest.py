"""End-to-end fixtures: a sandbox, settings pointing leadsync at it, and a sync() helper."""
# ruff: noqa: E402  (the project root must be first on sys.path before the imports)

from __future__ import annotations

import sys
from pathlib import Path

# tests/ sits on sys.path (pytest's rootdir conftest) and tests/mappings is a package: the
# project root must come first or `import mappings` finds the tests and the default mapping
# directory resolves under tests/.
ROOT = str(Path(__file__).resolve().parents[2])
if sys.path[0] != ROOT:
    if ROOT in sys.path:
        sys.path.remove(ROOT)
    sys.path.insert(0, ROOT)

from collections.abc import Callable, Iterator
from datetime import datetime

import pytest
from e2e_helpers import SyncFn, settings_for

from sandbox import EXACT_TIMING, Sandbox
from sync.report import RunReport
from sync.runner import SyncOutcome, run_sync
from sync.settings import Settings
from sync.state import StateStore


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    """An empty sandbox with exact timing: no index delay, no late commits (tests opt in)."""
    with Sandbox(seed=7, leads=0) as sandbox:
        sandbox.set_faults(hubspot_index_delay_s=0, **EXACT_TIMING)
        yield sandbox


@pytest.fixture
def settings(sb: Sandbox, tmp_path: Path) -> Settings:
    return settings_for(sb, tmp_path)


@pytest.fixture
def state(settings: Settings) -> Iterator[StateStore]:
    """The state store the runs write to (read it between runs)."""
    with StateStore(settings.state_url, pair=settings.pair) as store:
        yield store


@pytest.fixture
def sync(settings: Settings, sb: Sandbox) -> SyncFn:
    """Run one sync cycle against the sandbox and return its report."""

    class _Sync:
        last: SyncOutcome | None = None

        def __call__(
            self,
            *,
            dry_run: bool = False,
            full: bool = False,
            clock: Callable[[], datetime] | None = None,
        ) -> RunReport:
            # leadsync's clock is the sandbox's: tests move time by moving the sandbox clock.
            self.last = run_sync(settings, dry_run=dry_run, full=full, clock=clock or sb.ctx.now)
            return self.last.report

    return _Sync()
