"""Reading our YAML files: duplicate mapping keys (PyYAML keeps the last silently, so a second `maya:` would
replace the first), and a file's nodes (for line numbers) and values from one parse."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from yaml.constructor import ConstructorError

_MERGE = "tag:yaml.org,2002:merge"
#: libyaml's parser where PyYAML was built with it (the wheels are): about fifteen times faster than pure
#: Python, which read the corpus's 3,800 messages in 2.5 s. Only for our own data files: libyaml accepts
#: some text PyYAML's Python parser refuses (a "?" inside an unquoted flow item), and the rules file is
#: an operator's, read by both (bench/, the tests), so it keeps the stricter one.
_FastSafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class DuplicateKey:
    """A key given twice in one mapping: the mapping's path, the key, and both lines (1-based)."""

    path: tuple[Any, ...]
    key: str
    line: int
    first: int

    @property
    def message(self) -> str:
        return f"duplicate key {self.key!r} (first at line {self.first})"


def _repeats(node: yaml.MappingNode) -> list[tuple[yaml.Node, yaml.Node]]:
    """(first, repeat) key node pairs of one mapping; `<<` merges are left out: overriding a merged key is allowed."""
    seen: dict[tuple[str, str], yaml.Node] = {}
    out: list[tuple[yaml.Node, yaml.Node]] = []
    for key, _ in node.value:
        if not isinstance(key, yaml.ScalarNode) or key.tag == _MERGE:
            continue
        # the tag tells `1` from `"1"`: different keys once loaded
        first = seen.setdefault((key.tag, key.value), key)
        if first is not key:
            out.append((first, key))
    return out


def duplicate_keys(node: yaml.Node | None, path: tuple[Any, ...] = ()) -> list[DuplicateKey]:
    """Every repeated key at any depth of a composed document, in file order."""
    found: list[DuplicateKey] = []
    if isinstance(node, yaml.MappingNode):
        found.extend(
            DuplicateKey(path, str(key.value), key.start_mark.line + 1, first.start_mark.line + 1)
            for first, key in _repeats(node)
        )
        for key, value in node.value:
            found.extend(duplicate_keys(value, (*path, key.value)))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            found.extend(duplicate_keys(item, (*path, i)))
    return sorted(found, key=lambda d: d.line)


def compose_and_load(text: str, fast: bool = False) -> tuple[yaml.Node | None, Any]:
    """``(yaml.compose(text), yaml.safe_load(text))`` from one parse: the nodes give each value its line.
    ``fast``: with libyaml (see ``_FastSafeLoader``), for the corpus."""
    loader = (_FastSafeLoader if fast else yaml.SafeLoader)(text)
    try:
        node = loader.get_single_node()
        return node, None if node is None else loader.construct_document(node)
    finally:
        loader.dispose()


class UniqueKeyLoader(yaml.SafeLoader):
    """yaml.SafeLoader that refuses a mapping with a repeated key, naming both lines."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        for first, key in _repeats(node):
            raise ConstructorError(
                "while reading a mapping",
                node.start_mark,
                f"duplicate key {key.value!r} (first at line {first.start_mark.line + 1})",
                key.start_mark,
            )
        return super().construct_mapping(node, deep=deep)


def load_unique(text: str) -> Any:
    """yaml.safe_load, refusing duplicate keys."""
    return yaml.load(text, Loader=UniqueKeyLoader)  # a SafeLoader subclass: no arbitrary objects
