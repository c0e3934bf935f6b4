"""Compiled rules objects as `switchboard rules deploy` uploads them: the shipped rules, changed, or broken."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.adapters.rules_store import content_hash
from chalicelib.settings import DEFAULT_RULES_FILE


def shipped() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DEFAULT_RULES_FILE.read_text(encoding="utf-8"))
    return data


def with_priority(route: str, priority: str) -> bytes:
    """The shipped rules with one route's priority changed, its version hash recomputed."""
    data = shipped()
    (then,) = [r["then"] for r in data["rules"]["routes"] if r["name"] == route]
    then["priority"] = priority
    data["version"] = content_hash(data)
    return json.dumps(data).encode()


def schema_invalid() -> bytes:
    """Well-formed JSON with a consistent hash, but a route whose priority no schema allows."""
    data = json.loads(with_priority("free-after-hours", "P9"))
    data["version"] = content_hash(data)
    return json.dumps(data).encode()


def hand_edited() -> bytes:
    """A changed object whose version no longer matches its content (edited after compiling)."""
    data = json.loads(with_priority("free-after-hours", "P3"))
    data["rules"]["routes"][0]["then"]["priority"] = "P2"
    return json.dumps(data).encode()


CORRUPT = b'{"format": 1, "rules": {"routes": ['
