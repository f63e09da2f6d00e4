"""The Sandbox: both emulated systems on loopback TLS, seeded, with a Python control API."""

from __future__ import annotations

import hashlib
import tempfile
import uuid
from dataclasses import fields as dataclass_fields
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import requests

from sandbox.context import FaultConfig, SandboxContext
from sandbox.dateheader import DateHeaderMiddleware
from sandbox.hubspot.oauth import OAuthClient
from sandbox.mappings import write_mappings
from sandbox.middleware import FaultMiddleware
from sandbox.salesforce.oauth import OAuthApp
from sandbox.server import ServerThread
from sandbox.storage import RecordStore
from sandbox.tls import ensure_tls

if TYPE_CHECKING:
    import hubspot
    from simple_salesforce import Salesforce

    from sandbox.hubspot.properties import PropertyDef
    from sandbox.hubspot.store import HubSpotStore
    from sandbox.salesforce.assignment import RuleEntry
    from sandbox.salesforce.schema import ObjectSpec
    from sandbox.salesforce.store import SalesforceStore
    from sandbox.simulate import DayReport


SYSTEMS = ("salesforce", "hubspot")


def _token(seed: int, purpose: str) -> str:
    # Deterministic per seed so a persisted sandbox keeps accepting the same credentials.
    return hashlib.sha256(f"leadsync-sandbox:{seed}:{purpose}".encode()).hexdigest()


