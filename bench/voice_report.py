"""Live call: the timed answers' figures (nearest-rank percentiles against the budget), as JSON and as the report."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

#: the issue's budget for the TwiML answer, in the local benchmark
BUDGET_P99_MS = 300.0
INCLUDES = (
    "HTTP over loopback (urllib, a new TCP connection per request) to the real Chalice app",
    "the X-Twilio-Signature check",
    "the customer lookup: DynamoDB on moto over HTTP behind the container's 60 s cache",
    "decide() with the shipped rules and rotations",
    "SQS SendMessage to moto (the call is queued to become a ticket)",
)
CAVEAT = (
    "a moto server stands in for AWS, in a process of its own on the same small machine: "
    "absolute numbers differ from Lambda with DynamoDB and SQS"
)


def percentile(sorted_ms: Sequence[float], q: float) -> float:
    """Nearest rank: p99 of 200 calls is the 198th fastest, a latency that really happened."""
    rank = math.ceil(round(q * len(sorted_ms) / 100, 9))  # round: 99 * 200 / 100 must not become 198.0000001
    return sorted_ms[max(0, rank - 1)]


@dataclass(frozen=True)
class VoiceResult:
    calls_ms: tuple[float, ...]  # the timed calls, in the order sent
    first_ms: float  # the first request the platform served (cold), not among the timed calls
    warmup: int  # requests sent before the timed ones, the first included
    samples: tuple[str, ...]
    dialled: dict[str, dict[str, int]]  # sample → masked number → timed answers that dialled it
    queued: int  # messages found on the events queue after the timed calls (one per call expected)
    cache_hits: int  # customer cache, over the timed calls
    cache_misses: int
    cold_cache: bool  # the customer cache was emptied before each timed call
    kept_queue: bool  # the queued calls stayed on the events queue (else deleted after each call, untimed)
    budget_p99_ms: float = BUDGET_P99_MS
    includes: tuple[str, ...] = field(default=INCLUDES)

    @property
    def count(self) -> int:
        return len(self.calls_ms)

    @property
    def _sorted(self) -> list[float]:
        return sorted(self.calls_ms)

    @property
    def p50_ms(self) -> float:
        return percentile(self._sorted, 50)

    @property
    def p90_ms(self) -> float:
        return percentile(self._sorted, 90)

    @property
    def p99_ms(self) -> float:
        return percentile(self._sorted, 99)

    @property
    def max_ms(self) -> float:
        return max(self.calls_ms)

    @property
    def verdict(self) -> str:
        return "PASS" if self.p99_ms <= self.budget_p99_ms else "OVER"

    def to_dict(self) -> dict[str, Any]:
        return {
            "calls": self.count,
            "warmup": self.warmup,
            "samples": list(self.samples),
            "p50_ms": round(self.p50_ms, 2),
            "p90_ms": round(self.p90_ms, 2),
            "p99_ms": round(self.p99_ms, 2),
            "max_ms": round(self.max_ms, 2),
            "mean_ms": round(statistics.fmean(self.calls_ms), 2),
            "first_ms": round(self.first_ms, 2),
            "budget_p99_ms": self.budget_p99_ms,
            "verdict": self.verdict,
            "dialled": self.dialled,
            "queued": self.queued,
            "queue_kept": self.kept_queue,
            "customer_cache": {
                "hits": self.cache_hits,
                "misses": self.cache_misses,
                "emptied_per_call": self.cold_cache,
            },
            "includes": list(self.includes),
            "caveat": CAVEAT,
        }


def format_report(result: VoiceResult) -> str:
    r = result
    callers = " and ".join(r.samples)
    spare = r.budget_p99_ms - r.p99_ms
    note = f"{spare:.0f} ms to spare" if spare >= 0 else f"{-spare:.0f} ms over"
    cache = (
        "emptied before each call: every lookup reads DynamoDB"
        if r.cold_cache
        else f"{r.cache_hits} hits, {r.cache_misses} misses over the timed calls"
    )
    queue = (
        "left on the queue (moto's SQS slows as its queue fills)"
        if r.kept_queue
        else "each deleted after its call, untimed (moto's SQS slows as its queue fills, AWS's does not)"
    )
    dialled = "; ".join(
        f"{name} → " + ", ".join(f"{number} ×{n}" for number, n in numbers.items())
        for name, numbers in r.dialled.items()
    )
    lines = [
        "Live call – the Twilio voice webhook's TwiML answer, wall clock from send to the last byte, "
        "on the local platform (`make run` without the replay)",
        f"  {r.count} calls after {r.warmup} warm-up requests, alternately {callers}, each a new CallSid",
        "  each answer's time includes:",
        *(f"    - {part}" for part in r.includes),
        f"  customer cache: {cache}",
        f"  events queue: {r.queued} messages queued by the timed calls, {queue}",
        f"  {CAVEAT}",
        f"  {'calls':>7} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8}",
        f"  {r.count:>7} {r.p50_ms:>8.1f} {r.p90_ms:>8.1f} {r.p99_ms:>8.1f} {r.max_ms:>8.1f}",
        f"  first request (the platform's first: first-use imports and wiring, a customer read): {r.first_ms:.1f} ms",
        f"  every answer dialled someone: {dialled}",
        f"  budget: p99 ≤ {r.budget_p99_ms:g} ms: {r.p99_ms:.1f} ms  {r.verdict} ({note})",
    ]
    return "\n".join(lines)


def summary(result: VoiceResult) -> str:
    """A sentence for the README line."""
    return (
        f"Live call TwiML answer on the local platform ({result.count} calls): p50 {result.p50_ms:.1f} ms, "
        f"p99 {result.p99_ms:.1f} ms (budget ≤ {result.budget_p99_ms:g} ms, {result.verdict}), "
        f"first request {result.first_ms:.0f} ms."
    )
