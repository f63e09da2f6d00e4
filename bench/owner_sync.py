"""What owner sync and the hand-off cost: API calls and time with and without them.

Usage: python bench/owner_sync.py [--leads 2000]
Runs a first and a second sync of one generated world twice: with the default mapping (the
owner field, translated through one owners listing and one User + queue query per run) and
with a copy of it without the owner field; then a first sync with hand-off tasks on.
"""

from __future__ import annotations

import argparse
import re
import shutil
import tempfile
import time
from pathlib import Path

from sandbox import Sandbox
from sync.runner import run_sync
from sync.settings import load_settings

DEFAULT = Path(__file__).resolve().parents[1] / "mappings" / "default"


def _without_owner(target: Path) -> Path:
    shutil.copytree(DEFAULT, target)
    mapping = target / "mapping.yaml"
    text = mapping.read_text(encoding="utf-8")
    mapping.write_text(re.sub(r"\n  owner:\n(?:    .*\n|\n)*?(?=\n  \w)", "\n", text), "utf-8")
    return target


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        plain = _without_owner(Path(tmp) / "plain")
        assert "lookup: owner" not in (plain / "mapping.yaml").read_text(encoding="utf-8")
        for label, mappings, extra in (
            ("without owner", plain, {}),
            ("with owner", DEFAULT, {}),
            ("owner + hand-off", DEFAULT, {"handoff_task": True}),
        ):
            with Sandbox(seed=7, leads=args.leads) as sb:
                env = {k.removeprefix("LEADSYNC_").lower(): v for k, v in sb.env().items()}
                env.pop("mappings_dir", None)  # the sandbox's copy: use the one compared here
                state = Path(tmp) / f"{label.replace(' ', '_')}.db"
                settings = load_settings(
                    **env, state_url=f"sqlite:///{state}", mappings_dir=mappings, **extra
                )
                for run in ("first", "second"):
                    t = time.perf_counter()
                    r = run_sync(settings, clock=sb.ctx.now).report
                    s = time.perf_counter() - t
                    writes = sum(r.created.to_json().values()) + sum(r.updated.to_json().values())
                    print(
                        f"{label:<17} {run:<6} {s:6.1f} s  writes {writes:5d}  API calls HubSpot "
                        f"{r.api_calls.hubspot:4d}, Salesforce {r.api_calls.salesforce:4d}  "
                        f"unmatched owners {len(r.unmatched_owners)}  tasks {r.handoff_tasks}"
                    )
                    sb.ctx.advance(600)


if __name__ == "__main__":
    main()
