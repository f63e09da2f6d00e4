"""State store tables, the engine factory, and the ordered schema migrations applied on open."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.pool import StaticPool

from sync.state_errors import StateError


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no offset)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime given to the state store: {value!r}")
        value = value.astimezone(UTC)
        # SQLite stores text and compares it as text: drop the offset so every row sorts alike.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class JSONDoc(sa.TypeDecorator[object]):
    """JSON on PostgreSQL; TEXT holding JSON on SQLite.

    SQLite gives a column declared JSON numeric affinity, which turns the stored text 3.0 into
    the integer 3; TEXT affinity keeps what json.dumps wrote, so floats stay floats.
    """

    impl = sa.JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.Text())
        return dialect.type_descriptor(sa.JSON())

    def process_bind_param(self, value: object, dialect: Dialect) -> object:
        if dialect.name == "sqlite":
            return json.dumps(value, allow_nan=False, separators=(",", ":"))
        return value

    def process_result_value(self, value: object, dialect: Dialect) -> object:
        if dialect.name == "sqlite" and isinstance(value, str):
            return json.loads(value)
        return value


# SQLite only aliases the rowid (fast autoincrement) for a column declared plain INTEGER.
BigIntId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

metadata = sa.MetaData()
"""The latest schema, used by queries; migrations below build the database up to it."""

schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("description", sa.String(200), nullable=False),
    sa.Column("applied_at", UTCDateTime, nullable=False),
)

links = sa.Table(
    "links",
    metadata,
    sa.Column("pair", sa.String(100), primary_key=True),
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("hubspot_id", sa.String(64)),
    sa.Column("salesforce_id", sa.String(32)),
    sa.Column("salesforce_type", sa.String(16)),
    sa.Column("email", sa.String(320)),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("reason", sa.String(500), nullable=False, server_default=""),  # v2
    sa.Index("ix_links_pair_salesforce", "pair", "salesforce_id"),
    sa.Index("ix_links_pair_email", "pair", "email"),
    sa.Index(
        "uq_links_pair_hubspot_active",
        "pair",
        "hubspot_id",
        unique=True,
        sqlite_where=sa.text("status = 'active'"),
        postgresql_where=sa.text("status = 'active'"),
    ),
)

snapshots = sa.Table(
    "snapshots",
    metadata,
    sa.Column("pair", sa.String(100), primary_key=True),
    sa.Column("link_id", sa.String(64), primary_key=True),
    sa.Column("fields", JSONDoc, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

cursors = sa.Table(
    "cursors",
    metadata,
    sa.Column("pair", sa.String(100), primary_key=True),
    sa.Column("system", sa.String(32), primary_key=True),
    sa.Column("object_type", sa.String(64), primary_key=True),
    sa.Column("cursor", JSONDoc, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("pair", sa.String(100), nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("finished_at", UTCDateTime),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("dry_run", sa.Boolean, nullable=False),
    sa.Column("stats", JSONDoc, nullable=False),
    sa.Index("ix_runs_pair_started", "pair", "started_at"),
)

audit = sa.Table(
    "audit",
    metadata,
    sa.Column("id", BigIntId, primary_key=True, autoincrement=True),
    sa.Column("pair", sa.String(100), nullable=False),
    sa.Column("run_id", sa.String(64)),
    sa.Column("link_id", sa.String(64)),
    sa.Column("hubspot_id", sa.String(64)),
    sa.Column("salesforce_id", sa.String(32)),
    sa.Column("field", sa.String(200), nullable=False),
    sa.Column("old", JSONDoc),
    sa.Column("new", JSONDoc),
    sa.Column("direction", sa.String(16), nullable=False),
    sa.Column("rule", sa.String(64), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Index("ix_audit_pair_link", "pair", "link_id"),
    sa.Index("ix_audit_run", "run_id"),  # v2
)

decisions = sa.Table(
    "decisions",
    metadata,
    sa.Column("id", BigIntId, primary_key=True, autoincrement=True),
    sa.Column("pair", sa.String(100), nullable=False),
    sa.Column("run_id", sa.String(64)),
    sa.Column("link_id", sa.String(64)),
    sa.Column("email", sa.String(320)),
    sa.Column("exclusion", sa.String(200)),
    sa.Column("score", sa.Float),
    sa.Column("fit", sa.Float),
    sa.Column("engagement", sa.Float),
    sa.Column("stage", sa.String(64)),
    sa.Column("reasons", JSONDoc, nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Index("ix_decisions_pair_link", "pair", "link_id"),
)

dead_letters = sa.Table(
    "dead_letters",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("pair", sa.String(100), nullable=False),
    sa.Column("system", sa.String(32), nullable=False),
    sa.Column("object_type", sa.String(64), nullable=False),
    sa.Column("record_ref", sa.String(200), nullable=False),
    sa.Column("link_id", sa.String(64)),
    sa.Column("payload", JSONDoc, nullable=False),
    sa.Column("code", sa.String(200), nullable=False),
    sa.Column("field", sa.String(200)),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", UTCDateTime),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Index("ix_dead_letters_due", "pair", "status", "next_attempt_at"),
    sa.Index("ix_dead_letters_ref", "pair", "system", "object_type", "record_ref"),
)

locks = sa.Table(  # v2
    "locks",
    metadata,
    sa.Column("pair", sa.String(100), primary_key=True),
    sa.Column("owner", sa.String(200), nullable=False),
    sa.Column("host", sa.String(200), nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("acquired_at", UTCDateTime, nullable=False),
    sa.Column("heartbeat_at", UTCDateTime, nullable=False),
)


# --- engine -------------------------------------------------------------------------------

SQLITE_BEGIN_OPTION = "leadsync_sqlite_begin"
"""Execution option: "IMMEDIATE" takes SQLite's write lock at BEGIN (waits on busy_timeout)."""


