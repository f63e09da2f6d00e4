"""Shared fixtures: a state store URL on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import os
import sys
import tempfile
import uuid
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Property tests check behaviour, not speed: no per-example deadline, so a busy machine (CI on
# two cores) cannot fail them; speed is measured in bench/.
settings.register_profile("leadsync", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("leadsync")

# The default state lives in the user state directory (platformdirs reads XDG_STATE_HOME): point
# it at a throwaway directory so no test, nor a subprocess it starts, writes the real one.
os.environ["XDG_STATE_HOME"] = tempfile.mkdtemp(prefix="leadsync-test-state-")

# pytest puts this directory (tests/) on sys.path for this conftest; tests/mappings, tests/sync,
# ... would then shadow the real packages as namespace packages, because the editable install
# finds those through a meta-path finder that runs after the path scan. The project root first
# keeps `import mappings` pointing at the code.
ROOT = str(Path(__file__).resolve().parent.parent)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

PG_URL = os.environ.get("LEADSYNC_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@cache
def _postgres_problem() -> str | None:
    """Why PostgreSQL cannot be used for tests, or None when it answers."""
    try:
        import psycopg
    except ImportError:
        return "psycopg (v3) is not installed: pip install 'psycopg[binary]'"
    conninfo = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    try:
        with psycopg.connect(conninfo, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"PostgreSQL does not answer at {conninfo}: {first_line}"
    return None


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose tables live in a fresh schema, dropped afterwards."""
    problem = _postgres_problem()
    if problem:
        pytest.skip(problem)
    import psycopg

    conninfo = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite URL for a file in the test's temporary directory."""
    return f"sqlite:///{tmp_path / 'state' / 'state.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def state_url(request: pytest.FixtureRequest) -> str:
    """A fresh state store URL, once on SQLite and once on PostgreSQL (skipped if absent)."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("pg_url"))


def _redis_answers() -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line saying which optional parts of the suite ran on this machine."""
    import shutil

    problem = _postgres_problem()
    postgres = "yes" if problem is None else f"no ({problem})"
    redis = "yes" if _redis_answers() else "no (127.0.0.1:6379 does not answer)"
    chromium = "yes" if shutil.which("chromium") else "no (make browser installs it)"
    offset = os.environ.get("LEADSYNC_SANDBOX_CLOCK_OFFSET_S") or "0"
    terminalreporter.write_line(
        f"optional parts: PostgreSQL {postgres}; Redis (worker tests) {redis}; "
        f"Chromium (report rendering) {chromium}; sandbox clock offset {offset} s"
    )
