"""Crash trial: kill -9 a first sync at random points, finish it, compare with a clean run.

Usage: python bench/crash_trial.py [--leads 20000] [--kills 3] [--seed 7]

Two sandboxes are seeded identically. One gets a clean `leadsync sync`; the other gets a
`leadsync sync` that is killed with SIGKILL at random moments, then a run to completion. The
script then checks that every person is present once on each side and that every synced field
holds the value the clean run left. It prints its figures; exit status 1 on any difference.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from sandbox import Sandbox

HUBSPOT_FIELDS = (
    "email",
    "firstname",
    "lastname",
    "company",
    "jobtitle",
    "phone",
    "website",
    "city",
    "country",
    "lifecyclestage",
    "hs_lead_status",
    "leadsync_original_source",
    "leadsync_latest_source",
    "leadsync_stage",
    "leadsync_exclusion",
    "leadsync_converted",
    "leadsync_salesforce_type",
    "leadsync_opportunity_status",
    "leadsync_disqualification_reason",
)
SALESFORCE_FIELDS = (
    "Email",
    "FirstName",
    "LastName",
    "Company",
    "Title",
    "Phone",
    "Website",
    "City",
    "Country",
    "Status",
    "LeadSource",
    "Latest_Lead_Source__c",
    "Leadsync_Stage__c",
    "Leadsync_Exclusion__c",
)


def sync_command(sb: Sandbox, state_dir: Path) -> tuple[list[str], dict[str, str]]:
    env = dict(os.environ)
    env.update(sb.env())
    env["LEADSYNC_STATE_URL"] = f"sqlite:///{state_dir / 'state.db'}"
    return [sys.executable, "-m", "sync", "sync", "--json"], env


def run(
    sb: Sandbox, state_dir: Path, kill_after: float | None = None, extra: list[str] | None = None
) -> tuple[str, float]:
    cmd, env = sync_command(sb, state_dir)
    cmd += extra or []
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if kill_after is not None:
        try:
            proc.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            return "killed", time.perf_counter() - start
    out, err = proc.communicate()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"sync failed ({proc.returncode}):\n{err[-3000:]}")
    return out.strip().splitlines()[-1] if out.strip() else "", time.perf_counter() - start


def committed_links(state_dir: Path) -> int:
    path = state_dir / "state.db"
    if not path.exists():
        return 0
    with sqlite3.connect(path) as db:
        try:
            return int(db.execute("SELECT COUNT(*) FROM links").fetchone()[0])
        except sqlite3.OperationalError:
            return 0


def snapshot(
    sb: Sandbox,
) -> tuple[
    dict[str, dict[str, object]], dict[str, list[dict[str, object]]], Counter[str], Counter[str]
]:
    hs: dict[str, dict[str, object]] = {}
    hs_count: Counter[str] = Counter()
    for c in sb.hubspot.all():
        props = c["properties"]
        email = str(props.get("email") or "").lower()
        hs_count[email] += 1
        hs[email] = {k: props.get(k) for k in HUBSPOT_FIELDS}
    sf: dict[str, list[dict[str, object]]] = {}
    sf_count: Counter[str] = Counter()
    for object_type in ("Lead", "Contact"):
        for r in sb.salesforce.all(object_type):
            if object_type == "Lead" and r.get("IsConverted"):
                continue
            email = str(r.get("Email") or "").lower()
            sf_count[email] += 1
            sf.setdefault(email, []).append({k: r.get(k) for k in SALESFORCE_FIELDS if k in r})
    return hs, sf, hs_count, sf_count


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=20000)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        (base / "clean").mkdir()
        (base / "crash").mkdir()
        with Sandbox(seed=args.seed, leads=args.leads) as clean:
            line, clean_s = run(clean, base / "clean")
            print(f"clean first sync of {args.leads} people: {clean_s:.1f}s  {line}")
            ref = snapshot(clean)
        with Sandbox(seed=args.seed, leads=args.leads) as crash:
            kills = sorted(rng.uniform(0.15, 0.95) * clean_s for _ in range(args.kills))
            for at in kills:
                outcome, took = run(crash, base / "crash", kill_after=at)
                print(
                    f"  run killed with SIGKILL after {at:.1f}s: {outcome}; links committed so far:"
                    f" {committed_links(base / 'crash')},"
                    f" HubSpot contacts {len(crash.hubspot.all())},"
                    f" Salesforce Leads {len(crash.salesforce.all('Lead'))}"
                )
            line, took = run(crash, base / "crash")
            print(f"  run to completion: {took:.1f}s  {line}")
            plan, _ = run(crash, base / "crash", extra=["--dry-run", "--plan"])
            planned = json.loads(plan).get("plan", []) if plan else []
            print(f"  writes planned right after: {len(planned)} {planned[:5]}")
            got = snapshot(crash)
    ref_hs, ref_sf, ref_hs_n, ref_sf_n = ref
    hs, sf, hs_n, sf_n = got
    problems = []
    dup_hs = [e for e, n in hs_n.items() if n > ref_hs_n.get(e, 0)]
    dup_sf = [e for e, n in sf_n.items() if n > ref_sf_n.get(e, 0)]
    missing_hs = [e for e in ref_hs if e not in hs]
    missing_sf = [e for e in ref_sf if e not in sf]
    if dup_hs or dup_sf:
        problems.append(f"duplicates: HubSpot {len(dup_hs)}, Salesforce {len(dup_sf)}")
    if missing_hs or missing_sf:
        problems.append(f"missing: HubSpot {len(missing_hs)}, Salesforce {len(missing_sf)}")
    diff_fields: Counter[str] = Counter()
    examples: list[str] = []
    for email, props in ref_hs.items():
        for k, v in props.items():
            if hs.get(email, {}).get(k) != v:
                diff_fields[f"hubspot.{k}"] += 1
                if len(examples) < 10:
                    examples.append(
                        f"{email} {k}: clean {v!r}, crashed {hs.get(email, {}).get(k)!r}"
                    )
    for email, rows in ref_sf.items():
        theirs = sorted(json.dumps(r, default=str) for r in rows)
        mine = sorted(json.dumps(r, default=str) for r in sf.get(email, []))
        if mine != theirs:
            diff_fields["salesforce.record"] += 1
    if diff_fields:
        problems.append(f"fields differing from the clean run: {dict(diff_fields)}")
        for line in examples:
            print("  differs:", line)
    print(
        f"people: HubSpot {len(hs)} (clean {len(ref_hs)}),"
        f" Salesforce {len(sf)} (clean {len(ref_sf)})"
    )
    print(
        "RESULT:",
        "OK - nothing lost, nothing duplicated, every field as the clean run"
        if not problems
        else "; ".join(problems),
    )
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
