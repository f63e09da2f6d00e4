"""Settings: LEADSYNC_* environment variables, a .env file and an optional leadsync.toml."""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import urlsplit

from pydantic import (
    BeforeValidator,
    Field,
    FilePath,
    PlainSerializer,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)
from pydantic_settings import SettingsError as PydanticSettingsError
from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError

import mappings
from mappings.errors import nearest

ENV_PREFIX = "LEADSYNC_"
DEFAULT_CONFIG_FILE = Path("leadsync.toml")
DEFAULT_MAPPINGS_DIR = Path(mappings.__file__).resolve().parent / "default"

_T = TypeVar("_T")


class SettingsError(Exception):
    """The settings are missing or invalid; the message names the variable to fix."""


class MissingSetting(SettingsError):
    """A setting a sync needs is not set."""

    def __init__(self, field: str) -> None:
        self.field = field
        self.variable = env_name(field)
        super().__init__(
            f"{self.variable} is not set: set it in the environment, in .env, or as "
            f"{field} in {DEFAULT_CONFIG_FILE} (or the file named by {ENV_PREFIX}CONFIG)"
        )


def mask_url(url: str) -> str:
    """A database URL with its password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url if "@" not in url else "(unparsable URL hidden)"


# A field whose name says it holds a credential: its value is never shown in an error.
_SECRET_NAME = re.compile(r"token|secret|password|passw|pwd|key|session|credential|auth", re.I)
LOOPBACK_NAMES = ("localhost",)


def default_state_url() -> str:
    """SQLite in the user state directory (Linux: $XDG_STATE_HOME or ~/.local/state/leadsync)."""
    from platformdirs import user_state_dir

    return f"sqlite:///{Path(user_state_dir('leadsync')) / 'state.db'}"


STATE_URL_FORMS = "sqlite:///PATH/state.db or postgresql://USER:PASSWORD@HOST:PORT/DB"


def check_state_url(url: str) -> str:
    """The state URL if leadsync can use it; a ValueError naming the accepted forms if not."""
    from sqlalchemy import exc as sa_exc

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ValueError(f"not a database URL; expected {STATE_URL_FORMS}") from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise ValueError(
            f"{backend}:// is not supported: leadsync keeps its state in SQLite or PostgreSQL "
            f"({STATE_URL_FORMS})"
        )
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")  # as the state store does
    try:
        parsed.get_dialect().import_dbapi()
    except (ImportError, sa_exc.NoSuchModuleError):
        raise ValueError(
            f"the database driver of {parsed.drivername} is not installed: "
            "pip install 'leadsync[postgres]' (psycopg 3), or use postgresql+psycopg://"
        ) from None
    return url


def looks_secret(field: str) -> bool:
    """Whether a setting's name says its value is a credential (never echoed)."""
    return bool(_SECRET_NAME.search(field))


def is_loopback(url: str) -> bool:
    """Whether the URL's host is this machine (127.0.0.0/8, ::1, localhost)."""
    host = (urlsplit(url).hostname or "").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def env_name(field: str) -> str:
    """The environment variable of a settings field."""
    return f"{ENV_PREFIX}{field.upper()}"


@dataclass(frozen=True)
class RateLimit:
    """A request budget: ``calls`` per ``period_s`` seconds (written "190/10s")."""

    calls: int
    period_s: float

    def __str__(self) -> str:
        period = int(self.period_s) if self.period_s.is_integer() else self.period_s
        return f"{self.calls}/{period}s"


_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d+(?:\.\d+)?)\s*s?\s*$")


def parse_rate(value: object) -> RateLimit:
    """Parse "190/10s" (calls / seconds) into a RateLimit."""
    if isinstance(value, RateLimit):
        return value
    match = _RATE.match(str(value))
    if not match or int(match.group(1)) <= 0 or float(match.group(2)) <= 0:
        raise ValueError(f"expected a rate like '190/10s' (calls/seconds), got {value!r}")
    return RateLimit(int(match.group(1)), float(match.group(2)))


# NoDecode: the environment gives "190/10s" as text, not as JSON for a structured value.
Rate = Annotated[
    RateLimit, NoDecode, BeforeValidator(parse_rate), PlainSerializer(str, return_type=str)
]


