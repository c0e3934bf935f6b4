"""The decisions benchmark at toy sizes: its rules validate and its report has the right shape; no time is checked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from bench import cold_start, decisions, rulesets, workload
from bench.__main__ import main
from bench.cold_start_report import Sample
from bench.decisions import DecisionsResult, RouteCountResult
from bench.timing import Timing
from cli.compile import RULES_YAML, compile_text
from local.samples import EVENTS_DIR

SHIPPED = RULES_YAML.read_text("utf-8")
SHIPPED_ROUTES = [r["name"] for r in yaml.safe_load(SHIPPED)["routes"]]


def _conditions(node: Any) -> list[str]:
    """Every condition kind and operator used under ``node``."""
    if isinstance(node, list):
        return [k for item in node for k in _conditions(item)]
    if not isinstance(node, dict):
        return []
    if "fact" in node:
        return [next(k for k in node if k != "fact")]
    return [k for key, value in node.items() for k in [key, *_conditions(value)]]


def test_synthetic_routes_validate_and_come_before_the_shipped_ones() -> None:
    text, synthetic = rulesets.rules_text(100, SHIPPED)

    compiled, rules = compile_text(text, "bench/routing-100.yaml")

    names = [r.name for r in rules.routes]
    assert len(names) == 100
    assert names[-len(SHIPPED_ROUTES) :] == SHIPPED_ROUTES
    assert set(names[: 100 - len(SHIPPED_ROUTES)]) == synthetic
    used = set(_conditions([r["when"] for r in compiled["rules"]["routes"][: len(synthetic)]]))
    assert {"all", "any", "not", "in_calendar", "eq", "in", "gte", "contains_any", "matches"} <= used


def test_rules_text_is_deterministic_and_refuses_fewer_routes_than_shipped() -> None:
    assert rulesets.rules_text(30, SHIPPED) == rulesets.rules_text(30, SHIPPED)
    with pytest.raises(ValueError, match="fewer than"):
        rulesets.rules_text(len(SHIPPED_ROUTES) - 1, SHIPPED)


def test_samples_without_an_offline_adapter_are_skipped_and_named(tmp_path: Path) -> None:
    (tmp_path / "widget").mkdir()
    (tmp_path / "widget" / "free-howto.json").write_bytes((EVENTS_DIR / "widget" / "free-howto.json").read_bytes())
    (tmp_path / "pigeon").mkdir()
    (tmp_path / "pigeon" / "coo.json").write_text('{"path": "/webhooks/pigeon", "body": {}}', encoding="utf-8")

    events, skipped = workload.sample_events(tmp_path)

    assert [name for name, _ in events] == ["widget/free-howto"]
    assert len(skipped) == 1
    assert skipped[0].startswith("pigeon/coo (")


def test_customers_are_unique_and_spread_over_plans() -> None:
    people = workload.make_customers(300)

    assert len({c.email for c in people}) == 300
    assert {c.plan for c in people} == {"free", "pro", "enterprise"}
    assert any(c.vip for c in people)


def test_a_tiny_run_reports_rates_percentiles_and_synthetic_matches() -> None:
    # the shipped rules' own routes, then two synthetic ones more
    shipped = len(SHIPPED_ROUTES)
    result = decisions.run(route_counts=(shipped, shipped + 2), customers=200, decisions=50, compile_runs=1)

    assert [r.routes for r in result.by_routes] == [shipped, shipped + 2]
    assert [r.synthetic for r in result.by_routes] == [0, 2]
    for r in result.by_routes:
        for timing in (r.decide, r.full):
            assert timing.count == 50
            assert timing.per_second > 0
            assert 0 < timing.p50_ms <= timing.p99_ms <= timing.max_ms
        # the synthetic routes are meant never to match: every decision evaluates them all
        assert r.synthetic_matched == 0
        assert sum(r.final_routes.values()) == 50
        assert r.build_ms and r.load_ms
    assert sum(result.senders.values()) == 50
    # neither budgeted size was run: no verdict rather than a made-up one
    assert result.rate_verdict is None
    assert result.p99_verdict is None
    # reading alone is timed over the same 50 inputs, and the report says its share of a decision
    assert result.reading is not None and result.reading.count == 50
    figures = json.loads(json.dumps(result.to_dict()))
    assert figures["by_routes"][1]["decide"]["decisions"] == 50
    assert figures["reading"]["decisions"] == 50
    report = decisions.format_report(result)
    assert "not measured" in report
    assert "reading the message" in report


def test_percentiles_are_nearest_rank() -> None:
    timing = Timing(tuple(n * 1_000_000 for n in range(1, 101)), elapsed_ns=2_000_000_000)

    assert timing.p50_ms == 50
    assert timing.p99_ms == 99
    assert timing.max_ms == 100
    assert timing.per_second == 50


def canned(rate_ns: int, p99_ns: int) -> DecisionsResult:
    """Results at the two budgeted sizes: 100 calls each, every call taking the given time."""

    def at(routes: int, ns: int) -> RouteCountResult:
        timing = Timing((ns,) * 100, ns * 100)
        return RouteCountResult(routes, routes - 10, (1.0,), (1.0,), timing, timing, 0, {"default": 100})

    return DecisionsResult(
        by_routes=(at(100, rate_ns), at(1000, p99_ns)),
        customers=10_000,
        senders={"email": 100},
        events=("widget/x",),
        skipped=(),
        channels={"widget": 100},
        compile_runs=1,
    )


@pytest.mark.parametrize(
    ("rate_ns", "p99_ns", "verdicts"),
    [
        pytest.param(90_000, 900_000, ("PASS", "PASS"), id="both-pass"),
        pytest.param(110_000, 1_100_000, ("UNDER", "OVER"), id="both-miss"),
    ],
)
def test_verdicts_against_the_budgets(rate_ns: int, p99_ns: int, verdicts: tuple[str, str]) -> None:
    result = canned(rate_ns, p99_ns)

    assert (result.rate_verdict, result.p99_verdict) == verdicts
    report = decisions.format_report(result)
    assert f"at 100 routes: {1e9 / rate_ns:,.0f}/s  {verdicts[0]}" in report
    assert verdicts[1] in report


def _canned_cold(runs: int, **_: object) -> cold_start.ColdStartResult:
    def timing(name: str, cpu_ms: float) -> cold_start.PathTiming:
        return cold_start.PathTiming(name, name, (Sample(cpu_ms, 0.0, 10, cpu_ms, 0.0),))

    return cold_start.ColdStartResult(
        runs=runs,
        stack=timing("stack", 105.0),
        ingest_floor=timing("ingest floor", 100.0),
        ingest=timing("ingest", 110.0),
        triage_floor=timing("triage floor", 100.0),
        triage=timing("triage", 120.0),
    )


#: the benchmarks on the local platform and in fresh processes: each has a test of its own, and here they took minutes
NEW = ["--skip-snapshot", "--skip-cost", "--skip-burst"]


def test_main_adds_decisions_to_the_report_and_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    asked: dict[str, Any] = {}

    def canned_run(**kwargs: Any) -> DecisionsResult:
        asked.update(kwargs)
        return canned(40_000, 900_000)

    monkeypatch.setattr(cold_start, "run", _canned_cold)
    monkeypatch.setattr(decisions, "run", canned_run)
    out = tmp_path / "bench.json"

    # the other benchmarks have tests of their own (tests/*/test_bench_*.py): run here, they took minutes
    others = ["--skip-voice", "--skip-fuzz", "--skip-reliability", "--skip-replies", "--skip-console", *NEW]
    assert main(["--quick", *others, "--json", str(out), "--zip", str(tmp_path / "missing.zip")]) == 0

    assert asked["decisions"] == decisions.QUICK_DECISIONS
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures["cold_start"]["runs"] == cold_start.QUICK_RUNS
    assert figures["decisions"]["budgets"]["decide_per_second"]["verdict"] == "PASS"
    assert "25,000 decisions/s at 100 routes" in figures["summary"]
    assert "(b) per message" in capsys.readouterr().out


def test_main_can_skip_decisions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(**_: Any) -> DecisionsResult:
        raise AssertionError("--skip-decisions ran the decisions benchmark")

    monkeypatch.setattr(cold_start, "run", _canned_cold)
    monkeypatch.setattr(decisions, "run", refuse)
    out = tmp_path / "bench.json"

    others = ["--skip-voice", "--skip-fuzz", "--skip-reliability", "--skip-replies", "--skip-console", *NEW]
    assert main(["--runs", "2", "--skip-decisions", *others, "--json", str(out), "--zip", str(tmp_path / "x.zip")]) == 0

    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures["cold_start"]["runs"] == 2
    assert figures["decisions"] is None
