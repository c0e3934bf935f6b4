"""The console benchmark's figures: each read's latencies and DynamoDB requests, as a report and as JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bench.timing import Timing


@dataclass(frozen=True)
class Measured:
    """One read, timed ``repeats`` times: latencies, and DynamoDB requests (by operation) per call."""

    name: str
    timing: Timing
    requests: dict[str, float]
    rows: float  # rows (tickets listed, or items shown on a ticket page) per call

    @property
    def requests_per_call(self) -> float:
        return sum(self.requests.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "calls": self.timing.count,
            "p50_ms": round(self.timing.p50_ms, 2),
            "p99_ms": round(self.timing.p99_ms, 2),
            "max_ms": round(self.timing.max_ms, 2),
            "requests_per_call": round(self.requests_per_call, 2),
            "requests": {k: round(v, 2) for k, v in sorted(self.requests.items())},
            "rows": round(self.rows, 1),
        }


@dataclass(frozen=True)
class ConsoleResult:
    tickets: int
    open_tickets: int
    items: int
    seed_seconds: float
    measured: list[Measured] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "tickets": self.tickets,
            "open_tickets": self.open_tickets,
            "items": self.items,
            "seed_seconds": round(self.seed_seconds, 1),
            "reads": {m.name: m.to_dict() for m in self.measured},
        }


def format_report(result: ConsoleResult) -> str:
    lines = [
        f"Console reads: {result.tickets:,} tickets ({result.open_tickets:,} open) in a moto server's table "
        f"({result.items:,} items; seeded in {result.seed_seconds:.0f} s with BatchWriteItem)",
        f"  {'read':<28} {'p50 ms':>8} {'p99 ms':>8} {'requests':>9}  rows",
    ]
    for m in result.measured:
        ops = ", ".join(f"{n:g} {op}" for op, n in sorted(m.requests.items()))
        lines.append(
            f"  {m.name:<28} {m.timing.p50_ms:>8.1f} {m.timing.p99_ms:>8.1f} {m.requests_per_call:>9.2f}  "
            f"{m.rows:.0f}  ({ops})"
        )
    lines.append(
        "  moto reads every item of the table for an index Query, so these latencies grow with the table;"
        " DynamoDB's do not. The requests per read are what carries over to AWS."
    )
    return "\n".join(lines)


def summary(result: ConsoleResult) -> str:
    worst = max(result.measured, key=lambda m: m.timing.p99_ms)
    most = max(m.requests_per_call for m in result.measured)
    return (
        f"Console reads at {result.tickets:,} tickets (moto server): at most {most:g} DynamoDB requests per view, "
        f"slowest p99 {worst.timing.p99_ms:.0f} ms ({worst.name})."
    )
