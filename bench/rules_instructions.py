"""Map + rules cost in CPU instructions per record (valgrind callgrind): repeatable under load.

Usage: python bench/rules_instructions.py [--count 3000] [--seed 7]

Seconds on a shared machine vary with everyone else's work; instruction counts do not. The
records are generated first (outside valgrind) into a temporary file, then the same program
runs twice under callgrind: once warming up only, once also mapping and judging ``--count``
records; the difference over ``--count`` is the cost of one record. Compare two trees by
running this in each. Needs ``valgrind`` on the PATH; takes a few minutes.

Not counted: time the kernel spends for the program (a clock read per regex search once cost
more than the search; see RESULTS.md).
"""

from __future__ import annotations

import argparse
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
NOW = datetime(2026, 6, 1, tzinfo=UTC)
WARM_UP = 1_000


def _workload(records_file: Path, count: int) -> None:
    from mappings.loader import load_mappings
    from mappings.rules import evaluate
    from mappings.transform import to_canonical

    records = pickle.loads(records_file.read_bytes())
    ms = load_mappings(ROOT / "mappings" / "default")
    for props in records[-WARM_UP:]:  # untimed in both runs: caches and lazy imports
        evaluate(ms.rules, to_canonical(ms, "hubspot", "contact", props), NOW)
    for props in records[:count]:
        evaluate(ms.rules, to_canonical(ms, "hubspot", "contact", props), NOW)


def _instructions(records_file: Path, count: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={tmp}/callgrind.out",
                sys.executable,
                __file__,
                "--workload",
                str(records_file),
                "--count",
                str(count),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    found = re.search(r"Collected\s*:\s*(\d+)", done.stderr)
    if found is None:
        raise SystemExit(f"no instruction count in valgrind's output:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=3_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workload", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.workload is not None:
        _workload(args.workload, args.count)
        return 0
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")

    from sandbox.generator import hubspot_properties
    from sandbox.people import generate_people

    people = generate_people(args.seed, args.count + WARM_UP)
    with tempfile.TemporaryDirectory() as tmp:
        records_file = Path(tmp) / "records.pickle"
        records_file.write_bytes(pickle.dumps([hubspot_properties(p, NOW) for p in people]))
        base = _instructions(records_file, 0)
        total = _instructions(records_file, args.count)
    per_record = (total - base) / args.count
    print(f"map + rules: {per_record:,.0f} instructions a record ({args.count:,} records)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
