"""Record data printed by the CLI is text, never console markup."""

from __future__ import annotations

from e2e_helpers import hs_contact
from typer.testing import CliRunner

from sandbox import Sandbox
from sync.cli import app
from sync.settings import Settings

CLOSING_TAG_EMAIL = "ann[/up].lee@northwind.io"
LINK = "[link=https://evil.example]x[/link]"


def test_markup_in_record_data_is_printed_literally(sb: Sandbox, settings: Settings) -> None:
    hs_contact(sb, CLOSING_TAG_EMAIL, firstname=LINK, jobtitle=f"Director {LINK}")
    hs_contact(sb, "link[link=https:evil]x@northwind.io", lastname=":thumbs_up: [bold]")
    env = {**sb.env(), "LEADSYNC_STATE_URL": settings.state_url}

    result = CliRunner().invoke(app, ["sync", "--dry-run", "--plan"], env=env)

    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())  # rich wraps long lines
    assert f"({CLOSING_TAG_EMAIL})" in out and "would update hubspot contact" in out
    assert "(link[link=https:evil]x@northwind.io)" in out
    assert "\x1b]8;" not in result.stdout  # no terminal hyperlink escape
