"""The benchmarks run and report numbers; no test here times anything or checks a threshold."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import pytest

from bench import cold_start
from bench.__main__ import main


def test_cold_start_quick_run_reports_medians_and_ratios() -> None:
    result = cold_start.run(runs=cold_start.QUICK_RUNS)

    for timing in (result.floor, result.stack, result.ingest, result.triage):
        assert len(timing.samples_ms) == cold_start.QUICK_RUNS
        assert timing.median_ms > 0
        assert timing.modules > 0
    assert set(result.ratios) == {"stack", "ingest", "triage"}
    assert all(ratio > 0 for ratio in result.ratios.values())
    # the stack row loads pydantic's model machinery and Powertools, which the floor does not
    assert result.stack.modules > result.floor.modules
    paths = result.to_dict()["paths"]
    floor = statistics.median(result.floor.samples_ms)
    for timing in (result.stack, result.ingest, result.triage):
        # the report's ratio is the measured medians' ratio, and its verdict is that ratio against the budget
        ratio = statistics.median(timing.samples_ms) / floor
        assert paths[timing.name]["ratio"] == round(ratio, 3)
        assert result.verdict(timing.name) == ("PASS" if ratio <= cold_start.BUDGET_RATIO else "OVER")
        assert paths[timing.name]["median_ms"] == round(statistics.median(timing.samples_ms), 1)
    for name in ("ingest", "triage"):
        assert paths[name]["verdict"] == result.verdict(name)
        over_stack = statistics.median(getattr(result, name).samples_ms) / statistics.median(result.stack.samples_ms)
        assert paths[name]["ratio_to_stack"] == round(over_stack, 3)


def test_cold_start_children_write_no_bytecode_into_the_checkout() -> None:
    # the children cache .pyc files (or every run would charge our code for compiling itself), elsewhere
    prefix = Path(cold_start.child_env()["PYTHONPYCACHEPREFIX"])
    assert prefix.is_absolute()
    assert not prefix.resolve().is_relative_to(cold_start.PROJECT_ROOT.resolve())


@pytest.mark.parametrize(
    ("floor", "triage", "verdict"),
    [
        pytest.param(100.0, 130.0, "PASS", id="at-the-budget"),
        pytest.param(100.0, 130.2, "OVER", id="just-over"),
        pytest.param(100.0, 90.0, "PASS", id="under-the-floor"),
    ],
)
def test_the_verdict_is_the_ratio_against_the_budget(floor: float, triage: float, verdict: str) -> None:
    timing = cold_start.PathTiming
    result = cold_start.ColdStartResult(
        runs=1,
        floor=timing("floor", "floor", (floor,), 1),
        stack=timing("stack", "stack", (floor,), 1),
        ingest=timing("ingest", "ingest", (floor,), 1),
        triage=timing("triage", "triage", (triage,), 1),
    )
    assert result.verdict("triage") == verdict
    assert result.to_dict()["paths"]["triage"]["verdict"] == verdict


def test_main_prints_the_report_and_writes_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def canned_run(runs: int, **_: object) -> cold_start.ColdStartResult:
        # the real run is covered above; here only the report and the JSON plumbing matter
        timing = cold_start.PathTiming
        return cold_start.ColdStartResult(
            runs=runs,
            floor=timing("floor", "floor", (100.0, 110.0, 90.0), 10),
            stack=timing("stack", "stack", (110.0, 112.0, 108.0), 15),
            ingest=timing("ingest", "ingest", (120.0, 125.0, 115.0), 20),
            triage=timing("triage", "triage", (150.0, 160.0, 140.0), 30),
        )

    monkeypatch.setattr(cold_start, "run", canned_run)
    out = tmp_path / "bench.json"

    assert (
        main(
            [
                *("--quick", "--skip-decisions", "--skip-voice", "--skip-fuzz", "--skip-reliability"),
                *("--json", str(out), "--zip", str(tmp_path / "missing.zip")),
            ]
        )
        == 0
    )

    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures["cold_start"]["runs"] == cold_start.QUICK_RUNS
    assert figures["cold_start"]["paths"]["ingest"]["verdict"] == "PASS"
    assert figures["cold_start"]["paths"]["triage"]["verdict"] == "OVER"
    assert figures["cold_start"]["paths"]["stack"]["ratio"] == 1.1
    assert figures["cold_start"]["paths"]["ingest"]["ratio_to_stack"] == round(120 / 110, 3)
    assert figures["package_size"] is None
    printed = capsys.readouterr().out
    assert "make package" in printed
    assert f"Summary: {figures['summary']}" in printed
