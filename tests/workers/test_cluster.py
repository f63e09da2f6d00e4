"""Pairs on real Celery worker processes, Redis broker and budgets, PostgreSQL state."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox import Sandbox
from workers.localcluster import (
    Cluster,
    PairSpec,
    overlaps,
    postgres_problem,
    redis_problem,
    wait_for,
)

pytestmark = [pytest.mark.workers, pytest.mark.postgres]
SHARED_RATE = "20/10s"  # the shared portal's budget, low so two pairs contend for it


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster4:
    """Four pairs on three workers: shared-1 and shared-2 on one portal, slow, solo."""

    def __init__(self, cluster: Cluster, shared: Sandbox, answered: list[float], port: int):
        self.c = cluster
        self.shared = shared
        self.answered = answered
        self.metrics_port = port

    def ok_runs(self, pair: str) -> int:
        return sum(1 for r in self.c.runs() if r[0] == pair and r[1] == "ok")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster4]:
    for problem in (redis_problem(), postgres_problem()):
        if problem:
            pytest.skip(problem)
    shared = Sandbox(seed=11, leads=20).start()
    shared.set_faults(hubspot_rate=SHARED_RATE)
    slow = Sandbox(seed=12, leads=40).start()
    slow.set_faults(latency_ms=100)  # long enough a cycle to kill a worker in the middle of it
    solo = Sandbox(seed=13, leads=20).start()
    answered: list[float] = []
    calls = shared.ctx.calls
    record = calls.record

    def timed(system: str, method: str, template: str) -> None:
        if system == "hubspot":
            answered.append(time.monotonic())
        record(system, method, template)

    calls.record = timed  # type: ignore[method-assign]
    rate = {"hubspot_rate": SHARED_RATE}
    pairs = [
        PairSpec("shared-1", shared.env(), every="2s", extra=rate),
        PairSpec("shared-2", shared.env(), every="2s", extra=rate),
        PairSpec("slow", slow.env(), every="2s"),
        PairSpec("solo", solo.env(), every="2s"),
    ]
    port = free_port()
    c = Cluster(tmp_path_factory.mktemp("cluster"), pairs).start()
    try:
        c.settings["LEADSYNC_METRICS_PORT"] = str(port)
        c.start_worker("w1")
        c.settings.pop("LEADSYNC_METRICS_PORT")
        c.start_worker("w2")
        c.start_worker("w3")
        c.start_beat()
        yield Cluster4(c, shared, answered, port)
    finally:
        c.stop()
        for sb in (shared, slow, solo):
            sb.stop()


def test_a_worker_killed_mid_cycle_loses_nothing(cluster: Cluster4) -> None:
    c = cluster.c
    victim: dict[str, int] = {}

    def slow_cycle_running() -> bool:
        pid = c.lock_holder_pid("slow")
        running = any(r[0] == "slow" and r[1] == "running" for r in c.runs())
        workers = {p.pid for p in c.workers.values()}
        if pid in workers and running:
            victim["pid"] = pid
            return True
        return False

    wait_for("a cycle of pair 'slow' running on a worker", slow_cycle_running, 40, poll_s=0.05)
    time.sleep(0.5)  # let it get into its writes (the cycle takes several seconds)
    os.kill(victim["pid"], signal.SIGKILL)
    killed = next(n for n, p in c.workers.items() if p.pid == victim["pid"])
    c.workers[killed].wait()
    c.workers.pop(killed)

    def redelivered_and_done() -> bool:
        return any(
            x["pair"] == "slow" and x.get("redelivered") and x["status"] == "ok" for x in c.cycles()
        )

    wait_for("the killed cycle redelivered and completed", redelivered_and_done, 40)
    done = next(
        x
        for x in c.cycles()
        if x["pair"] == "slow" and x.get("redelivered") and x["status"] == "ok"
    )
    assert not str(done["worker"]).startswith(f"{killed}@")
    assert done["interrupted_closed"] == 1  # the killed run, closed when the next one began
    slow_runs = [r for r in c.runs() if r[0] == "slow"]
    assert [r[1] for r in slow_runs].count("interrupted") == 1
    # Nothing lost: the next cycle finds both sides already in step.
    wait_for("a cycle after the redelivered one", lambda: cluster.ok_runs("slow") >= 2, 30)
    after = [r for r in c.runs() if r[0] == "slow" and r[1] == "ok"][-1]
    assert after[4]["created"] == {"hubspot": 0, "salesforce": 0}
    assert after[4]["dead_letters"] == 0


def test_every_pair_syncs_on_schedule_and_never_overlaps(cluster: Cluster4) -> None:
    c = cluster.c
    names = ("shared-1", "shared-2", "slow", "solo")
    wait_for("3 ok runs of every pair", lambda: all(cluster.ok_runs(n) >= 3 for n in names), 45)
    rows = c.runs()
    assert overlaps(rows) == []
    for name in names:
        starts = [r[2] for r in rows if r[0] == name]
        # Slots are 2 s apart; a slot whose previous cycle still ran was skipped, never queued:
        # never more runs than slots in the time they span. (One late slot followed by an
        # on-time one may start closer than 2 s apart on a busy machine, so gaps are not
        # checked one by one.)
        span = (starts[-1] - starts[0]).total_seconds()
        assert len(starts) <= span / 2.0 + 2, (name, starts)
    assert not [x for x in c.cycles() if x["status"] == "failed"]


def test_two_pairs_on_one_portal_stay_inside_its_limit_together(cluster: Cluster4) -> None:
    wait_for(
        "2 ok runs of both shared pairs",
        lambda: cluster.ok_runs("shared-1") >= 2 and cluster.ok_runs("shared-2") >= 2,
        40,
    )
    times = sorted(cluster.answered)
    limit = int(SHARED_RATE.split("/")[0])
    busiest = max(sum(1 for t in times[i:] if t - start < 10.0) for i, start in enumerate(times))
    assert len(times) > limit  # the budget was contended for, not idle
    assert busiest <= limit, f"{busiest} HubSpot requests answered in one 10 s window"


def test_status_of_all_pairs_and_metrics(cluster: Cluster4) -> None:
    c = cluster.c
    out = subprocess.run(
        [sys.executable, "-m", "sync", "pairs", "status", "--json"],
        env=c.env(),
        cwd=c.workdir,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    doc = json.loads(out.stdout)
    by_pair = {p["pair"]: p for p in doc["pairs"]}
    assert set(by_pair) == {"shared-1", "shared-2", "slow", "solo"}
    for p in by_pair.values():
        assert p["runs"] >= 1 and p["age_s"] is not None and p["schedule"] == "every 2s"
        assert p["status"] in ("ok", "running")
    if "w1" in c.workers:  # w1 serves the metrics unless it was the worker killed above
        body = urllib.request.urlopen(f"http://127.0.0.1:{cluster.metrics_port}/metrics").read()
        text = body.decode()
        assert "leadsync_runs_total{pair=" in text
        assert "leadsync_run_duration_seconds_bucket" in text
        assert "leadsync_api_calls_total" in text


def test_pairs_file_lives_in_the_workdir(cluster: Cluster4) -> None:
    text = Path(cluster.c.pairs_file).read_text()
    assert "{ env =" in text
    assert cluster.shared.hubspot_token not in text
