"""Timing decide() calls: per-call latencies, the loop's wall time, and how busy the rest of the machine was."""

from __future__ import annotations

import gc
import math
import os
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.workload import Input


@dataclass(frozen=True)
class Timing:
    """Per-call latencies (sorted) and the whole loop's wall time, timer overhead included."""

    sorted_ns: tuple[int, ...]
    elapsed_ns: int
    #: CPUs other processes kept busy meanwhile (None off Linux): on a small shared machine they slow us down
    others_cpu: float | None = None

    @property
    def count(self) -> int:
        return len(self.sorted_ns)

    @property
    def per_second(self) -> float:
        return self.count / (self.elapsed_ns / 1e9)

    def percentile_ms(self, q: float) -> float:
        # nearest rank: p99 of 500 calls is the 495th fastest, a latency that really happened
        rank = math.ceil(round(q * self.count / 100, 9))  # round: 99 * 500 / 100 must not become 495.0000001
        return self.sorted_ns[max(0, rank - 1)] / 1e6

    @property
    def p50_ms(self) -> float:
        return self.percentile_ms(50)

    @property
    def p99_ms(self) -> float:
        return self.percentile_ms(99)

    @property
    def max_ms(self) -> float:
        return self.sorted_ns[-1] / 1e6

    def to_dict(self) -> dict[str, Any]:
        return {
            "decisions": self.count,
            "per_second": round(self.per_second),
            "p50_ms": round(self.p50_ms, 4),
            "p99_ms": round(self.p99_ms, 4),
            "max_ms": round(self.max_ms, 4),
            "mean_ms": round(statistics.fmean(self.sorted_ns) / 1e6, 4),
            "others_cpu": None if self.others_cpu is None else round(self.others_cpu, 2),
        }


def _busy_seconds() -> float | None:
    """CPU seconds the whole machine has spent busy since boot, from /proc/stat; None where there is none."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    # user nice system idle iowait irq softirq steal: all but idle and iowait are busy (steal: the host gave
    # our virtual CPU to someone else, which slows this process just the same)
    ticks = [int(f) for f in fields[:8]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def _own_seconds() -> float:
    times = os.times()
    return times.user + times.system


def timed(
    call: Callable[[Input], tuple[str, ...]], inputs: Sequence[Input], warmup: int
) -> tuple[Timing, list[tuple[str, ...]]]:
    """Warm up, then time every call; returns the timing and each decision's route path."""
    for x in inputs[:warmup]:
        call(x)
    # the set-up's garbage is collected now rather than inside the first timed calls; the collector
    # stays on, because a container runs with it on and its pauses belong in the p99
    gc.collect()
    clock = time.perf_counter_ns
    latencies = [0] * len(inputs)
    paths: list[tuple[str, ...]] = [()] * len(inputs)
    busy0, own0 = _busy_seconds(), _own_seconds()
    start = clock()
    for i, x in enumerate(inputs):
        t0 = clock()
        path = call(x)
        latencies[i] = clock() - t0
        paths[i] = path
    elapsed = clock() - start
    busy1, own1 = _busy_seconds(), _own_seconds()
    others = None
    if busy0 is not None and busy1 is not None:
        others = max(0.0, (busy1 - busy0) - (own1 - own0)) / (elapsed / 1e9)
    return Timing(tuple(sorted(latencies)), elapsed, others), paths