SalesforceAuthKind = Literal["session", "jwt", "client_credentials", "password"]
HubSpotAuthKind = Literal["private_app", "oauth"]
# Fields whose values are never echoed, not even in validation errors.
SECRET_FIELDS = frozenset(
    {
        "salesforce_session_id",
        "salesforce_consumer_secret",
        "salesforce_password",
        "salesforce_security_token",
        "hubspot_token",
        "hubspot_client_secret",
        "hubspot_refresh_token",
    }
)


@dataclass(frozen=True)
class SalesforceAccess:
    """What the Salesforce adapter needs to connect: where, and how it signs in."""

    url: str  # the instance URL (session) or the login / My Domain URL (OAuth flows)
    session_id: SecretStr | None
    ca_path: Path | None
    timeout_s: float
    auth: SalesforceAuthKind = "session"
    consumer_key: str | None = None
    consumer_secret: SecretStr | None = None
    private_key_file: Path | None = None
    username: str | None = None
    password: SecretStr | None = None
    security_token: SecretStr | None = None


@dataclass(frozen=True)
class HubSpotAccess:
    """What the HubSpot adapter needs to connect: a private-app token or OAuth credentials."""

    url: str
    token: SecretStr | None
    ca_path: Path | None
    timeout_s: float
    auth: HubSpotAuthKind = "private_app"
    client_id: str | None = None
    client_secret: SecretStr | None = None
    refresh_token: SecretStr | None = None


