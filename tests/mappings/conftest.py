from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from mappings.loader import load_mappings
from mappings.mappingset import MappingSet

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "mappings" / "default"


@pytest.fixture(scope="session")
def ms(tmp_path_factory: pytest.TempPathFactory) -> MappingSet:
    """The shipped rules with the sandbox's insider lists (the shipped lists are empty)."""
    from sandbox.mappings import write_mappings

    return load_mappings(write_mappings(tmp_path_factory.mktemp("sandbox") / "mappings"))


@pytest.fixture(scope="session")
def shipped() -> MappingSet:
    return load_mappings(DEFAULT_DIR)


Mutate = Callable[[str, str, str], Path]


@pytest.fixture
def mutated(tmp_path: Path) -> Mutate:
    """Copy the shipped mappings and replace one exact snippet in one file."""
    target = tmp_path / "mappings"
    shutil.copytree(DEFAULT_DIR, target)

    def mutate(file: str, old: str, new: str) -> Path:
        path = target / file
        text = path.read_text()
        assert old in text, f"{old!r} not in {file}"
        path.write_text(text.replace(old, new, 1))
        return target

    return mutate


def line_of(directory: Path, file: str, snippet: str) -> int:
    """1-based line of the first line containing ``snippet``."""
    for number, line in enumerate((directory / file).read_text().splitlines(), 1):
        if snippet in line:
            return number
    raise AssertionError(f"{snippet!r} not found in {file}")
