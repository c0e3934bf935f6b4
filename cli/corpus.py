"""The labeled corpus (tests/corpus/*.yaml): load it, check every entry, and split it in two halves.

Every problem names the file and line of the entry, so a reviewer can fix a label where it is written.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chalicelib.model.event import Channel
from cli.compile import ROOT, display
from cli.yaml_keys import compose_and_load

CORPUS_DIR = ROOT / "tests" / "corpus"
SPLITS = ("tuning", "held-out")


class CorpusError(Exception):
    def __init__(self, issues: list[str]) -> None:
        super().__init__("\n".join(issues))
        self.issues = issues


class Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    channel: Channel
    text: str = Field(min_length=1)
    subject: str | None = None
    urgency: Literal["critical", "high", "normal", "low"]
    intent: Literal["buying", "churn", "none"]
    why: str | None = None
    tier: str | None = None
    split: Literal["tuning", "held-out"] | None = None
    #: where the entry is written, "file:line" (set by the loader, not in the YAML)
    where: str = ""


def split_of(entry: Entry) -> str:
    """``split:`` if given, else by the id's hash: stable as the corpus grows, about half of each label each side."""
    if entry.split:
        return entry.split
    return "held-out" if hashlib.sha256(entry.id.encode("utf-8")).digest()[0] & 1 else "tuning"


def _problem(error: ValidationError, raw: object) -> str:
    parts = []
    for e in error.errors():
        name = ".".join(str(x) for x in e["loc"]) or "entry"
        given = raw.get(e["loc"][0]) if isinstance(raw, dict) and e["loc"] else None
        shown = f" {given!r}" if isinstance(given, str) and e["type"] != "missing" else ""
        parts.append(f"{name}{shown}: {e['msg']}")
    return "; ".join(parts)


def load_file(path: Path) -> list[Entry]:
    """The entries of one corpus file; CorpusError lists every bad entry with its line."""
    name = display(path)
    try:
        text = path.read_text(encoding="utf-8")
        root, data = compose_and_load(text, fast=True)
    except OSError as exc:
        raise CorpusError([f"{name}: cannot read: {exc.strerror}"]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise CorpusError([f"{name}:{line}: not YAML: {getattr(exc, 'problem', exc)}"]) from None
    nodes = _message_nodes(root)
    if not isinstance(data, dict) or not isinstance(data.get("messages"), list) or nodes is None:
        raise CorpusError([f"{name}:1: a corpus file is a mapping with a `messages:` list"])
    default = data.get("channel")
    entries, issues = [], []
    for node, raw in zip(nodes, data["messages"], strict=True):
        where = f"{name}:{node.start_mark.line + 1}"
        values = {"channel": default, **raw} if isinstance(raw, dict) and default else raw
        try:
            if not isinstance(values, dict):
                raise CorpusError([f"{where}: an entry is a mapping (id, text, urgency, intent)"])
            entries.append(Entry.model_validate({**values, "where": where}))
        except ValidationError as exc:
            label = f" {raw['id']!r}" if isinstance(raw, dict) and isinstance(raw.get("id"), str) else ""
            issues.append(f"{where}: entry{label}: {_problem(exc, values)}")
        except CorpusError as exc:
            issues += exc.issues
    if issues:
        raise CorpusError(issues)
    return entries


def load(path: Path) -> list[Entry]:
    """A corpus file, or every *.yaml in a directory; ids must be unique across them all."""
    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    if not files:
        raise CorpusError([f"{display(path)}: no *.yaml corpus files"])
    entries, issues = [], []
    for file in files:
        try:
            entries += load_file(file)
        except CorpusError as exc:
            issues += exc.issues
    seen: dict[str, str] = {}
    for entry in entries:
        if entry.id in seen:
            issues.append(f"{entry.where}: duplicate id {entry.id!r} (first at {seen[entry.id]})")
        else:
            seen[entry.id] = entry.where
    if issues:
        raise CorpusError(issues)
    return entries


def _message_nodes(root: yaml.Node | None) -> list[yaml.Node] | None:
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if key.value == "messages" and isinstance(value, yaml.SequenceNode):
                return list(value.value)
    return None
