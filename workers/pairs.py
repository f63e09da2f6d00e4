"""The pairs file: each sync pair's name, settings, mappings and schedule; secrets by reference.

```toml
[defaults]                      # settings every pair starts from (optional)
state_url = "postgresql+psycopg://leadsync@db/leadsync"

[pairs.acme]
every = "5m"                    # or cron = "*/5 * * * *"
mappings_dir = "mappings/acme"  # relative to this file
hubspot_url = "https://api.hubapi.com"
hubspot_token = { env = "ACME_HUBSPOT_TOKEN" }
salesforce_url = "https://acme.my.salesforce.com"
salesforce_session_id = { file = "/run/secrets/acme-salesforce" }
```

A secret (token, password, session id, client secret) written inline is refused: the file lives in
git next to the mappings, the secrets do not.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sync.settings import SECRET_FIELDS, Settings, SettingsError, load_settings

_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
_EVERY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h)?\s*$")
_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}
# Keys of a pair table that are not Settings fields.
_SCHEDULE_KEYS = ("every", "cron")


class PairsError(Exception):
    """The pairs file is missing, unreadable or invalid; the message names the pair and key."""


@dataclass(frozen=True)
class SecretRef:
    """Where a secret lives: an environment variable or a file (never the pairs file itself)."""

    env: str | None = None
    file: Path | None = None

    def resolve(self) -> str:
        """The secret's value; raises PairsError naming the reference (never the value)."""
        if self.env is not None:
            value = os.environ.get(self.env)
            if not value:
                raise PairsError(f"environment variable {self.env} is not set")
            return value
        assert self.file is not None
        try:
            return self.file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise PairsError(f"secret file {self.file}: {exc.strerror or exc}") from None

    def __str__(self) -> str:
        return f"env:{self.env}" if self.env is not None else f"file:{self.file}"


@dataclass(frozen=True)
class Schedule:
    """When a pair's cycle is due: every N seconds, or a five-field cron expression."""

    every_s: float | None = None
    cron: str | None = None

    def __str__(self) -> str:
        return f"every {self.every_s:g}s" if self.every_s is not None else f"cron {self.cron}"


@dataclass(frozen=True)
class Pair:
    """One sync pair: its name, schedule, plain settings and secret references."""

    name: str
    schedule: Schedule
    values: dict[str, Any]
    secrets: dict[str, SecretRef]

    def settings(self) -> Settings:
        """The pair's Settings (secrets resolved now); raises PairsError naming the pair."""
        try:
            resolved = {key: ref.resolve() for key, ref in self.secrets.items()}
        except PairsError as exc:
            raise PairsError(f"pair {self.name!r}: {exc}") from None
        try:
            return load_settings(**self.values, **resolved, pair=self.name)
        except SettingsError as exc:
            raise PairsError(f"pair {self.name!r}: {exc}") from None


@dataclass(frozen=True)
class PairsFile:
    """Every pair of one pairs file, in file order."""

    path: Path
    pairs: tuple[Pair, ...]

    def get(self, name: str) -> Pair:
        for pair in self.pairs:
            if pair.name == name:
                return pair
        raise PairsError(f"no pair {name!r} in {self.path}")