class Settings(BaseSettings):
    """Everything configurable; precedence: arguments > environment > .env > TOML > defaults."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="forbid",  # a misspelt key in .env or the TOML file is an error, not ignored
        validate_default=True,
    )

    config: Path | None = None  # the TOML file read (LEADSYNC_CONFIG); leadsync.toml if present
    salesforce_url: str | None = None
    salesforce_session_id: SecretStr | None = None
    # How leadsync signs in to Salesforce: a static session id, or an OAuth 2.0 flow.
    salesforce_auth: SalesforceAuthKind = "session"
    salesforce_login_url: str | None = None  # login.salesforce.com, test..., or My Domain URL
    salesforce_consumer_key: str | None = None
    salesforce_consumer_secret: SecretStr | None = None
    salesforce_private_key_file: FilePath | None = None  # PEM RSA key of the JWT bearer flow
    salesforce_username: str | None = None
    salesforce_password: SecretStr | None = None
    salesforce_security_token: SecretStr | None = None
    hubspot_url: str | None = None
    hubspot_token: SecretStr | None = None
    hubspot_auth: HubSpotAuthKind = "private_app"
    hubspot_client_id: str | None = None
    hubspot_client_secret: SecretStr | None = None
    hubspot_refresh_token: SecretStr | None = None
    ca_path: FilePath | None = None  # CA bundle to trust (the sandbox's throwaway CA)
    # Default: a file in the platform's user state directory, whatever the working directory.
    state_url: str = Field(default_factory=lambda: default_state_url())
    mappings_dir: Path = DEFAULT_MAPPINGS_DIR
    pair: str = Field("default", pattern=r"^[A-Za-z0-9_.-]{1,100}$")
    salesforce_max_usage_share: float = Field(0.8, gt=0, le=1)
    salesforce_bulk_threshold: int = Field(2000, ge=1)
    hubspot_rate: Rate = RateLimit(190, 10.0)
    hubspot_search_per_second: float = Field(4, gt=0)
    # Incremental reads start this far before their cursor and drop versions already read:
    # Salesforce transactions become visible after later SystemModstamps were read, and
    # HubSpot's search index lags writes by an undocumented amount.
    salesforce_lookback_s: float = Field(300, ge=0)
    hubspot_lookback_s: float = Field(300, ge=0)
    timeout_s: float = Field(30, gt=0)
    batch_size: int = Field(200, ge=1, le=200)  # Salesforce composite takes 200 at most
    dead_letter_max_attempts: int = Field(8, ge=1)
    dead_letter_base_delay_s: float = Field(60, ge=0)
    create_in_salesforce: Literal["Lead", "Contact"] = "Lead"
    # Lead routing (docs/operations.md, "Owners, routing and the hand-off"): run Salesforce's
    # lead assignment rules on the Leads leadsync creates: "active" (the org's active rule) or
    # a rule's name; unset: no rules run (leadsync always sends Sforce-Auto-Assign).
    salesforce_assignment_rule: str | None = Field(None, min_length=1, max_length=120)
    # Also run the active rule when a Lead's leadsync stage becomes one of these (e.g. ["sql"]).
    salesforce_assign_on_stages: list[str] = Field(default_factory=list)
    # The hand-off: a Salesforce Task for the owner when the rules make a person an SQL.
    handoff_task: bool = False
    handoff_stage: str = Field("sql", min_length=1, max_length=40)
    handoff_subject: str = Field(
        "Follow up: {name} is sales-qualified", min_length=1, max_length=255
    )
    handoff_due_days: int = Field(1, ge=0, le=365)
    propagate_deletes: bool = False
    allow_insecure_loopback: bool = False  # http:// to 127.0.0.1 / ::1 / localhost (tests only)
    # Many pairs on Celery workers (workers/, docs/workers.md).
    pairs_file: Path = Path("pairs.toml")  # a TOML file, or a directory of NAME.toml files
    broker_url: str = "redis://127.0.0.1:6379/0"  # Redis by default; amqp:// works too
    redis_url: str | None = None  # shared budgets and schedule marks; the broker's if redis://
    worker_namespace: str = Field("leadsync", pattern=r"^[A-Za-z0-9_.-]{1,60}$")
    metrics_port: int = Field(0, ge=0, le=65535)  # Prometheus /metrics of a worker (0: off)
    visibility_timeout_s: float = Field(3600, gt=0)  # Redis: unacked cycle redelivered after
    pending_ttl_s: float = Field(1800, gt=0)  # a queued or running cycle blocks the next slot

    @field_validator("salesforce_url", "hubspot_url", "salesforce_login_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().rstrip("/")
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(
                f"expected an http(s) URL like https://host:port, got {mask_url(value)!r}"
            )
        return value

    @field_validator("state_url")
    @classmethod
    def _state_url(cls, value: str) -> str:
        # Refused here, in one line, rather than as a driver traceback on first use.
        return check_state_url(value)

    @model_validator(mode="after")
    def _no_clear_text_credentials(self) -> Settings:
        # The bearer token / session id travels in a header: over http:// anyone on the path
        # reads it. Loopback may opt in (a local proxy or emulator); no other host can.
        for field in ("salesforce_url", "hubspot_url", "salesforce_login_url"):
            url = getattr(self, field)
            if url is None or not url.lower().startswith("http://"):
                continue
            if is_loopback(url) and self.allow_insecure_loopback:
                continue
            hint = (
                f"; for a loopback test server set {env_name('allow_insecure_loopback')}=true"
                if is_loopback(url)
                else " (only loopback hosts may opt in to http://)"
            )
            raise PydanticCustomError(
                "insecure_url",
                "{variable}: {url} is http://, which would send the credentials in clear text; "
                "use https://{hint}",
                {"variable": env_name(field), "url": mask_url(url), "hint": hint},
            )
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        explicit: object = None
        if isinstance(init_settings, InitSettingsSource):
            explicit = init_settings.init_kwargs.get("config")
        explicit = explicit or os.environ.get(env_name("config"))
        if explicit:
            path = Path(str(explicit))
            if not path.is_file():
                raise MissingConfigFile(path)
        else:
            path = DEFAULT_CONFIG_FILE  # read only when present
        toml = TomlConfigSettingsSource(settings_cls, toml_file=path)
        return init_settings, env_settings, dotenv_settings, toml, file_secret_settings

    def salesforce(self) -> SalesforceAccess:
        """Salesforce connection settings; raises MissingSetting naming what is not set.

        Each sign-in flow needs its own settings (LEADSYNC_SALESFORCE_AUTH picks the flow).
        """
        kind = self.salesforce_auth
        common = {"ca_path": self.ca_path, "timeout_s": self.timeout_s, "auth": kind}
        if kind == "session":
            return SalesforceAccess(
                url=self._require("salesforce_url", self.salesforce_url),
                session_id=self._require("salesforce_session_id", self.salesforce_session_id),
                **common,  # type: ignore[arg-type]
            )
        url = self._require("salesforce_login_url", self.salesforce_login_url)
        key = self._require("salesforce_consumer_key", self.salesforce_consumer_key)
        if kind == "jwt":
            return SalesforceAccess(
                url=url,
                session_id=None,
                consumer_key=key,
                username=self._require("salesforce_username", self.salesforce_username),
                private_key_file=self._require(
                    "salesforce_private_key_file", self.salesforce_private_key_file
                ),
                **common,  # type: ignore[arg-type]
            )
        secret = self._require("salesforce_consumer_secret", self.salesforce_consumer_secret)
        if kind == "client_credentials":
            return SalesforceAccess(
                url=url,
                session_id=None,
                consumer_key=key,
                consumer_secret=secret,
                **common,  # type: ignore[arg-type]
            )
        return SalesforceAccess(
            url=url,
            session_id=None,
            consumer_key=key,
            consumer_secret=secret,
            username=self._require("salesforce_username", self.salesforce_username),
            password=self._require("salesforce_password", self.salesforce_password),
            security_token=self.salesforce_security_token,  # not needed from trusted IPs
            **common,  # type: ignore[arg-type]
        )

    def hubspot(self) -> HubSpotAccess:
        """HubSpot connection settings; raises MissingSetting naming what is not set."""
        url = self._require("hubspot_url", self.hubspot_url)
        if self.hubspot_auth == "private_app":
            return HubSpotAccess(
                url=url,
                token=self._require("hubspot_token", self.hubspot_token),
                ca_path=self.ca_path,
                timeout_s=self.timeout_s,
            )
        return HubSpotAccess(
            url=url,
            token=None,
            ca_path=self.ca_path,
            timeout_s=self.timeout_s,
            auth="oauth",
            client_id=self._require("hubspot_client_id", self.hubspot_client_id),
            client_secret=self._require("hubspot_client_secret", self.hubspot_client_secret),
            refresh_token=self._require("hubspot_refresh_token", self.hubspot_refresh_token),
        )

    @staticmethod
    def _require(field: str, value: _T | None) -> _T:
        if value is None or (isinstance(value, SecretStr) and not value.get_secret_value()):
            raise MissingSetting(field)
        if isinstance(value, str) and not value.strip():
            raise MissingSetting(field)
        return value

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        # A database URL may carry a password: show it masked like the SecretStr fields.
        for name, value in super().__repr_args__():
            yield name, (mask_url(value) if name == "state_url" else value)

    def describe(self) -> dict[str, str]:
        """Every setting as text for display; secrets only say whether they are set."""
        shown: dict[str, str] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                shown[name] = "(set)" if value.get_secret_value() else "(empty)"
            else:
                shown[name] = "(not set)" if value is None else str(value)
        shown["state_url"] = mask_url(self.state_url)
        shown["broker_url"] = mask_url(self.broker_url)
        if self.redis_url:
            shown["redis_url"] = mask_url(self.redis_url)
        return shown


class MissingConfigFile(SettingsError):
    """The TOML file named by LEADSYNC_CONFIG (or --config) does not exist."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(f"{ENV_PREFIX}CONFIG names {path}, which is not a file")


