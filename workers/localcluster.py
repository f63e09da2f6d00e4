"""A local cluster for tests and the bench: sandboxes as pairs, worker processes, one beat.

Everything it starts lives in its own namespace (queue, broker keys, budget keys) and its own
PostgreSQL schema, so runs on one machine never see each other.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import redis
import sqlalchemy as sa

from sync.state import StateStore
from sync.state_schema import create_state_engine, runs

REDIS_URL = os.environ.get("LEADSYNC_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PG_URL = os.environ.get("LEADSYNC_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def redis_problem(url: str = REDIS_URL) -> str | None:
    """Why Redis cannot be used, or None when it answers."""
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.RedisError as exc:
        return f"Redis does not answer at {url}: {exc}"
    return None


def postgres_problem(url: str = PG_URL) -> str | None:
    """Why PostgreSQL cannot be used, or None when it answers."""
    try:
        engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any driver or connection failure means: not usable here
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"PostgreSQL does not answer at {url}: {first}"
    return None


@dataclass(frozen=True)
class PairSpec:
    """One pair of the cluster: which sandbox (HubSpot URL, token, CA) it syncs, how often."""

    name: str
    env: dict[str, str]  # the sandbox's LEADSYNC_* variables
    every: str = "2s"
    extra: dict[str, str] = field(default_factory=dict)  # more settings, as TOML strings


@dataclass
class Cluster:
    """Pairs, a PostgreSQL schema, worker processes and a beat, in a fresh namespace."""

    workdir: Path
    pairs: Sequence[PairSpec]
    settings: dict[str, str] = field(default_factory=dict)  # more LEADSYNC_* for every process
    namespace: str = field(default_factory=lambda: f"t{uuid.uuid4().hex[:10]}")
    workers: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    beat: subprocess.Popen[bytes] | None = None

    def __post_init__(self) -> None:
        self.schema = f"w_{self.namespace}"
        self.state_url = f"{PG_URL}?options=-csearch_path%3D{self.schema}"
        self.pairs_file = self.workdir / "pairs.toml"
        self._redis = redis.Redis.from_url(REDIS_URL)

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> Cluster:
        with create_state_engine(PG_URL).begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{self.schema}"'))
        StateStore(self.state_url).close()  # creates the tables
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.pairs_file.write_text(self._pairs_toml())
        return self

    def _pairs_toml(self) -> str:
        lines = ["[defaults]", 'dead_letter_base_delay_s = "0"', ""]
        for p in self.pairs:
            var = f"LS_{self.namespace}_{p.name}".upper().replace("-", "_").replace(".", "_")
            lines += [
                f"[pairs.{p.name}]",
                f'every = "{p.every}"',
                f"hubspot_url = {json.dumps(p.env['LEADSYNC_HUBSPOT_URL'])}",
                f"salesforce_url = {json.dumps(p.env['LEADSYNC_SALESFORCE_URL'])}",
                f"ca_path = {json.dumps(p.env['LEADSYNC_CA_PATH'])}",
                f'hubspot_token = {{ env = "{var}_HS" }}',
                f'salesforce_session_id = {{ env = "{var}_SF" }}',
                *(f"{k} = {json.dumps(v)}" for k, v in p.extra.items()),
                "",
            ]
        return "\n".join(lines)

    def env(self) -> dict[str, str]:
        """The environment of every worker and beat process (secrets referenced by the file)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("LEADSYNC_")}
        for p in self.pairs:
            var = f"LS_{self.namespace}_{p.name}".upper().replace("-", "_").replace(".", "_")
            env[f"{var}_HS"] = p.env["LEADSYNC_HUBSPOT_TOKEN"]
            env[f"{var}_SF"] = p.env["LEADSYNC_SALESFORCE_SESSION_ID"]
        env.update(
            {
                "LEADSYNC_STATE_URL": self.state_url,
                "LEADSYNC_PAIRS_FILE": str(self.pairs_file),
                "LEADSYNC_BROKER_URL": REDIS_URL,
                "LEADSYNC_WORKER_NAMESPACE": self.namespace,
                "LEADSYNC_VISIBILITY_TIMEOUT_S": "8",
                "LEADSYNC_PENDING_TTL_S": "120",
                **self.settings,
            }
        )
        return env

    def _leadsync(self, *args: str, log: str) -> subprocess.Popen[bytes]:
        out = (self.workdir / log).open("ab")
        return subprocess.Popen(
            [sys.executable, "-m", "sync", *args],
            env=self.env(),
            cwd=self.workdir,
            stdout=out,
            stderr=subprocess.STDOUT,
        )

    def start_worker(self, name: str) -> subprocess.Popen[bytes]:
        proc = self._leadsync(
            "worker", f"--hostname={name}@{self.namespace}", "--loglevel=INFO", log=f"{name}.log"
        )
        self.workers[name] = proc
        return proc

    def start_beat(self) -> None:
        self.beat = self._leadsync("beat", "--max-interval=0.5", log="beat.log")

    def stop_beat(self) -> None:
        if self.beat is not None:
            _stop(self.beat)
            self.beat = None

    def stop(self) -> None:
        self.stop_beat()
        for proc in self.workers.values():
            _stop(proc)
        self.workers.clear()
        try:
            keys = list(self._redis.scan_iter(f"*{self.namespace}*"))
            if keys:
                self._redis.delete(*keys)
        finally:
            with create_state_engine(PG_URL).begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # -- what happened ---------------------------------------------------------------------

    def runs(self) -> list[tuple[str, str, datetime, datetime | None, dict[str, object]]]:
        """Every run: (pair, status, started, finished, stats), oldest first."""
        engine = create_state_engine(self.state_url)
        try:
            with engine.connect() as conn:
                rows = conn.execute(sa.select(runs).order_by(runs.c.started_at)).all()
        finally:
            engine.dispose()
        return [(r.pair, r.status, r.started_at, r.finished_at, dict(r.stats or {})) for r in rows]

    def cycles(self) -> list[dict[str, object]]:
        """The workers' record of every cycle (oldest first), from the namespace's list."""
        raw = self._redis.lrange(f"leadsync:{self.namespace}:cycles", 0, -1)
        return [json.loads(item) for item in reversed(raw)]  # type: ignore[arg-type]

    def lock_holder_pid(self, pair: str) -> int | None:
        """The process id of the run holding ``pair``'s lock, from the lock row."""
        engine = create_state_engine(self.state_url)
        try:
            with engine.connect() as conn:
                pid = conn.execute(
                    sa.text("SELECT pid FROM locks WHERE pair = :p"), {"p": pair}
                ).scalar_one_or_none()
        except sa.exc.ProgrammingError:
            return None  # the schema is not created until the first cycle
        finally:
            engine.dispose()
        return int(pid) if pid is not None else None

    def log(self, name: str) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


def wait_for(what: str, check: Callable[[], bool], timeout_s: float, poll_s: float = 0.2) -> None:
    """Poll ``check`` until it is true; fail naming ``what`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout_s:g}s waiting for {what}")
        time.sleep(poll_s)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def overlaps(
    rows: Sequence[tuple[str, str, datetime, datetime | None, dict[str, object]]],
) -> list[str]:
    """Runs of one pair that overlap in time (an unfinished run overlaps all later ones)."""
    found: list[str] = []
    by_pair: dict[str, list[tuple[datetime, datetime | None]]] = {}
    for pair, _status, started, finished, _stats in rows:
        by_pair.setdefault(pair, []).append((started, finished))
    for pair, spans in by_pair.items():
        spans.sort()
        for (s1, f1), (s2, _f2) in zip(spans, spans[1:], strict=False):
            if f1 is None or f1 > s2:
                found.append(f"{pair}: run started {s1} ended {f1}, next started {s2}")
    return found
