"""The cold-start bench's figures: samples, medians, ratios to each path's floor, verdicts and the report.

The ratio a verdict reads is the median, over the rounds, of the path's CPU time against its floor's in
the same round: the two run seconds apart, so a busy minute slows both. CPU time (user + system, both
phases) is, on an idle machine, the wall time less the waits for moto's answers; on a shared one it
leaves out other processes' turns on the CPU, which wall time counts (two cores shared by several
engineers' test runs tripled every wall figure, floors included, and not evenly). Wall time, what a
message really waits, is reported beside it with moto's share, so a reader can see both.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

#: a path's import + first invocation may cost at most this times its floor (stack + the same clients)
BUDGETS = {"ingest": 1.1, "triage": 1.2}
#: each alternative row: the hand-made replacement in use that the row puts the standard construct back for
ALTERNATIVES = {
    "triage, Powertools batch": "partial_batch (api/triage_handler.py) instead of Powertools' process_partial_response",
    "triage, rules by pydantic": "rules read into Records (routing/reader.py) instead of validated by pydantic",
    "ingest, Powertools Parameters": (
        "SecretSource's GetParameter with its own expiry (adapters/secrets.py) instead of Powertools' SSMProvider"
    ),
}
RECORDS = "the Record type (routing/record.py) instead of typing.NamedTuple"


@dataclass(frozen=True)
class Sample:
    """One fresh process: its two timed phases (wall and CPU), its imports, and its requests to moto."""

    import_ms: float
    call_ms: float
    modules: int
    import_cpu_ms: float = 0.0
    call_cpu_ms: float = 0.0
    #: moto's time answering the process's requests, measured at the server
    moto_ms: float = 0.0
    calls: dict[str, int] = field(default_factory=dict)
    #: Record subclasses the process defined, and the CPU time defining them as typing.NamedTuples took
    records: int = 0
    namedtuples_ms: float = 0.0

    @property
    def total_ms(self) -> float:
        return self.import_ms + self.call_ms

    @property
    def cpu_ms(self) -> float:
        return self.import_cpu_ms + self.call_cpu_ms


@dataclass(frozen=True)
class PathTiming:
    name: str
    description: str
    samples: tuple[Sample, ...]

    @property
    def samples_ms(self) -> tuple[float, ...]:
        """Wall time of each run (import + first call)."""
        return tuple(s.total_ms for s in self.samples)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def cpu_median_ms(self) -> float:
        return self.median("cpu_ms")

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
            "cpu_median_ms": round(self.cpu_median_ms, 1),
            "cpu_samples_ms": [round(s.cpu_ms, 1) for s in self.samples],
            "median_ms": round(self.median_ms, 1),
            "min_ms": round(min(self.samples_ms), 1),
            "max_ms": round(max(self.samples_ms), 1),
            "samples_ms": [round(s, 1) for s in self.samples_ms],
            "import_cpu_median_ms": round(self.median("import_cpu_ms"), 1),
            "first_call_cpu_median_ms": round(self.median("call_cpu_ms"), 1),
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
    #: each path's floor that also makes the path's requests, through the same clients
    ingest_calls: PathTiming | None = None
    triage_calls: PathTiming | None = None
    #: the triage path with a standard construct put back in place of a hand-made one (ALTERNATIVES)
    alternatives: tuple[PathTiming, ...] = ()
    budgets: dict[str, float] = field(default_factory=lambda: dict(BUDGETS))

    def floor(self, name: str) -> PathTiming:
        return self.ingest_floor if name == "ingest" else self.triage_floor

    @property
    def ratios(self) -> dict[str, float]:
        """CPU time against the floor's (what the verdicts read): the median of the rounds' ratios."""
        return {p.name: _paired(p, self.floor(p.name), "cpu_ms") for p in (self.ingest, self.triage)}

    @property
    def ratios_with_calls(self) -> dict[str, float]:
        """CPU time against a floor that makes the same requests: what is left is our code's."""
        found = {}
        for path, floor in ((self.ingest, self.ingest_calls), (self.triage, self.triage_calls)):
            if floor is not None:
                found[path.name] = _paired(path, floor, "cpu_ms")
        return found

    @property
    def wall_ratios(self) -> dict[str, float]:
        return {p.name: _paired(p, self.floor(p.name), "total_ms") for p in (self.ingest, self.triage)}

    def verdict(self, name: str) -> str:
        return "PASS" if self.ratios[name] <= self.budgets[name] else "OVER"

    def replacements(self) -> list[tuple[str, str, float, float]]:
        """Each hand-made replacement: (the path it is on, what, CPU ms it saves that path's cold start, the path's
        ratio without it)."""
        found = []
        for alt in self.alternatives:
            path = self.ingest if alt.name.startswith("ingest,") else self.triage
            saved = statistics.median(a.cpu_ms - t.cpu_ms for a, t in zip(alt.samples, path.samples, strict=True))
            found.append((path.name, ALTERNATIVES[alt.name], saved, _paired(alt, self.floor(path.name), "cpu_ms")))
        triage, floor = self.triage.samples, self.triage_floor.samples
        if self.triage.median("records"):
            without = statistics.median(
                (t.cpu_ms + t.namedtuples_ms) / f.cpu_ms for t, f in zip(triage, floor, strict=True)
            )
            found.append(("triage", RECORDS, self.triage.median("namedtuples_ms"), without))
        return found

    def to_dict(self) -> dict[str, Any]:
        floors = (self.stack, self.ingest_floor, self.ingest_calls, self.triage_floor, self.triage_calls)
        paths: dict[str, Any] = {p.name: p.to_dict() for p in floors if p is not None}
        for timing in (self.ingest, self.triage):
            paths[timing.name] = {
                **timing.to_dict(),
                "floor_cpu_ms": round(self.floor(timing.name).cpu_median_ms, 1),
                "ratio": round(self.ratios[timing.name], 3),
                "ratio_to_floor_with_calls": _rounded(self.ratios_with_calls.get(timing.name)),
                "wall_ratio": round(self.wall_ratios[timing.name], 3),
                "budget": self.budgets[timing.name],
                "verdict": self.verdict(timing.name),
            }
        for alt in self.alternatives:
            paths[alt.name] = alt.to_dict()
        replacements = [
            {"path": path, "replacement": what, "saves_cpu_ms": round(saved, 1), "ratio_without": round(ratio, 3)}
            for path, what, saved, ratio in self.replacements()
        ]
        return {"runs": self.runs, "budgets": self.budgets, "paths": paths, "replacements": replacements}


