"""Builds a sync from settings (connectors, state, mappings) and runs one cycle under the lock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import SecretStr

from connectors.budgets import RateLimiter, UsageBoard
from connectors.hubspot import HubSpotConnector
from connectors.hubspot_auth import HubSpotOAuthCredentials
from connectors.retry import RetryPolicy
from connectors.salesforce import SalesforceConnector
from connectors.salesforce_auth import (
    ClientCredentialsSignIn,
    JwtBearerSignIn,
    PasswordSignIn,
    SessionIdSignIn,
    SignIn,
)
from mappings.loader import load_mappings
from mappings.mappingset import MappingSet
from sync.engine import Engine, PlannedWrite
from sync.handoff import HandoffPolicy
from sync.report import RunReport
from sync.scheduler import RunStopped
from sync.settings import HubSpotAccess, SalesforceAccess, Settings
from sync.state import StateStore


def utc_now() -> datetime:
    """The wall clock, in UTC."""
    return datetime.now(UTC)


@dataclass
class Connectors:
    """Both adapters, built from settings."""

    hubspot: HubSpotConnector
    salesforce: SalesforceConnector


def salesforce_sign_in(sf: SalesforceAccess, clock: Callable[[], datetime] = utc_now) -> SignIn:
    """The Salesforce sign-in flow the settings describe (Settings.salesforce() validated it)."""

    def secret(value: SecretStr | None) -> str:
        return value.get_secret_value() if value else ""

    key = sf.consumer_key or ""
    if sf.auth == "jwt":
        assert sf.private_key_file is not None and sf.username
        # The assertion's expiry is read by the org's clock: stamp it with leadsync's clock.
        return JwtBearerSignIn(
            sf.url, key, sf.username, sf.private_key_file, clock=lambda: clock().timestamp()
        )
    if sf.auth == "client_credentials":
        return ClientCredentialsSignIn(sf.url, key, secret(sf.consumer_secret))
    if sf.auth == "password":
        assert sf.username
        return PasswordSignIn(
            sf.url,
            key,
            secret(sf.consumer_secret),
            sf.username,
            secret(sf.password),
            secret(sf.security_token),
        )
    return SessionIdSignIn(sf.url, secret(sf.session_id))


def hubspot_oauth(hs: HubSpotAccess) -> HubSpotOAuthCredentials | None:
    """The HubSpot OAuth credentials, when the settings sign in with OAuth."""
    if hs.auth != "oauth":
        return None
    assert hs.client_id and hs.client_secret and hs.refresh_token
    return HubSpotOAuthCredentials(
        hs.client_id, hs.client_secret.get_secret_value(), hs.refresh_token.get_secret_value()
    )


def build_connectors(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utc_now,
    retry: RetryPolicy | None = None,
    hubspot_limiter: RateLimiter | None = None,
    salesforce_usage: UsageBoard | None = None,
) -> Connectors:
    """Adapters for both systems; raises MissingSetting naming what is not configured.

    ``retry`` replaces the default policy of both (tests pass one whose waits move a clock).
    ``hubspot_limiter`` and ``salesforce_usage`` share a portal's rate limit and an org's daily
    usage with other processes (the Celery workers); by default each connector has its own.
    """
    sf = settings.salesforce()
    hs = settings.hubspot()
    return Connectors(
        hubspot=HubSpotConnector(
            hs.url,
            hs.token.get_secret_value() if hs.token else "",
            oauth=hubspot_oauth(hs),
            ca_path=str(hs.ca_path) if hs.ca_path else None,
            rate=str(settings.hubspot_rate),
            search_per_second=settings.hubspot_search_per_second,
            timeout_s=hs.timeout_s,
            clock=clock,
            index_delay_s=settings.hubspot_lookback_s,
            retry=retry,
            limiter=hubspot_limiter,
        ),
        salesforce=SalesforceConnector(
            sf.url,
            sign_in=salesforce_sign_in(sf, clock),
            ca_path=str(sf.ca_path) if sf.ca_path else None,
            max_usage_share=settings.salesforce_max_usage_share,
            bulk_threshold=settings.salesforce_bulk_threshold,
            timeout_s=sf.timeout_s,
            lookback_s=settings.salesforce_lookback_s,
            retry=retry,
            clock=clock,
            usage_board=salesforce_usage,
            assignment_rule=settings.salesforce_assignment_rule,
        ),
    )


@dataclass
class SyncOutcome:
    """A finished run: its report and, for a dry run, the planned writes."""

    report: RunReport
    plans: list[PlannedWrite]


def run_sync(
    settings: Settings,
    *,
    dry_run: bool = False,
    full: bool = False,
    mappings: MappingSet | None = None,
    connectors: Connectors | None = None,
    clock: Callable[[], datetime] = utc_now,
    on_batch: Callable[[int, int], None] | None = None,
) -> SyncOutcome:
    """One sync cycle of the configured pair; the pair's lock keeps two runs from overlapping."""
    ms = mappings or load_mappings(settings.mappings_dir)
    conns = connectors or build_connectors(settings, clock=clock)
    with StateStore.from_settings(settings) as state, state.lock():
        engine = Engine(
            ms,
            state,
            conns.hubspot,
            conns.salesforce,
            clock=clock,
            batch_size=settings.batch_size,
            create_in_salesforce=settings.create_in_salesforce,
            dry_run=dry_run,
            on_batch=on_batch,
            assign_on_stages=frozenset(settings.salesforce_assign_on_stages),
            handoff=HandoffPolicy(
                settings.handoff_stage, settings.handoff_subject, settings.handoff_due_days
            )
            if settings.handoff_task
            else None,
        )
        run_id = state.start_run(dry_run=dry_run, at=clock()) if not dry_run else "dry-run"
        try:
            report = engine.run(run_id, full=full)
        except RunStopped as exc:  # a stop asked for between batches: what was committed stays
            if not dry_run:
                stopped = {**engine.report.to_json(), "status": "stopped", "message": str(exc)}
                state.finish_run(run_id, "stopped", stopped)
            raise
        except BaseException as exc:
            if not dry_run:
                why = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                state.finish_run(run_id, "failed", {"error": f"run aborted: {why}"})
            raise
        if not dry_run:
            state.finish_run(run_id, report.status, report.to_json())
        return SyncOutcome(report, engine.plans)