def create_state_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets real transactions (DDL included), WAL and a busy wait."""
    parsed = sa.make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        # SQLAlchemy's default PostgreSQL driver is psycopg2; leadsync ships psycopg 3.
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() != "sqlite":
        return sa.create_engine(parsed, pool_pre_ping=True)
    database = parsed.database or ""
    in_memory = database in ("", ":memory:") or "mode=memory" in database
    if in_memory:
        # One shared connection, or every checkout would see its own empty database.
        engine = sa.create_engine(
            parsed, poolclass=StaticPool, connect_args={"check_same_thread": False}
        )
    else:
        if not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(parsed, connect_args={"timeout": 30})

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: object, _record: object) -> None:
        # Take BEGIN away from the sqlite3 module, which skips it for SELECT and DDL and so
        # would make migrations non-transactional (SQLAlchemy's documented recipe).
        dbapi_connection.isolation_level = None  # type: ignore[attr-defined]
        cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
        if not in_memory:
            _use_wal(cursor)  # readers do not block the writer
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get(SQLITE_BEGIN_OPTION, "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def _use_wal(cursor: Any) -> None:
    """Switch the file to WAL once (the mode is stored in the file).

    Switching needs a moment of exclusive access, and SQLite answers "database is locked" at
    once, without its busy handler, when another process opens the file at the same instant:
    retry for a few seconds instead of failing the run.
    """
    if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
        return
    for attempt in range(50):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError:
            if attempt == 49:
                raise
            time.sleep(0.1)


def advisory_key(*parts: str) -> int:
    """A stable signed 64-bit key for a PostgreSQL advisory lock."""
    digest = hashlib.blake2b(":".join(("leadsync", *parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def current_schema(conn: Connection) -> str:
    """The schema the store's tables live in (PostgreSQL), or "main" (SQLite)."""
    if conn.dialect.name == "postgresql":
        return str(conn.execute(sa.text("SELECT current_schema()")).scalar_one())
    return "main"


