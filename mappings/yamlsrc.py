"""YAML reading that remembers where every key and value came from (line and column)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from mappings.errors import Issue

Loc = tuple[str | int, ...]


@dataclass
class Located:
    """A parsed YAML document plus the position of every value and key, by path."""

    file: str
    data: object
    values: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Loc, tuple[int, int]] = field(default_factory=dict)

    def issue(
        self, loc: Loc, message: str, suggestion: str | None = None, *, key: bool = False
    ) -> Issue:
        """An Issue at ``loc``: the key's position when ``key``, else the value's (or nearest)."""
        table = self.keys if key else self.values
        pos = table.get(loc) or self.keys.get(loc)
        probe = loc
        while pos is None and probe:
            probe = probe[:-1]
            pos = self.values.get(probe) or self.keys.get(probe)
        line, column = pos or (0, 0)
        return Issue(self.file, line, column, message, suggestion)


def _walk(
    loader: yaml.SafeLoader, node: yaml.Node, loc: Loc, out: Located, issues: list[Issue]
) -> object:
    out.values[loc] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)  # resolves `<<:` merge keys
        result: dict[object, object] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool) or key is None:
                key = str(key)
            child = (*loc, key) if isinstance(key, str | int) else (*loc, str(key))
            out.keys[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if key in result:
                line, col = out.keys[child]
                issues.append(Issue(out.file, line, col, f"duplicate key {key!r}"))
            result[key] = _walk(loader, value_node, child, out, issues)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_walk(loader, item, (*loc, i), out, issues) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def read_yaml(path: Path, display: str | None = None) -> tuple[Located, list[Issue]]:
    """Parse one YAML file; syntax errors come back as issues, never raised."""
    name = display or str(path)
    out = Located(name, None)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        return out, [Issue(name, 0, 0, f"cannot read file: {exc.strerror or exc}")]
    loader = yaml.SafeLoader(text)
    issues: list[Issue] = []
    try:
        node = loader.get_single_node()
        if node is not None:
            out.data = _walk(loader, node, (), out, issues)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        issues.append(Issue(name, line, col, f"YAML syntax: {exc.problem or exc}"))
    except yaml.YAMLError as exc:
        issues.append(Issue(name, 0, 0, f"YAML: {exc}"))
    finally:
        loader.dispose()
    return out, issues