def load_settings(**overrides: Any) -> Settings:
    """Load the settings, turning validation errors into one SettingsError naming variables."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = [_problem(error) for error in exc.errors()]
        raise SettingsError("invalid settings:\n  " + "\n  ".join(problems)) from None
    except PydanticSettingsError as exc:  # a value the source could not even parse
        raise SettingsError(str(exc)) from None


def _problem(error: Any) -> str:
    """One validation error as a line naming the setting; values only when safe to show."""
    field = ".".join(str(part) for part in error["loc"])
    if not field:  # a check across fields: its message names the variables itself
        return str(error["msg"])
    if error["type"] == "extra_forbidden":
        # An unknown key is most often a misspelt one: its value may well be a secret.
        name = field.lower().removeprefix(ENV_PREFIX.lower())
        hint = nearest(name, Settings.model_fields)
        suggestion = f" (did you mean {hint} / {env_name(hint)}?)" if hint else ""
        return f"unknown setting {name} / {env_name(name)}{suggestion}; its value is not shown"
    given = error.get("input")
    if field in SECRET_FIELDS or looks_secret(field):
        shown = ""
    elif isinstance(given, str) and (field == "state_url" or ("://" in given and "@" in given)):
        shown = f" (got {mask_url(given)!r})"  # a URL may carry a password
    elif isinstance(given, str | int | float | bool | Path) or given is None:
        shown = f" (got {given!r})"
    else:
        shown = ""  # a table or list may hold anything, secrets included
    return f"{env_name(field)}: {error['msg']}{shown}"
