"""Recall and wrong exclusions of the default rules on the independent corpus (junk_corpus.py).

Usage: python bench/junk_independent.py [--seed 2026] [--misses N]

Prints, per junk label, the share excluded (recall) and held for review; per culture group of
real prospects, the share wrongly excluded and the share held for review. Exits 1 when junk
recall is under 95%, or wrong exclusions of real prospects over 0.5% overall or 1% in a group.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.junk_corpus import build, lists  # noqa: E402
from mappings.loader import load_mappings  # noqa: E402
from mappings.rules import evaluate, explain  # noqa: E402

DEFAULT_DIR = Path(__file__).resolve().parents[1] / "mappings" / "default"
RECALL_GOAL, WRONG_LIMIT, GROUP_LIMIT = 0.95, 0.005, 0.01


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--misses", type=int, default=0)
    args = parser.parse_args(argv)
    now = datetime(2026, 6, 1, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "mappings"
        shutil.copytree(DEFAULT_DIR, target)
        for name, domains in lists().items():
            with (target / "lists" / name).open("a") as f:
                f.write("".join(f"{d}\n" for d in domains))
        rules = load_mappings(target).rules
    entries = build(args.seed)
    total: Counter[str] = Counter()
    excluded: Counter[str] = Counter()
    held: Counter[str] = Counter()
    misses: dict[str, list[str]] = {}
    for e in entries:
        d = evaluate(rules, e.record, now)
        key = e.group if e.label == "prospect" else e.label
        total[key] += 1
        excluded[key] += d.excluded
        held[key] += d.held
        wrong = d.excluded if e.label == "prospect" else not d.excluded
        if wrong and len(misses.setdefault(key, [])) < args.misses:
            misses[key].append(
                f"{e.record.get('first_name')} {e.record.get('last_name')} "
                f"<{e.record.get('email')}> {e.record.get('company')!r}: {explain(d)}"
            )
    junk = [k for k in total if k not in {e.group for e in entries if e.label == "prospect"}]
    groups = sorted(k for k in total if k not in junk)
    print(f"{'junk label':<16}{'records':>8}{'excluded':>10}{'held':>7}")
    for k in junk:
        print(f"{k:<16}{total[k]:>8}{excluded[k] / total[k]:>10.1%}{held[k] / total[k]:>7.1%}")
    jn, jx = sum(total[k] for k in junk), sum(excluded[k] for k in junk)
    print(f"{'all junk':<16}{jn:>8}{jx / jn:>10.1%}  (goal >= {RECALL_GOAL:.0%})\n")
    print(f"{'prospects':<16}{'records':>8}{'wrongly excl.':>14}{'held':>7}")
    worst = 0.0
    for k in groups:
        share = excluded[k] / total[k]
        worst = max(worst, share)
        print(f"{k:<16}{total[k]:>8}{share:>14.2%}{held[k] / total[k]:>7.1%}")
    pn, px = sum(total[k] for k in groups), sum(excluded[k] for k in groups)
    ph = sum(held[k] for k in groups)
    print(
        f"{'all prospects':<16}{pn:>8}{px / pn:>14.2%}{ph / pn:>7.1%}  "
        f"(goal <= {WRONG_LIMIT:.1%}, every group <= {GROUP_LIMIT:.0%})"
    )
    for source in sorted({e.source for e in entries if e.label == "prospect"}):
        sel = [e for e in entries if e.label == "prospect" and e.source == source]
        by_group: Counter[str] = Counter(e.group for e in sel)
        bad: Counter[str] = Counter(e.group for e in sel if evaluate(rules, e.record, now).excluded)
        top = max(by_group, key=lambda g: (bad[g] / by_group[g], g))
        print(
            f"  first names from {source}: {len(sel)} prospects, "
            f"{sum(bad.values()) / len(sel):.2%} wrongly excluded; "
            f"worst group {top} {bad[top] / by_group[top]:.2%} ({bad[top]} of {by_group[top]})"
        )
    countries = len({e.record.get("country") for e in entries if e.label == "prospect"} - {""})
    print(f"{countries} countries")
    for k, lines in misses.items():
        if lines:
            print(f"\n{k} misclassified:")
            for line in lines:
                print("  " + line)
    ok = jx / jn >= RECALL_GOAL and px / pn <= WRONG_LIMIT and worst <= GROUP_LIMIT
    print("RESULT:", "OK" if ok else "BELOW GOAL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
