"""Prometheus metrics of a worker, per pair: runs, records, API calls, dead letters, duration."""

from __future__ import annotations

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client import start_http_server as _start_http_server

from sync.report import RunReport


class Metrics:
    """The worker's metrics; ``registry`` is the process's default unless a test passes one."""

    def __init__(self, registry: CollectorRegistry = REGISTRY) -> None:
        self.registry = registry
        self.runs = Counter(
            "leadsync_runs", "Pair cycles by outcome", ["pair", "status"], registry=registry
        )
        self.skipped = Counter(
            "leadsync_cycles_skipped",
            "Pair cycles not run (another cycle of the pair held its lock)",
            ["pair", "reason"],
            registry=registry,
        )
        self.records = Counter(
            "leadsync_records",
            "Records pulled, created and updated, per system",
            ["pair", "system", "kind"],
            registry=registry,
        )
        self.api_calls = Counter(
            "leadsync_api_calls", "API calls per system", ["pair", "system"], registry=registry
        )
        self.dead_letters = Counter(
            "leadsync_dead_letters",
            "Records sent to the dead-letter table",
            ["pair"],
            registry=registry,
        )
        self.duration = Histogram(
            "leadsync_run_duration_seconds",
            "Duration of a pair cycle",
            ["pair"],
            buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600),
            registry=registry,
        )
        self.last_run = Gauge(
            "leadsync_last_run_timestamp_seconds",
            "When the pair's last cycle ended (Unix time)",
            ["pair"],
            registry=registry,
        )

    def record_run(self, pair: str, report: RunReport, duration_s: float, ended_at: float) -> None:
        self.runs.labels(pair, report.status).inc()
        for kind, per_system in (
            ("pulled", report.pulled),
            ("created", report.created),
            ("updated", report.updated),
        ):
            for system, count in per_system.to_json().items():
                self.records.labels(pair, system, kind).inc(int(count))
        for system, count in report.api_calls.to_json().items():
            self.api_calls.labels(pair, system).inc(int(count))
        self.dead_letters.labels(pair).inc(report.dead_letters)
        self.duration.labels(pair).observe(duration_s)
        self.last_run.labels(pair).set(ended_at)

    def record_failure(self, pair: str, duration_s: float, ended_at: float) -> None:
        self.runs.labels(pair, "failed").inc()
        self.duration.labels(pair).observe(duration_s)
        self.last_run.labels(pair).set(ended_at)


METRICS = Metrics()


def serve(port: int, registry: CollectorRegistry = REGISTRY) -> None:
    """Serve ``/metrics`` on ``port`` (all interfaces) from a daemon thread."""
    _start_http_server(port, registry=registry)
