"""`leadsync dead-letters`: list, show, retry and discard the records a system refused."""

from __future__ import annotations

import json

import pytest
from e2e_helpers import SyncFn, hs_contact
from typer.testing import CliRunner

from sandbox import Sandbox
from sync.cli import app
from sync.settings import Settings
from sync.state import StateStore

LONG_EMAIL = (
    "catherine.montgomery-fitzwilliam.procurement@northwind-international-holdings.example.io"
)
COLUMNS = {"id", "system", "object", "record", "field", "code", "message", "attempts", "next_try"}


@pytest.fixture
def env(sb: Sandbox, settings: Settings) -> dict[str, str]:
    return {**sb.env(), "LEADSYNC_STATE_URL": settings.state_url}


def _invoke(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def _refused(sb: Sandbox, sync: SyncFn) -> None:
    hs_contact(sb, LONG_EMAIL, firstname="Catherine", lastname="Montgomery")
    hs_contact(sb, "olivia.hart@northwind.io")
    assert sync().dead_letters == 1


def test_list_and_show_name_everything_an_admin_acts_on(
    sb: Sandbox, sync: SyncFn, env: dict[str, str]
) -> None:
    _refused(sb, sync)

    code, out = _invoke(env, "dead-letters", "list", "--json")
    assert code == 0
    (letter,) = json.loads(out)
    assert set(letter) >= COLUMNS
    assert letter["system"] == "salesforce" and letter["object"] == "Lead"
    assert letter["code"] and letter["message"] and letter["attempts"] == 1
    assert letter["next_try"]

    code, out = _invoke(env, "dead-letters")  # the table, by default
    flat = " ".join(out.split())
    assert code == 0 and letter["id"][:8] in flat and letter["code"] in flat

    code, out = _invoke(env, "dead-letters", "show", letter["id"][:8], "--json")
    shown = json.loads(out)
    assert shown["id"] == letter["id"] and shown["payload"]
    code, out = _invoke(env, "dead-letters", "show", letter["id"][:8])
    assert code == 0 and letter["message"][:30] in " ".join(out.split())


def test_discard_then_retry(
    sb: Sandbox, sync: SyncFn, env: dict[str, str], settings: Settings
) -> None:
    _refused(sb, sync)
    (letter,) = json.loads(_invoke(env, "dead-letters", "list", "--json")[1])

    code, out = _invoke(env, "dead-letters", "discard", letter["id"][:8])
    assert code == 0 and "discarded" in out
    assert json.loads(_invoke(env, "dead-letters", "list", "--json")[1]) == []
    (gone,) = json.loads(_invoke(env, "dead-letters", "list", "--status", "discarded", "--json")[1])
    assert gone["id"] == letter["id"] and gone["next_try"] is None

    code, out = _invoke(env, "dead-letters", "retry", letter["id"], "--json")
    (again,) = json.loads(out)
    assert code == 0 and again["status"] == "pending" and again["next_try"]
    sync()  # the next run retries it (and the record is still refused: one more attempt)
    with StateStore(settings.state_url) as state:
        (after,) = state.dead_letters("pending")
    assert after.id == letter["id"] and after.attempts == 2


def test_unknown_ids_are_one_line(sb: Sandbox, sync: SyncFn, env: dict[str, str]) -> None:
    _refused(sb, sync)
    code, out = _invoke(env, "dead-letters", "show", "nope")
    assert code == 2 and "no dead letter 'nope'" in out and len(out.strip().splitlines()) == 1
    code, out = _invoke(env, "dead-letters", "list", "--status", "weird")
    assert code == 2 and "pending" in out