# --- migrations ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Migration:
    """One step of the schema; steps are applied in order and never edited once released."""

    version: int
    description: str
    apply: Callable[[Connection], None]


def _v1_initial(conn: Connection) -> None:
    # Frozen copy of the first schema: later changes go in new steps, not here.
    md = sa.MetaData()
    sa.Table(
        "links",
        md,
        sa.Column("pair", sa.String(100), primary_key=True),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("hubspot_id", sa.String(64)),
        sa.Column("salesforce_id", sa.String(32)),
        sa.Column("salesforce_type", sa.String(16)),
        sa.Column("email", sa.String(320)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Index("ix_links_pair_salesforce", "pair", "salesforce_id"),
        sa.Index("ix_links_pair_email", "pair", "email"),
        sa.Index("uq_links_pair_hubspot", "pair", "hubspot_id", unique=True),
    )
    sa.Table(
        "audit",
        md,
        sa.Column("id", BigIntId, primary_key=True, autoincrement=True),
        sa.Column("pair", sa.String(100), nullable=False),
        sa.Column("run_id", sa.String(64)),
        sa.Column("link_id", sa.String(64)),
        sa.Column("hubspot_id", sa.String(64)),
        sa.Column("salesforce_id", sa.String(32)),
        sa.Column("field", sa.String(200), nullable=False),
        sa.Column("old", JSONDoc),
        sa.Column("new", JSONDoc),
        sa.Column("direction", sa.String(16), nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Index("ix_audit_pair_link", "pair", "link_id"),
    )
    # These have not changed since v1; a later step that changes one freezes its v1 shape here.
    for table in (snapshots, cursors, runs, decisions, dead_letters):
        table.to_metadata(md)
    md.create_all(conn)


def _v2_retire_reason_and_locks(conn: Connection) -> None:
    conn.execute(sa.text("ALTER TABLE links ADD COLUMN reason VARCHAR(500) NOT NULL DEFAULT ''"))
    # A retired link keeps its HubSpot id for history, so uniqueness holds among active links.
    conn.execute(sa.text("DROP INDEX uq_links_pair_hubspot"))
    index = next(i for i in links.indexes if i.name == "uq_links_pair_hubspot_active")
    index.create(conn)
    next(i for i in audit.indexes if i.name == "ix_audit_run").create(conn)
    locks.create(conn)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial schema", _v1_initial),
    Migration(
        2,
        "links.reason, hubspot_id unique among active links, audit by run, run locks",
        _v2_retire_reason_and_locks,
    ),
)
LATEST_VERSION = MIGRATIONS[-1].version


def current_version(conn: Connection) -> int:
    """The applied schema version (0 for an empty database)."""
    if not sa.inspect(conn).has_table("schema_version"):
        return 0
    return int(conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar() or 0)


def migrate(engine: Engine, *, target: int = LATEST_VERSION) -> int:
    """Apply pending migrations up to ``target`` in one transaction; returns the version."""
    options = {SQLITE_BEGIN_OPTION: "IMMEDIATE"}  # SQLite: one migrator at a time
    with engine.connect().execution_options(**options) as conn, conn.begin():
        if conn.dialect.name == "postgresql":
            # Two workers opening a fresh database at once: the second waits, then sees it done.
            key = advisory_key("migrate", current_schema(conn))
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})
        schema_version.create(conn, checkfirst=True)
        version = current_version(conn)
        if version > LATEST_VERSION:
            raise StateError(
                f"state schema version {version} is newer than this leadsync ({LATEST_VERSION});"
                " upgrade leadsync"
            )
        for step in MIGRATIONS:
            if version < step.version <= target:
                step.apply(conn)
                conn.execute(
                    schema_version.insert().values(
                        version=step.version,
                        description=step.description,
                        applied_at=datetime.now(UTC),
                    )
                )
                version = step.version
        return version
