"""The benchmarks run and report numbers; no test here times anything or checks a threshold."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import cold_start
from bench.__main__ import main
from bench.cold_start_report import Sample


def test_cold_start_children_write_no_bytecode_into_the_checkout() -> None:
    # the children cache .pyc files (or every run would charge our code for compiling itself), elsewhere
    prefix = Path(cold_start.child_env()["PYTHONPYCACHEPREFIX"])
    assert prefix.is_absolute()
    assert not prefix.resolve().is_relative_to(cold_start.PROJECT_ROOT.resolve())


def test_main_prints_the_report_and_writes_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def canned_run(runs: int, **_: object) -> cold_start.ColdStartResult:
        # the real run is tests/functional/test_bench_cold_start.py; here only the report and the JSON plumbing matter
        def timing(name: str, cpu_ms: float) -> cold_start.PathTiming:
            return cold_start.PathTiming(name, name, (Sample(cpu_ms, 0.0, 10, cpu_ms, 0.0),))

        return cold_start.ColdStartResult(
            runs=runs,
            stack=timing("stack", 90.0),
            ingest_floor=timing("ingest floor", 100.0),
            ingest=timing("ingest", 105.0),
            triage_floor=timing("triage floor", 110.0),
            triage=timing("triage", 150.0),
        )

    monkeypatch.setattr(cold_start, "run", canned_run)
    out = tmp_path / "bench.json"

    assert (
        main(
            [
                *("--quick", "--skip-decisions", "--skip-voice", "--skip-fuzz", "--skip-reliability"),
                # each has a test of its own; here they would take minutes
                *("--skip-snapshot", "--skip-cost", "--skip-burst"),
                *("--json", str(out), "--zip", str(tmp_path / "missing.zip")),
            ]
        )
        == 0
    )

    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures["cold_start"]["runs"] == cold_start.QUICK_RUNS
    assert figures["cold_start"]["paths"]["ingest"]["verdict"] == "PASS"
    assert figures["cold_start"]["paths"]["triage"]["verdict"] == "OVER"
    assert figures["cold_start"]["paths"]["ingest"]["ratio"] == 1.05
    assert figures["cold_start"]["paths"]["triage"]["ratio"] == round(150 / 110, 3)
    assert figures["package_size"] is None
    printed = capsys.readouterr().out
    assert "make package" in printed
    # the budgets table closes the report with this run's verdicts, and the JSON keeps its rows
    assert "| Cold start, triage: `import app`" in printed
    verdicts = [row["verdict"] for row in figures["budgets"]]
    assert verdicts[:2] == ["PASS", "OVER"]
    assert figures["budgets"][2]["what"].startswith("CPU per webhook")
    assert f"Summary: {figures['summary']}" in printed
