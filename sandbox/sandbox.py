"""The Sandbox: both emulated systems on loopback TLS, seeded, with a Python control API."""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import fields as dataclass_fields
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import requests

from sandbox.context import FaultConfig, SandboxContext
from sandbox.middleware import FaultMiddleware
from sandbox.server import ServerThread
from sandbox.storage import RecordStore
from sandbox.tls import ensure_tls

if TYPE_CHECKING:
    import hubspot
    from simple_salesforce import Salesforce

    from sandbox.hubspot.store import HubSpotStore
    from sandbox.salesforce.store import SalesforceStore
    from sandbox.simulate import DayReport


def _token(seed: int, purpose: str) -> str:
    # Deterministic per seed so a persisted sandbox keeps accepting the same credentials.
    return hashlib.sha256(f"leadsync-sandbox:{seed}:{purpose}".encode()).hexdigest()


class Sandbox:
    """Local Salesforce REST v59.0 and HubSpot CRM v3 emulators, served over TLS on 127.0.0.1.

    ``leads=0`` starts empty systems. ``data_dir`` persists both systems (and the CA) in a SQLite
    file so a restart keeps the data; seeding only happens when the store is empty.
    """

    def __init__(
        self,
        seed: int = 7,
        leads: int = 1000,
        *,
        data_dir: str | Path | None = None,
        salesforce_port: int = 0,
        hubspot_port: int = 0,
        faults: FaultConfig | None = None,
        leadsync_properties: bool = True,
    ) -> None:
        self.seed = seed
        self.leads = leads
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if data_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="leadsync-sandbox-")
            self.data_dir = Path(self._tmp.name)
            persist = False
        else:
            self.data_dir = Path(data_dir)
            persist = True
        self.ctx = SandboxContext(faults=faults or FaultConfig(seed=seed))
        self.ctx.reseed(seed)
        self._ports = (salesforce_port, hubspot_port)
        self._persist = persist
        self._leadsync_properties = leadsync_properties
        self.salesforce_session_id = "00D000000000001!" + _token(seed, "salesforce")[:40]
        self.hubspot_token = "pat-na1-" + _token(seed, "hubspot")[:36]
        self._servers: list[ServerThread] = []
        self._records: RecordStore | None = None
        self._truth: dict[str, str] = {}
        self.salesforce: SalesforceStore
        self.hubspot: HubSpotStore

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> Sandbox:
        from sandbox.hubspot.app import build_app as build_hubspot
        from sandbox.hubspot.store import HubSpotStore
        from sandbox.salesforce.app import build_app as build_salesforce
        from sandbox.salesforce.store import SalesforceStore

        tls = ensure_tls(self.data_dir / "tls")
        self.ca_path = str(tls.ca_path)
        self._records = RecordStore(self.data_dir / "sandbox.db" if self._persist else None)
        fresh = self._records.is_empty()
        self.salesforce = SalesforceStore(self._records, self.ctx)
        self.hubspot = HubSpotStore(
            self._records, self.ctx, leadsync_properties=self._leadsync_properties
        )
        if fresh and self.leads > 0:
            from sandbox.generator import populate

            with self._records.deferred():
                self._truth = populate(self.salesforce, self.hubspot, self.seed, self.leads)
            self._records.set_meta("truth", self._truth)
        else:
            self._truth = dict(self._records.get_meta("truth", {}) or {})
        sf_app = FaultMiddleware(
            build_salesforce(self.salesforce, self.ctx, session_id=self.salesforce_session_id),
            system="salesforce",
            ctx=self.ctx,
        )
        hs_app = FaultMiddleware(
            build_hubspot(self.hubspot, self.ctx, token=self.hubspot_token),
            system="hubspot",
            ctx=self.ctx,
        )
        self._servers = [
            ServerThread(sf_app, tls, port=self._ports[0], name="sandbox-salesforce"),
            ServerThread(hs_app, tls, port=self._ports[1], name="sandbox-hubspot"),
        ]
        for server in self._servers:
            server.start()
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.stop()
        self._servers = []
        if self._records is not None:
            self._records.close()
            self._records = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- addresses and clients -------------------------------------------------------------
    @property
    def salesforce_url(self) -> str:
        return self._servers[0].url

    @property
    def hubspot_url(self) -> str:
        return self._servers[1].url

    def requests_session(self) -> requests.Session:
        """A requests session that trusts the sandbox CA (and ignores REQUESTS_CA_BUNDLE)."""
        session = requests.Session()
        session.trust_env = False
        session.verify = self.ca_path
        return session

    def salesforce_client(self) -> Salesforce:
        """A real ``simple_salesforce.Salesforce`` pointed at the sandbox, trusting its CA."""
        from simple_salesforce import Salesforce

        return Salesforce(
            instance_url=self.salesforce_url,
            session_id=self.salesforce_session_id,
            session=self.requests_session(),
            version="59.0",
        )

    def hubspot_client(self) -> hubspot.Client:
        """A real ``hubspot.Client`` pointed at the sandbox, trusting its CA."""
        import hubspot

        return hubspot.Client.create(
            access_token=self.hubspot_token, host=self.hubspot_url, ssl_ca_cert=self.ca_path
        )

    def env(self) -> dict[str, str]:
        """Environment variables that point leadsync at this sandbox."""
        return {
            "LEADSYNC_SALESFORCE_URL": self.salesforce_url,
            "LEADSYNC_SALESFORCE_SESSION_ID": self.salesforce_session_id,
            "LEADSYNC_HUBSPOT_URL": self.hubspot_url,
            "LEADSYNC_HUBSPOT_TOKEN": self.hubspot_token,
            "LEADSYNC_CA_PATH": self.ca_path,
        }

    # -- control ---------------------------------------------------------------------------
    def convert_lead(self, lead_id: str, opportunity: bool = True) -> dict[str, str | None]:
        """Convert a Lead as a rep would: Contact, Account and optionally an Opportunity."""
        result: dict[str, str | None] = self.salesforce.convert_lead(
            lead_id, opportunity=opportunity
        )
        return result

    def set_faults(self, *, storm_seconds: float | None = None, **changes: Any) -> None:
        """Change fault settings (FaultConfig field names); ``storm_seconds`` starts a 429 storm."""
        names = {f.name for f in dataclass_fields(FaultConfig)}
        unknown = set(changes) - names
        if unknown:
            raise TypeError(f"unknown fault setting(s): {', '.join(sorted(unknown))}")
        with self.ctx.lock:
            for key, value in changes.items():
                setattr(self.ctx.faults, key, value)
            if storm_seconds is not None:
                self.ctx.faults.storm_until = self.ctx.monotonic() + storm_seconds
            if "seed" in changes:
                self.ctx.reseed(changes["seed"])

    def clear_faults(self) -> None:
        """Back to no faults (limits keep their configured values)."""
        self.set_faults(
            latency_ms=0.0, jitter_ms=0.0, error_rate=0.0, timeout_rate=0.0, lock_row_rate=0.0
        )
        self.ctx.faults.storm_until = 0.0

    def api_calls(self) -> dict[str, dict[str, int]]:
        """Every request answered so far, per system, keyed "METHOD /path/{id}"."""
        return self.ctx.calls.snapshot()

    def reset_api_calls(self) -> None:
        self.ctx.calls.reset()

    def truth(self, email: str) -> str | None:
        """The generator's ground-truth label for a person ("prospect", "bot", ...)."""
        return self._truth.get(email.strip().lower())

    def truth_table(self) -> dict[str, str]:
        """A copy of every label: lower-cased email -> label."""
        return dict(self._truth)

    def simulate_day(self, *, now: datetime | None = None) -> DayReport:
        """A working day on both sides (sign-ups, reps' work, a conflict); labels recorded."""
        from sandbox.simulate import simulate_day

        truth = dict(self._truth)
        day = simulate_day(self.salesforce, self.hubspot, self.seed, truth, now=now)
        self.add_truth(truth)
        return day

    def add_truth(self, labels: dict[str, str]) -> None:
        """Record labels of people added after seeding (the demo's simulated day)."""
        self._truth.update({k.strip().lower(): v for k, v in labels.items()})
        if self._records is not None:
            self._records.set_meta("truth", self._truth)