#: a saving below this share of the floor is within a median's run-to-run noise on a shared machine
NOISE = 0.02


def judge(with_it: float, without_it: float, budget: float, share: float) -> str:
    """Whether a hand-made replacement still pays for itself under the budget."""
    if without_it <= budget:
        return "no longer pays for itself, the budget holds without it"
    if with_it <= budget:
        return "pays for itself, the budget needs it"
    if share < NOISE:
        return "no longer pays for itself: the path is over budget either way and the saving is within the noise"
    return "the path is over budget even with it; the saving is real"


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _paired(path: PathTiming, floor: PathTiming, figure: str) -> float:
    """The median over rounds of the path's figure against its floor's in the same round (run seconds apart)."""
    ratios = [getattr(p, figure) / getattr(f, figure) for p, f in zip(path.samples, floor.samples, strict=True)]
    return float(statistics.median(ratios))


def _calls(calls: dict[str, int]) -> str:
    return ", ".join(op + (f"×{n}" if n > 1 else "") for op, n in calls.items()) or "none"


def format_report(result: ColdStartResult) -> str:
    lines = [
        f"Cold start – import + first invocation in a fresh process, median of {result.runs} interleaved runs",
        "  (AWS requests go to a moto server on loopback; each path's floor is the stack plus the same clients;",
        "   a ratio is the median of each round's CPU time against the floor's run beside it; +calls: against a",
        "   floor whose clients also make the path's requests, i.e. our code alone; wall time beside it)",
    ]
    if result.runs < 10:
        lines.append(f"  (only {result.runs} runs: indicative, not a budget measurement; use --runs 10 or more)")
    lines.append(
        f"  {'path':<18} {'CPU':>9} {'ratio':>6} {'budget':>6} {'verdict':<7} {'+calls':>6} {'wall':>9} {'ratio':>6}"
        f" {'modules':>7}   CPU breakdown"
    )
    rows = (
        result.stack,
        result.ingest_floor,
        result.ingest_calls,
        result.ingest,
        result.triage_floor,
        result.triage_calls,
        result.triage,
    )
    for timing in (row for row in rows if row is not None):
        name = timing.name
        if name in result.budgets:
            with_calls = result.ratios_with_calls.get(name)
            judged = f"{result.ratios[name]:5.2f}× ≤{result.budgets[name]:4.2f} {result.verdict(name):<7} " + (
                f"{with_calls:5.2f}×" if with_calls is not None else " " * 6
            )
            wall = f"{timing.median_ms:6.1f} ms {result.wall_ratios[name]:5.2f}×"
            parts = f"import app {timing.median('import_cpu_ms'):.1f} + first call {timing.median('call_cpu_ms'):.1f}"
        else:
            judged = " " * 27
            wall = f"{timing.median_ms:6.1f} ms {'':6}"
            parts = f"libraries {timing.median('import_cpu_ms'):.1f}"
            if timing.median("call_cpu_ms"):
                made = "clients and requests" if name.endswith("+calls") else "clients"
                parts += f" + {made} {timing.median('call_cpu_ms'):.1f}"
        lines.append(f"  {name:<18} {timing.cpu_median_ms:6.1f} ms {judged} {wall} {timing.modules:7d}   {parts}")
    for name in result.budgets:
        timing, floor = getattr(result, name), result.floor(name)
        # in milliseconds, because that is what a fix has to win back; from the paired ratio the verdict
        # reads (the two medians come from different rounds and can disagree with it on a busy machine)
        spare = floor.cpu_median_ms * (result.budgets[name] - result.ratios[name])
        lines.append(
            f"  {name}: {abs(spare):.0f} ms CPU {'to spare' if spare >= 0 else 'over'}; its wall time includes "
            f"{timing.median('moto_ms'):.1f} ms of moto answering {_calls(timing.calls)}"
        )
    replaced = result.replacements()
    for name in ("ingest", "triage"):
        mine = [(what, saved, ratio) for path, what, saved, ratio in replaced if path == name]
        if not mine:
            continue
        budget = result.budgets[name]
        lines.append(f"  hand-made replacements of standard constructs on the {name} path (budget ≤{budget:.2f}×):")
        for what, saved, ratio in mine:
            share = saved / result.floor(name).cpu_median_ms
            lines.append(
                f"    {what}: saves {saved:.1f} ms CPU ({share:.0%} of the floor); without it {name} would be "
                f"{ratio:.2f}×: {judge(result.ratios[name], ratio, budget, share)}"
            )
    return "\n".join(lines)
