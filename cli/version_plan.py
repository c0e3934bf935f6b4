"""Which of a function's published Lambda versions a prune deletes, and why each other one stays: pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

#: the unpublished version: not a version anyone can delete on its own
LATEST = "$LATEST"
#: Lambda SnapStart cache, Python and .NET, us-east-1: $0.0000015046 per GB-second of the function's
#: memory, billed for each published version while its snapshot is active
#: (https://aws.amazon.com/lambda/pricing/, figure as of 2026-12-06). Other regions differ.
SNAPSTART_CACHE_PRICE = 0.0000015046


@dataclass(frozen=True)
class Alias:
    name: str
    version: str  # a version number, or $LATEST
    #: the other version of a weighted alias (a gradual deploy's routing config sends it a share)
    routed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Kept:
    version: int
    reason: str


@dataclass(frozen=True)
class Plan:
    function: str
    delete: tuple[int, ...]  # oldest first
    kept: tuple[Kept, ...]  # newest first


def _number(version: str) -> int | None:
    return int(version) if version.isdigit() else None  # $LATEST (or anything else unnumbered): never ours


def plan(function: str, published: Iterable[str], aliases: Iterable[Alias], keep: int) -> Plan:
    """Delete every published version older than the newest aliased one, except aliased ones and ``keep`` more.

    Versions compare as numbers ("10" is newer than "9"). A version newer than the newest aliased one
    stays: CloudFormation publishes a deploy's version before it moves the alias, so it may be the one
    about to go live. With no alias naming a published version nothing is known to be live, and
    nothing is deleted.
    """
    if keep < 0:
        raise ValueError(f"keep must be 0 or more, not {keep}")
    versions = sorted({n for v in published if (n := _number(v)) is not None}, reverse=True)
    named: dict[int, list[str]] = {}
    for alias in aliases:
        named_by = [(alias.version, alias.name), *((v, f"{alias.name} (weighted routing)") for v in alias.routed)]
        for name, how in named_by:
            if (n := _number(name)) is not None:
                named.setdefault(n, []).append(how)
    if not named:
        unknown = "no alias names a published version: nothing is known to be live"
        return Plan(function, (), tuple(Kept(v, unknown) for v in versions))
    live = max(named)
    kept: list[Kept] = []
    delete: list[int] = []
    rollbacks = 0
    for version in versions:
        if version in named:
            kept.append(Kept(version, "alias " + ", ".join(sorted(named[version]))))
        elif version > live:
            kept.append(Kept(version, "newer than the live version: a deploy may be moving the alias to it"))
        elif rollbacks < keep:
            rollbacks += 1
            kept.append(Kept(version, f"rollback (--keep {keep})"))
        else:
            delete.append(version)
    return Plan(function, tuple(sorted(delete)), tuple(kept))


def monthly_cache_cost(plan: Plan, memory_mb: Mapping[int, int], snapstart: Mapping[int, bool], price: float) -> float:
    """Dollars a month the planned deletions stop paying for their SnapStart caches, at most.

    ``price`` is per GB-second of memory; a version published without SnapStart has no snapshot
    and costs nothing to keep. An upper bound: Lambda stops billing a snapshot nobody has invoked
    for 14 days, so a long-superseded version may already cost nothing.
    """
    seconds = 30 * 24 * 3600
    return sum(memory_mb[v] / 1024 * price * seconds for v in plan.delete if snapstart.get(v, False))