def parse_every(text: object) -> float:
    """Seconds from "30s", "5m", "1h" or a bare number of seconds."""
    match = _EVERY.match(str(text))
    if not match or float(match.group(1)) <= 0:
        raise ValueError(f"expected an interval like '30s', '5m' or '1h', got {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def _secret_ref(where: str, key: str, value: object, base: Path) -> SecretRef:
    if not isinstance(value, dict):
        raise PairsError(
            f"{where}: {key} is a secret and must not be written in the pairs file; give it by "
            f'reference: {key} = {{ env = "VARIABLE" }} or {key} = {{ file = "/path" }}'
        )
    if set(value) == {"env"} and isinstance(value["env"], str) and value["env"]:
        return SecretRef(env=value["env"])
    if set(value) == {"file"} and isinstance(value["file"], str) and value["file"]:
        path = Path(value["file"])
        return SecretRef(file=path if path.is_absolute() else base / path)
    raise PairsError(f'{where}: {key} must be {{ env = "VARIABLE" }} or {{ file = "/path" }}')


def _schedule(where: str, table: dict[str, Any]) -> Schedule:
    every, cron = table.get("every"), table.get("cron")
    if (every is None) == (cron is None):
        raise PairsError(f'{where}: give a schedule, either every = "5m" or cron = "*/5 * * * *"')
    if every is not None:
        try:
            return Schedule(every_s=parse_every(every))
        except ValueError as exc:
            raise PairsError(f"{where}: every: {exc}") from None
    if not isinstance(cron, str) or len(cron.split()) != 5:
        raise PairsError(f"{where}: cron must have five fields (minute hour day month weekday)")
    return Schedule(cron=cron)


def _split(
    where: str, table: dict[str, Any], base: Path
) -> tuple[dict[str, Any], dict[str, SecretRef]]:
    values: dict[str, Any] = {}
    secrets: dict[str, SecretRef] = {}
    for key, value in table.items():
        if key in _SCHEDULE_KEYS:
            continue
        if key == "pair":
            raise PairsError(f"{where}: the pair's name is its table name; remove pair =")
        if key in SECRET_FIELDS:
            secrets[key] = _secret_ref(where, key, value, base)
        elif isinstance(value, dict):
            raise PairsError(f"{where}: {key} is not a secret; write its value directly")
        elif key in ("mappings_dir", "ca_path", "salesforce_private_key_file"):
            path = Path(str(value))
            values[key] = path if path.is_absolute() else base / path
        else:
            values[key] = value
    return values, secrets


def load_pairs(path: str | Path) -> PairsFile:
    """Read and validate a pairs file (a TOML file, or a directory of one TOML file per pair)."""
    path = Path(path)
    if path.is_dir():
        return _load_dir(path)
    doc = _read_toml(path)
    unknown = set(doc) - {"defaults", "pairs"}
    if unknown:
        raise PairsError(
            f"{path}: unknown top-level table(s) {sorted(unknown)}; expected [pairs.NAME]"
        )
    base = path.resolve().parent
    defaults, default_secrets = _split(f"{path} [defaults]", dict(doc.get("defaults", {})), base)
    tables = doc.get("pairs", {})
    if not isinstance(tables, dict) or not tables:
        raise PairsError(f"{path}: no pairs; add a [pairs.NAME] table per pair")
    pairs = [
        _pair(f"{path} [pairs.{name}]", name, table, defaults, default_secrets, base)
        for name, table in tables.items()
    ]
    return PairsFile(path, tuple(pairs))


def _load_dir(path: Path) -> PairsFile:
    """One ``NAME.toml`` per pair; ``_defaults.toml`` (optional) holds the shared settings."""
    base = path.resolve()
    defaults_file = path / "_defaults.toml"
    defaults: dict[str, Any] = {}
    default_secrets: dict[str, SecretRef] = {}
    if defaults_file.is_file():
        defaults, default_secrets = _split(str(defaults_file), _read_toml(defaults_file), base)
    pairs = [
        _pair(str(file), file.stem, _read_toml(file), defaults, default_secrets, base)
        for file in sorted(path.glob("*.toml"))
        if file.name != "_defaults.toml"
    ]
    if not pairs:
        raise PairsError(f"{path}: no pairs; add one NAME.toml per pair")
    return PairsFile(path, tuple(pairs))


def _pair(
    where: str,
    name: str,
    table: object,
    defaults: dict[str, Any],
    default_secrets: dict[str, SecretRef],
    base: Path,
) -> Pair:
    if not _NAME.match(name):
        raise PairsError(f"{where}: a pair name is 1-100 letters, digits, '_', '.' or '-'")
    if not isinstance(table, dict):
        raise PairsError(f"{where}: expected a table of settings")
    values, secrets = _split(where, table, base)
    return Pair(
        name=name,
        schedule=_schedule(where, table),
        values={**defaults, **values},
        secrets={**default_secrets, **secrets},
    )


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise PairsError(f"pairs file {path} does not exist") from None
    except OSError as exc:
        raise PairsError(f"pairs file {path}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise PairsError(f"pairs file {path}: {exc}") from None


def check_pairs(pairs: PairsFile) -> list[str]:
    """Every problem found building each pair's settings (secrets resolved), one line each."""
    problems: list[str] = []
    for pair in pairs.pairs:
        try:
            settings = pair.settings()
            settings.hubspot()
            settings.salesforce()
            if not settings.mappings_dir.is_dir():
                problems.append(
                    f"pair {pair.name!r}: mappings directory {settings.mappings_dir} not found"
                )
        except (PairsError, SettingsError) as exc:
            text = str(exc)
            problems.append(text if text.startswith("pair ") else f"pair {pair.name!r}: {text}")
    return problems