def _pem(key: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    pem: bytes = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return pem


class Sandbox:
    """Local Salesforce REST v59.0 and HubSpot CRM v3 emulators, served over TLS on 127.0.0.1.

    ``leads=0`` starts empty systems. ``data_dir`` persists both systems (and the CA) in a SQLite
    file so a restart keeps the data; seeding only happens when the store is empty.
    ``wide_schema=True`` gives the portal 600 contact properties and Lead and Contact 500 fields
    each, as real ones have (sandbox/wide_schema.py), some of them filled in on seeded records.
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
        wide_schema: bool = False,
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
        self.wide_schema = wide_schema
        self.salesforce_session_id = "00D000000000001!" + _token(seed, "salesforce")[:40]
        self.hubspot_token = "pat-na1-" + _token(seed, "hubspot")[:36]
        # OAuth credentials of the sandbox's connected app (Salesforce) and OAuth app (HubSpot).
        self.salesforce_consumer_key = "3MVG9sandbox" + _token(seed, "sf-key")[:40]
        self.salesforce_consumer_secret = _token(seed, "sf-secret")[:32].upper()
        self.salesforce_username = "integration@leadsync-sandbox.example"
        self.salesforce_password = "sandbox-" + _token(seed, "sf-password")[:12]
        self.salesforce_security_token = _token(seed, "sf-security-token")[:24]
        self.hubspot_client_id = str(uuid.UUID(_token(seed, "hs-client-id")[:32]))
        self.hubspot_client_secret = str(uuid.UUID(_token(seed, "hs-client-secret")[:32]))
        self.hubspot_refresh_token = "na1-" + _token(seed, "hs-refresh")[:32]
        self._sf_oauth: OAuthApp | None = None
        self._servers: list[ServerThread] = []
        self._records: RecordStore | None = None
        self._truth: dict[str, str] = {}
        self.mappings_dir = ""  # written by start(): the shipped rules plus the sandbox's lists
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
        self.mappings_dir = str(write_mappings(self.data_dir / "mappings"))
        self._records = RecordStore(self.data_dir / "sandbox.db" if self._persist else None)
        fresh = self._records.is_empty()
        objects: dict[str, ObjectSpec] | None = None
        extra_properties: tuple[PropertyDef, ...] = ()
        if self.wide_schema:
            from sandbox import wide_schema
            from sandbox.hubspot.properties import LEADSYNC_PROPERTIES, STANDARD_PROPERTIES

            objects = wide_schema.salesforce_objects(self.seed)
            base = [
                *STANDARD_PROPERTIES,
                *(LEADSYNC_PROPERTIES if self._leadsync_properties else ()),
            ]
            extra_properties = wide_schema.hubspot_properties(self.seed, (p.name for p in base))
        self.salesforce = SalesforceStore(self._records, self.ctx, objects=objects)
        self.hubspot = HubSpotStore(
            self._records,
            self.ctx,
            leadsync_properties=self._leadsync_properties,
            extra_properties=extra_properties,
        )
        if fresh:
            from sandbox.org_people import seed_people

            with self._records.deferred():
                seed_people(self.salesforce, self.hubspot)
        if fresh and self.leads > 0:
            from sandbox.generator import populate
            from sandbox.org_people import rep_owners

            with self._records.deferred():
                owners = rep_owners(self.salesforce, self.hubspot)
                self._truth = populate(
                    self.salesforce, self.hubspot, self.seed, self.leads, owners=owners
                )
                if self.wide_schema:
                    wide_schema.fill_values(self.salesforce, self.hubspot, self.seed)
            self._records.set_meta("truth", self._truth)
        else:
            self._truth = dict(self._records.get_meta("truth", {}) or {})
        self._sf_oauth = OAuthApp(
            consumer_key=self.salesforce_consumer_key,
            consumer_secret=self.salesforce_consumer_secret,
            username=self.salesforce_username,
            password=self.salesforce_password,
            security_token=self.salesforce_security_token,
        )
        sf_app = DateHeaderMiddleware(
            FaultMiddleware(
                build_salesforce(
                    self.salesforce,
                    self.ctx,
                    session_id=self.salesforce_session_id,
                    oauth=self._sf_oauth,
                    seed=self.seed,
                ),
                system="salesforce",
                ctx=self.ctx,
            ),
            ctx=self.ctx,
        )
        hs_oauth = OAuthClient(
            self.hubspot_client_id, self.hubspot_client_secret, self.hubspot_refresh_token
        )
        hs_app = DateHeaderMiddleware(
            FaultMiddleware(
                build_hubspot(
                    self.hubspot, self.ctx, token=self.hubspot_token, oauth=hs_oauth, seed=self.seed
                ),
                system="hubspot",
                ctx=self.ctx,
            ),
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
            # The shipped lists are empty; the sandbox brings its own insiders' domains.
            "LEADSYNC_MAPPINGS_DIR": self.mappings_dir,
        }

    @property
    def salesforce_private_key_file(self) -> str:
        """The JWT bearer flow's private key (PEM); made and registered on first use.

        The sandbox keeps the public half as the connected app's certificate and checks every
        assertion's RS256 signature against it.
        """
        assert self._sf_oauth is not None, "start the sandbox first"
        path = self.data_dir / "oauth" / "salesforce-jwt-key.pem"
        if not path.is_file():
            from cryptography.hazmat.primitives.asymmetric import rsa

            path.parent.mkdir(parents=True, exist_ok=True)
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            path.write_bytes(_pem(key))
            path.chmod(0o600)
        if self._sf_oauth.public_key_pem is None:
            self.register_jwt_key(path.read_bytes())
        return str(path)

    def register_jwt_key(self, private_or_public_pem: bytes) -> None:
        """Register the key (or its public half) whose signatures the JWT bearer flow accepts."""
        from cryptography.hazmat.primitives import serialization

        assert self._sf_oauth is not None, "start the sandbox first"
        if b"PRIVATE KEY" in private_or_public_pem:
            key = serialization.load_pem_private_key(private_or_public_pem, password=None)
            private_or_public_pem = key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        self._sf_oauth.public_key_pem = private_or_public_pem

    def oauth_env(self, salesforce_auth: str = "jwt") -> dict[str, str]:
        """Environment that signs in with OAuth (``leadsync sandbox serve`` prints it).

        ``salesforce_auth`` is ``jwt``, ``client_credentials`` or ``password``; HubSpot signs in
        with the refresh token of the sandbox's OAuth app.
        """
        env = {
            "LEADSYNC_SALESFORCE_AUTH": salesforce_auth,
            "LEADSYNC_SALESFORCE_LOGIN_URL": self.salesforce_url,
            "LEADSYNC_SALESFORCE_CONSUMER_KEY": self.salesforce_consumer_key,
            "LEADSYNC_HUBSPOT_URL": self.hubspot_url,
            "LEADSYNC_HUBSPOT_AUTH": "oauth",
            "LEADSYNC_HUBSPOT_CLIENT_ID": self.hubspot_client_id,
            "LEADSYNC_HUBSPOT_CLIENT_SECRET": self.hubspot_client_secret,
            "LEADSYNC_HUBSPOT_REFRESH_TOKEN": self.hubspot_refresh_token,
            "LEADSYNC_CA_PATH": self.ca_path,
        }
        if salesforce_auth == "jwt":
            env["LEADSYNC_SALESFORCE_USERNAME"] = self.salesforce_username
            env["LEADSYNC_SALESFORCE_PRIVATE_KEY_FILE"] = self.salesforce_private_key_file
        else:
            env["LEADSYNC_SALESFORCE_CONSUMER_SECRET"] = self.salesforce_consumer_secret
        if salesforce_auth == "password":
            env["LEADSYNC_SALESFORCE_USERNAME"] = self.salesforce_username
            env["LEADSYNC_SALESFORCE_PASSWORD"] = self.salesforce_password
            env["LEADSYNC_SALESFORCE_SECURITY_TOKEN"] = self.salesforce_security_token
        return env

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
        self.ctx.faults.storm_until = float("-inf")

    # -- people and routing (sandbox/org_people.py) -----------------------------------------
    def user_id(self, email: str) -> str:
        """The Salesforce User with this email (a rep, or integration@leadsync.example)."""
        from sandbox.org_people import user_id

        return user_id(self.salesforce, email)

    def owner_id(self, email: str, *, archived: bool = False) -> str | None:
        """The HubSpot owner id of this email (``archived``: among deactivated owners)."""
        return self.hubspot.owners.id_for(email, archived=archived)

    def queue_id(self) -> str:
        """The Salesforce lead queue's Group id."""
        from sandbox.org_people import queue_id

        return queue_id(self.salesforce)

    def add_assignment_rule(
        self,
        name: str,
        entries: list[RuleEntry],
        *,
        default_owner: str | None = None,
        active: bool = True,
    ) -> str:
        """A lead assignment rule run by ``Sforce-Auto-Assign`` (see sandbox/SCHEMA.md)."""
        from sandbox.org_people import add_assignment_rule

        return add_assignment_rule(
            self.salesforce, name, entries, default_owner=default_owner, active=active
        )

    def api_calls(self) -> dict[str, dict[str, int]]:
        """Every request answered so far, per system, keyed "METHOD /path/{id}"."""
        return self.ctx.calls.snapshot()

    def reset_api_calls(self) -> None:
        self.ctx.calls.reset()

    def longest_request_target(self) -> dict[str, int]:
        """Per system, the longest request target (path and query) answered so far, in bytes."""
        return {system: self.ctx.calls.longest_target(system) for system in SYSTEMS}

    def request_target_lengths(self, system: str) -> list[int]:
        """Every request target's length in bytes for ``system``, in arrival order."""
        return self.ctx.calls.target_lengths(system)

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
