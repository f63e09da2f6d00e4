"""Reliability table: runs tests/e2e/test_reliability*.py, prints one line per kind of fault.

Usage: python bench/reliability.py [--markdown] [-- extra pytest args]

Each row of the suite is a kind of bad input or fault beside a good record (see the test
module's docstring). Rows that touch the state run on SQLite and on PostgreSQL; the table shows
the outcome on each ("pass", "xfail" = waits for the connector-boundary validation branch,
"skip" = PostgreSQL absent). Exit status 1 when any row fails.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUITE = (
    ROOT / "tests" / "e2e" / "test_reliability.py",
    ROOT / "tests" / "e2e" / "test_reliability_config.py",
)
BACKENDS = ("sqlite", "postgresql")
# The test function of a row says its group.
GROUPS = {
    "test_a_bad_value_never_stops_the_pair": "API value",
    "test_a_fault_never_loses_a_good_record": "network/API fault",
    "test_quota_exhausted_stops_cleanly_and_resumes": "network/API fault",
    "test_record_data_is_printed_as_text": "output",
    "test_hostile_configuration_is_refused_in_one_line": "config/secret",
    "test_broken_sqlite_state_is_one_line_and_never_reset": "state",
    "test_unreachable_postgresql_is_one_line_without_the_password": "state",
    "test_truncated_json_body_is_a_typed_fault_and_the_good_page_follows": "network/API fault",
    "test_nan_in_a_payload_is_that_record_refused_never_retried": "network/API fault",
}


# Rows that are one test function each, without parameters.
UNPARAMETRIZED = {
    "test_truncated_json_body_is_a_typed_fault_and_the_good_page_follows": "truncated_json",
    "test_nan_in_a_payload_is_that_record_refused_never_retried": "nan_in_payload",
}


def _descriptions() -> dict[str, str]:
    sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "e2e")]
    import reliability_rows  # type: ignore[import-not-found]
    import test_reliability  # type: ignore[import-not-found]
    import test_reliability_config  # type: ignore[import-not-found]

    out = {r.id: r.what for r in reliability_rows.VALUE_ROWS}
    out.update({r.id: r.what for r in test_reliability.FAULT_ROWS})
    out.update({r[0]: r[1] for r in test_reliability_config.CONFIG_ROWS})
    out.update(
        {
            "quota": "Salesforce daily API quota used up mid-run",
            "cli_markup_closing_tag": "[/up] in an email printed by sync --dry-run --plan",
            "cli_markup_hyperlink": "[link=...] in a name printed by sync --dry-run --plan",
            "truncated_json": "a Salesforce query answer cut in the middle of its JSON",
            "nan_in_payload": "NaN in a write payload (refused per record, never retried)",
            "state_zero_length": "a zero-length SQLite state file",
            "state_foreign": "a SQLite file of another application",
            "state_truncated": "a SQLite state file cut to a third",
            "state_corrupted": "a SQLite state file with overwritten pages",
            "state_garbage": "a state file that is no database",
            "state_read_only": "a read-only state (mode=ro)",
            "state_postgresql_unreachable": "PostgreSQL not listening (password in the URL)",
            "state_postgresql_no_database": "a PostgreSQL database that does not exist",
        }
    )
    return out


def _row_of(name: str) -> tuple[str, str | None]:
    """(row id, backend or None) from a test case name like ``test_x[sqlite-row]``."""
    match = re.match(r"^(\w+?)(?:\[(.*)\])?$", name)
    assert match
    func, params = match.group(1), match.group(2)
    if params is None:
        return UNPARAMETRIZED[func], None
    parts = params.split("-", 1)
    if parts[0] in BACKENDS:
        return (parts[1] if len(parts) > 1 else ("quota" if "quota" in func else func)), parts[0]
    return params, None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args, extra = parser.parse_known_args()
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "junit.xml"
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                *map(str, SUITE),
                f"--junitxml={report}",
                *[a for a in extra if a != "--"],
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            check=False,
        )
        elapsed = time.perf_counter() - started
        tree = ET.parse(report)
    outcomes: dict[str, dict[str, str]] = defaultdict(dict)
    groups: dict[str, str] = {}
    for case in tree.iter("testcase"):
        name = case.get("name", "")
        row, backend = _row_of(name)
        func = name.split("[", 1)[0]
        groups[row] = GROUPS.get(func, "other")
        if case.find("failure") is not None or case.find("error") is not None:
            outcome = "FAIL"
        elif (skipped := case.find("skipped")) is not None:
            outcome = (
                "xfail"
                if "xfail" in (skipped.get("type") or "") + (skipped.get("message") or "")
                else "skip"
            )
        else:
            outcome = "pass"
        outcomes[row][backend or "once"] = outcome
    what = _descriptions()
    order = sorted(outcomes, key=lambda r: (list(GROUPS.values()).index(groups[r]), r))
    failed = any("FAIL" in o.values() for o in outcomes.values())
    header = ("#", "row", "group", "what", "sqlite", "postgresql")
    lines = []
    for i, row in enumerate(order, 1):
        got = outcomes[row]
        if "once" in got:  # a row with no state, or with one backend's own state
            if not row.startswith("state_"):
                got = {"sqlite": f"{got['once']} (no state)"}
            elif row.startswith("state_postgresql"):
                got = {"postgresql": got["once"]}
            else:
                got = {"sqlite": got["once"]}
        lines.append(
            (
                str(i),
                row,
                groups[row],
                what.get(row, ""),
                got.get("sqlite", "-"),
                got.get("postgresql", "-"),
            )
        )
    if args.markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for line in lines:
            print("| " + " | ".join(c.replace("|", "\\|") for c in line) + " |")
    else:
        widths = [max(len(x[i]) for x in [header, *lines]) for i in range(len(header))]
        for line in [header, *lines]:
            print("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())
    counts = defaultdict(int)
    for o in outcomes.values():
        for v in o.values():
            counts[v] += 1
    summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
    print(f"\n{len(lines)} kinds of bad input and fault; test cases: {summary}; {elapsed:.0f} s")
    print("RESULT: " + ("FAIL" if failed else "OK - no crash, no good record lost"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
