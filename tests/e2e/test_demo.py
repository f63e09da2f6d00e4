"""`leadsync demo` tells RevOps what happened on each side, why, and where the report is."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from sync.demo import run_demo


def test_the_demo_reads_as_a_story(tmp_path: Path) -> None:
    out = io.StringIO()
    report = tmp_path / "demo-report.html"

    code = run_demo(Console(file=out, width=200), leads=60, seed=7, report_path=report)

    text = out.getvalue()
    assert code == 0, text
    for chapter in (
        "1. First sync",
        "2. Second sync right after",
        "A working day passes",
        "3. Sync after the day",
    ):
        assert chapter in text
    assert "nothing to write: both systems already agree" in text
    assert "Salesforce:" in text and "HubSpot:" in text  # what each side received
    assert "junk kept out of Salesforce so far:" in text and "sync rule" in text  # why
    assert "second sync wrote nothing" in text
    assert f"report: {report.resolve()}" in " ".join(text.split())
    assert report.exists() and '<svg class="chart"' in report.read_text()
