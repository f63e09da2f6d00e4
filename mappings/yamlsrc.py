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


# Bounds for a hostile or broken file: a mapping is a few hundred lines, nested a few levels.
MAX_FILE_BYTES = 2_000_000
MAX_DEPTH = 50
MAX_ALIASES = 200
MAX_NODES = 100_000  # values after aliases are expanded (a "billion laughs" file needs billions)


class _TooBig(Exception):
    """The document breaks a bound; carries the issue to report."""

    def __init__(self, issue: Issue) -> None:
        super().__init__(str(issue))
        self.issue = issue


def _at(file: str, mark: object, message: str) -> _TooBig:
    line = getattr(mark, "line", -1) + 1
    col = getattr(mark, "column", -1) + 1
    return _TooBig(Issue(file, line, col, message))


def _scan(text: str, file: str) -> None:
    """Check nesting depth and alias count on the event stream, before building any tree.

    The parser is iterative; the composer and the walk below recurse, so a 5,000-deep file must
    be refused here, at its line, rather than die in a RecursionError later.
    """
    depth = aliases = 0
    # libyaml's parser when present: this pass then costs a fraction of the real load.
    for event in yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise _at(file, event.start_mark, f"nested deeper than {MAX_DEPTH} levels")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        elif isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_ALIASES:
                raise _at(file, event.start_mark, f"more than {MAX_ALIASES} aliases (*name)")


def _walk(
    loader: yaml.SafeLoader,
    node: yaml.Node,
    loc: Loc,
    out: Located,
    issues: list[Issue],
    budget: list[int] | None = None,
) -> object:
    # Aliases share nodes: walking them again multiplies the work, so count what is expanded;
    # a path through the same node twice is a recursive alias (&a [*a]).
    budget = budget if budget is not None else [MAX_NODES]
    budget[0] -= 1
    if budget[0] < 0:
        raise _at(out.file, node.start_mark, f"aliases expand to more than {MAX_NODES} values")
    if len(loc) > MAX_DEPTH:
        raise _at(out.file, node.start_mark, "an alias refers to itself (recursive structure)")
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
            result[key] = _walk(loader, value_node, child, out, issues, budget)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _walk(loader, item, (*loc, i), out, issues, budget) for i, item in enumerate(node.value)
        ]
    return loader.construct_object(node, deep=True)


def read_yaml(path: Path, display: str | None = None) -> tuple[Located, list[Issue]]:
    """Parse one YAML file; syntax errors come back as issues, never raised."""
    name = display or str(path)
    out = Located(name, None)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return out, [Issue(name, 0, 0, f"file is larger than {MAX_FILE_BYTES} bytes")]
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        return out, [Issue(name, 0, 0, f"cannot read file: {exc.strerror or exc}")]
    except UnicodeDecodeError as exc:
        return out, [Issue(name, 0, 0, f"not UTF-8 text (byte {exc.start})")]
    loader = yaml.SafeLoader(text)
    issues: list[Issue] = []
    try:
        _scan(text, name)
        node = loader.get_single_node()
        if node is not None:
            out.data = _walk(loader, node, (), out, issues)
    except _TooBig as exc:
        issues.append(exc.issue)
    except RecursionError:  # a bound above should have caught it first; never a traceback
        issues.append(Issue(name, 0, 0, f"nested too deeply (more than {MAX_DEPTH} levels)"))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        issues.append(Issue(name, line, col, f"YAML syntax: {exc.problem or exc}"))
    except yaml.YAMLError as exc:
        issues.append(Issue(name, 0, 0, f"YAML: {exc}"))
    finally:
        loader.dispose()
    return out, issues
