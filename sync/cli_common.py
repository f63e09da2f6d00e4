"""What every `leadsync` command shares: the consoles, loading settings, one-line failures."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console
from rich.text import Text

from sync.settings import MissingSetting, Settings, SettingsError, load_settings
from sync.state_errors import StateError

if TYPE_CHECKING:
    from sync.runner import Connectors

# Wide enough for the run tables when the output is piped (rich assumes 80 columns then).
console = Console(width=None if sys.stdout.isatty() else 120)
# Errors and progress go to stderr, so stdout stays clean for --json.
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 200)


@dataclass
class Options:
    """The global options given before the command."""

    quiet: bool = False


OPTIONS = Options()


def fail(prefix: str, message: str, code: int = 2) -> NoReturn:
    """One line on stderr, no traceback; exit ``code`` (2: fix the configuration)."""
    line = " ".join(message.split())
    err_console.print(Text.assemble((prefix, "red"), line), soft_wrap=True)
    raise typer.Exit(code)


def load_or_exit() -> Settings:
    """The settings, or one line naming each setting to fix and exit code 2."""
    try:
        return load_settings()
    except SettingsError as exc:
        fail("configuration error: ", str(exc))


def checked_connectors(settings: Settings) -> Connectors:
    """Both adapters, after the hosts answered, TLS verified and both sign-ins worked.

    Any problem is one line naming the setting, exit 2, before a single record is read.
    """
    from sync.preflight import PreflightError, preflight, probe_state
    from sync.runner import build_connectors
    from sync.state import StateStore

    try:  # the state first: it is local, and its problems are the quickest to name
        probe_state(settings.state_url)
        with StateStore.from_settings(settings) as state:
            state.check_writable()
    except PreflightError as exc:
        fail("configuration error: ", str(exc))
    except StateError as exc:
        state_failed(exc)
    try:
        conns = build_connectors(settings)
        preflight(settings, conns)
    except MissingSetting as exc:
        fail("configuration error: ", str(exc))
    except PreflightError as exc:
        fail("configuration error: ", str(exc))
    return conns


def state_failed(exc: StateError) -> NoReturn:
    """One line naming the state and the fix, no traceback; exit 2."""
    fail("state error: ", str(exc))
