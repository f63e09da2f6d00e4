"""The reliability suite's shared world: one sandbox and one state per backend, runs, outcomes."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from e2e_helpers import settings_for, sf_by_email

from connectors.base import ChangePage, Cursor, RecordError, SourceRecord
from connectors.retry import RetryPolicy
from mappings.loader import load_mappings
from sandbox import Sandbox
from sync.report import RunReport
from sync.runner import Connectors, build_connectors, run_sync
from sync.settings import Settings
from sync.state import StateStore

# Records whose email starts with this are refused by the (wrapped) connectors, the way the
# connector-boundary validation reports a value it cannot parse: SourceRecord.problems.
REFUSED_PREFIX = "refused."
REFUSAL = RecordError("INVALID_NUMBER", "hs_email_open: 'NaN' is not a number", ("hs_email_open",))
SF_REFUSAL = RecordError(
    "INVALID_DATE", "ConvertedDate: '2024-13-45' is no date", ("ConvertedDate",)
)


@dataclass
class World:
    """A sandbox with its state store; every row adds its records and runs one more sync."""

    sb: Sandbox
    settings: Settings
    backend: str
    waited_s: float = 0.0
    reports: list[RunReport] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.retry = RetryPolicy(sleep=self._wait, rng=random.Random(11))
        # One pair of connectors and one reading store for all rows, as a long-lived worker
        # would keep them: the rows stay quick (no sign-in and describe per run).
        self._conns: Connectors | None = None
        self._state = StateStore(self.settings.state_url, pair=self.settings.pair)
        self.mappings = load_mappings(self.settings.mappings_dir)  # a third of a second a load

    def new_process(self) -> None:
        """Connectors built afresh, as the next scheduled run's process would build them."""
        self._conns = None

    def close(self) -> None:
        self._state.close()

    def _wait(self, seconds: float) -> None:
        self.waited_s += seconds
        self.sb.ctx.advance(seconds)

    def connectors(self) -> Connectors:
        conns = build_connectors(self.settings, clock=self.sb.ctx.now, retry=self.retry)
        _refuse_marked(conns)
        return conns

    def run(self, *, settings: Settings | None = None) -> RunReport:
        """One sync; an exception out of it is a crash and fails the row."""
        self.sb.ctx.advance(5)  # every run sees the rows' records as changed since the last
        if settings is not None:
            conns = build_connectors(settings, clock=self.sb.ctx.now, retry=self.retry)
            _refuse_marked(conns)
        else:
            self._conns = self._conns or self.connectors()
            conns = self._conns
        used = settings or self.settings
        outcome = run_sync(used, mappings=self.mappings, connectors=conns, clock=self.sb.ctx.now)
        self.reports.append(outcome.report)
        return outcome.report

    # -- what became of a record ---------------------------------------------------------------
    def linked(self, record_id: str) -> bool:
        """The record has an active link holding both sides."""
        return any(
            lk.status == "active"
            and lk.hubspot_id
            and lk.salesforce_id
            and record_id in (lk.hubspot_id, lk.salesforce_id)
            for lk in self._state.load_links()
        )

    def letters(self, record_id: str) -> list[tuple[str, str, str | None, str]]:
        """(code, message, field, system) of every dead letter naming the record."""
        return [
            (dl.code, dl.message, dl.field, dl.system)
            for dl in self._state.dead_letters(status=None, limit=10_000)
            if dl.record_ref == record_id
        ]

    def good_is_synced(self, hubspot_id: str, email: str) -> None:
        """The good record reached Salesforce once and is linked to it."""
        leads = sf_by_email(self.sb, "Lead", email) + sf_by_email(self.sb, "Contact", email)
        assert len(leads) == 1, f"{email}: {len(leads)} Salesforce records"
        assert self.linked(hubspot_id), f"{email} ({hubspot_id}) is not linked"


def make_world(sb: Sandbox, tmp_path: Path, backend: str, state_url: str) -> World:
    # Dead letters wait an hour before a retry: each row's runs read only that row's records.
    settings = settings_for(
        sb, tmp_path, state_url=state_url, timeout_s=2.0, dead_letter_base_delay_s=3600
    )
    return World(sb, settings, backend)


def _refuse_marked(conns: Connectors) -> None:
    """Make both connectors mark records of REFUSED_PREFIX emails as refused at the boundary."""
    conns.hubspot = Refusing(conns.hubspot, "email", REFUSAL)  # type: ignore[assignment]
    conns.salesforce = Refusing(conns.salesforce, "Email", SF_REFUSAL)  # type: ignore[assignment]


class Refusing:
    """A connector that reports records of REFUSED_PREFIX emails with ``problems``."""

    def __init__(self, inner: Any, email_field: str, problem: RecordError) -> None:
        self.inner = inner
        self.system = inner.system
        self.email_field = email_field
        self.problem = problem

    def _mark(self, records: Sequence[SourceRecord]) -> list[SourceRecord]:
        return [
            replace(r, problems=(self.problem,))
            if str(r.fields.get(self.email_field) or "").startswith(REFUSED_PREFIX)
            else r
            for r in records
        ]

    def changes(
        self, object_type: str, since: Cursor, *, full: bool = False
    ) -> Iterator[ChangePage]:
        for page in self.inner.changes(object_type, since, full=full):
            yield ChangePage(self._mark(page.records), page.cursor)

    def read(self, object_type: str, ids: Sequence[str]) -> list[SourceRecord]:
        return self._mark(self.inner.read(object_type, ids))

    def find_by_email(self, object_type: str, emails: Sequence[str]) -> list[SourceRecord]:
        return self._mark(self.inner.find_by_email(object_type, emails))

    def write(self, ops: Sequence[Any]) -> Any:
        return self.inner.write(ops)

    def server_now(self) -> Any:
        return self.inner.server_now()

    def describe(self, object_type: str) -> Any:
        return self.inner.describe(object_type)

    def want(self, object_type: str, fields: Sequence[str]) -> None:
        self.inner.want(object_type, fields)

    def usage(self) -> Any:
        return self.inner.usage()
