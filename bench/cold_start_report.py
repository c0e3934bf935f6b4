"""The cold-start bench's figures: samples, medians, ratios to each path's floor, verdicts and the report."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

#: a path's import + first invocation may cost at most this times its floor (stack + the same clients)
BUDGETS = {"ingest": 1.1, "triage": 1.2}
#: each alternative row: the standard construct it puts back, and the hand-made replacement in use
ALTERNATIVES = {
    "triage, Powertools batch": "partial_batch (api/triage_handler.py) instead of Powertools' process_partial_response",
    "triage, rules by pydantic": "rules read into Records (routing/reader.py) instead of validated by the pydantic schema",
}
RECORDS = "the Record type (routing/record.py) instead of typing.NamedTuple"


@dataclass(frozen=True)
class Sample:
    """One fresh process: its two timed phases, its imports, and its requests to moto."""

    import_ms: float
    call_ms: float
    modules: int
    moto_ms: float = 0.0
    calls: dict[str, int] = field(default_factory=dict)
    #: Record subclasses the process defined, and what defining them as typing.NamedTuples took
    records: int = 0
    namedtuples_ms: float = 0.0

    @property
    def total_ms(self) -> float:
        return self.import_ms + self.call_ms


@dataclass(frozen=True)
class PathTiming:
    name: str
    description: str
    samples: tuple[Sample, ...]

    @property
    def samples_ms(self) -> tuple[float, ...]:
        return tuple(s.total_ms for s in self.samples)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples_ms)

    def median(self, figure: str) -> float:
        return float(statistics.median(float(getattr(s, figure)) for s in self.samples))

    @property
    def modules(self) -> int:
        # the same in every run unless the import graph changed: the last run's
        return self.samples[-1].modules

    @property
    def calls(self) -> dict[str, int]:
        return self.samples[-1].calls

    def to_dict(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "median_ms": round(self.median_ms, 1),
            "min_ms": round(min(self.samples_ms), 1),
            "max_ms": round(max(self.samples_ms), 1),
            "samples_ms": [round(s, 1) for s in self.samples_ms],
            "import_median_ms": round(self.median("import_ms"), 1),
            "first_call_median_ms": round(self.median("call_ms"), 1),
            "moto_median_ms": round(self.median("moto_ms"), 1),
            "aws_calls": self.calls,
            "modules_imported": self.modules,
        }


@dataclass(frozen=True)
class ColdStartResult:
    runs: int
    stack: PathTiming
    ingest_floor: PathTiming
    ingest: PathTiming
    triage_floor: PathTiming
    triage: PathTiming
    #: the triage path with a standard construct put back in place of a hand-made one (ALTERNATIVES)
    alternatives: tuple[PathTiming, ...] = ()
    budgets: dict[str, float] = field(default_factory=lambda: dict(BUDGETS))

    def floor(self, name: str) -> PathTiming:
        return self.ingest_floor if name == "ingest" else self.triage_floor

    @property
    def ratios(self) -> dict[str, float]:
        return {p.name: p.median_ms / self.floor(p.name).median_ms for p in (self.ingest, self.triage)}

    def verdict(self, name: str) -> str:
        return "PASS" if self.ratios[name] <= self.budgets[name] else "OVER"

    def replacements(self) -> list[tuple[str, float, float]]:
        """Each hand-made replacement: (what, ms it saves on a triage cold start, triage's ratio without it)."""
        floor = self.triage_floor.median_ms
        found = [
            (ALTERNATIVES[alt.name], alt.median_ms - self.triage.median_ms, alt.median_ms / floor)
            for alt in self.alternatives
        ]
        if self.triage.median("records"):
            saved = self.triage.median("namedtuples_ms")
            found.append((RECORDS, saved, (self.triage.median_ms + saved) / floor))
        return found

    def to_dict(self) -> dict[str, Any]:
        paths: dict[str, Any] = {p.name: p.to_dict() for p in (self.stack, self.ingest_floor, self.triage_floor)}
        for timing in (self.ingest, self.triage):
            paths[timing.name] = {
                **timing.to_dict(),
                "floor_ms": round(self.floor(timing.name).median_ms, 1),
                "ratio": round(self.ratios[timing.name], 3),
                "budget": self.budgets[timing.name],
                "verdict": self.verdict(timing.name),
            }
        replacements = [
            {"replacement": what, "saves_ms": round(saved, 1), "triage_ratio_without": round(ratio, 3)}
            for what, saved, ratio in self.replacements()
        ]
        return {"runs": self.runs, "budgets": self.budgets, "paths": paths, "replacements": replacements}


def _calls(calls: dict[str, int]) -> str:
    return ", ".join(f"{op}" + (f"×{n}" if n > 1 else "") for op, n in calls.items()) or "none"


def format_report(result: ColdStartResult) -> str:
    lines = [
        f"Cold start – import + first invocation in a fresh process, median of {result.runs} interleaved runs",
        "  (a path's AWS requests go to a moto server on loopback; its floor is the stack plus the same clients)",
    ]
    if result.runs < 10:
        lines.append(f"  (only {result.runs} runs: indicative, not a budget measurement; use --runs 10 or more)")
    lines.append(
        f"  {'path':<13} {'median':>8} {'ratio':>6} {'budget':>7} {'verdict':<7} {'modules':>7}   breakdown (medians)"
    )
    for timing in (result.stack, result.ingest_floor, result.ingest, result.triage_floor, result.triage):
        name = timing.name
        if name in result.budgets:
            judged = f"{result.ratios[name]:5.2f}× ≤{result.budgets[name]:4.2f}× {result.verdict(name):<7}"
            moto = f", of which moto answering {_calls(timing.calls)}: {timing.median('moto_ms'):.1f} ms"
            parts = f"import app {timing.median('import_ms'):.1f} + first call {timing.median('call_ms'):.1f}{moto}"
        else:
            judged = " " * 22
            parts = f"libraries {timing.median('import_ms'):.1f}" + (
                f" + clients {timing.median('call_ms'):.1f}" if timing.median("call_ms") else ""
            )
        lines.append(f"  {name:<13} {timing.median_ms:6.1f} ms {judged} {timing.modules:7d}   {parts}")
    for name in result.budgets:
        timing, floor = getattr(result, name), result.floor(name)
        # in milliseconds, because that is what a fix has to win back
        spare = floor.median_ms * result.budgets[name] - timing.median_ms
        moto = timing.median("moto_ms")
        lines.append(
            f"  {name}: {abs(spare):.0f} ms {'to spare' if spare >= 0 else 'over'}; without moto's answers it would be "
            f"{(timing.median_ms - moto) / floor.median_ms:.2f}× its floor"
        )
    if result.replacements():
        lines.append("  hand-made replacements of standard constructs on the triage path, against its budget:")
        budget = result.budgets["triage"]
        for what, saved, ratio in result.replacements():
            pays = (
                "still pays for itself" if ratio > budget else "no longer pays for itself (the budget holds without it)"
            )
            lines.append(f"    {what}: saves {saved:.1f} ms; without it triage would be {ratio:.2f}×: {pays}")
    return "\n".join(lines)
