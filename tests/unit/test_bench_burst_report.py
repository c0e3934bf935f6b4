"""The burst's figures: nearest-rank percentiles, the verdict against the budget, every error counted, the report."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from bench.burst_report import BUDGET_PAGE_P99_MS, BurstResult, Latencies, Sent, format_report, summary


def result(**changes: Any) -> BurstResult:
    sent = tuple(
        Sent(label=f"widget/m-{i}", kind="paging" if i < 2 else "outage", status=202, ms=10.0 + i, late_ms=0.0)
        for i in range(10)
    )
    base = BurstResult(
        count=10, seconds=1.0, senders=2, clock="2026-11-17T15:00:05+00:00", sent=sent, send_span_s=1.0,
        page_ms=Latencies((400.0, 1500.0)), pages_expected=2, pages_missing=(), pages_undelivered=(),
        drain_s=0.5, tickets_expected=10, tickets_found=10, tickets_missing=0, tickets_duplicated=0,
        dead_letters=0, worker_errors=(), incidents=1, incident_reports=8, outage_pages=1, outage_publishes=2,
        mix={"outage": 8, "ordinary": 0, "paging": 2}, providers={"widget": 10},
    )  # fmt: skip
    return replace(base, **changes)


@pytest.mark.parametrize(
    ("values", "p50", "p99", "top"),
    [
        pytest.param(tuple(float(v) for v in range(1, 101)), 50.0, 99.0, 100.0, id="100 values: ranks 50 and 99"),
        pytest.param(tuple(float(v) for v in range(200, 0, -1)), 100.0, 198.0, 200.0, id="unsorted, 200 values"),
        pytest.param((7.0,), 7.0, 7.0, 7.0, id="one value is every percentile"),
        pytest.param((), None, None, None, id="none: no figure, not zero"),
    ],
)
def test_percentiles_are_nearest_rank(
    values: tuple[float, ...], p50: float | None, p99: float | None, top: float | None
) -> None:
    lat = Latencies(values)
    assert (lat.p50, lat.p99, lat.max, lat.count) == (p50, p99, top, len(values))


@pytest.mark.parametrize(
    ("changes", "verdict"),
    [
        pytest.param({}, "PASS", id="p99 within the budget"),
        pytest.param({"page_ms": Latencies((400.0, BUDGET_PAGE_P99_MS))}, "PASS", id="exactly the budget"),
        pytest.param({"page_ms": Latencies((400.0, BUDGET_PAGE_P99_MS + 1))}, "OVER", id="a millisecond over"),
        pytest.param({"pages_missing": ("twilio/vip-sms-1",)}, "OVER", id="a page missing is never a pass"),
        pytest.param({"page_ms": Latencies(())}, "OVER", id="no page at all"),
    ],
)
def test_the_verdict_holds_the_page_p99_to_the_budget(changes: dict[str, Any], verdict: str) -> None:
    assert result(**changes).verdict == verdict


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        pytest.param({}, 0, id="clean"),
        pytest.param(
            {"sent": (Sent("x/1", "outage", 500, 3.0, 0.0), Sent("x/2", "outage", 0, 3.0, 0.0))},
            2,
            id="a 500 and no answer",
        ),
        pytest.param({"tickets_missing": 2, "tickets_duplicated": 1}, 3, id="tickets missing and duplicated"),
        pytest.param({"dead_letters": 4}, 4, id="dead letters"),
        pytest.param({"pages_missing": ("a",), "pages_undelivered": ("b",)}, 2, id="pages missing or not delivered"),
        pytest.param({"worker_errors": ("⚠ record failed",)}, 1, id="a worker error"),
        pytest.param({"drain_s": None}, 1, id="the queue never drained"),
    ],
)
def test_every_kind_of_error_is_counted(changes: dict[str, Any], errors: int) -> None:
    assert result(**changes).errors == errors


def test_late_sends_are_counted_as_falling_behind() -> None:
    sent = (Sent("x/1", "outage", 202, 3.0, 10.0), Sent("x/2", "outage", 202, 3.0, 900.0))
    r = result(sent=sent)
    assert r.fell_behind == 1 and r.late.max == 900.0
    assert "fell behind: 1 webhooks" in format_report(r)


def test_a_late_page_is_reported_with_its_timeline() -> None:
    # GIVEN a run whose second page came after the budget, with what its timeline says
    late = "widget/m-1 (2,500 ms: 15:00:07.100 page-opened: page P-1 opened at P1)"
    r = result(page_ms=Latencies((400.0, 2500.0)), pages_late=(late,))
    # WHEN reported / THEN the verdict is over, and the report and the figures name the late page with its timeline
    assert r.verdict == "OVER"
    assert f"    late page: {late}" in format_report(r)
    assert r.to_dict()["pages"]["later_than_budget"] == [late]


def test_the_figures_as_json_and_as_the_report() -> None:
    # GIVEN a run with a 503 among the answers
    sent = (*result().sent[:9], Sent("widget/m-9", "outage", 503, 30.0, 0.0))
    r = result(sent=sent)
    # WHEN written out / THEN every figure is there, JSON-serialisable, and the report says the budget and verdict
    figures = json.loads(json.dumps(r.to_dict()))
    assert figures["webhook_to_page"] == {"count": 2, "p50_ms": 400.0, "p99_ms": 1500.0, "max_ms": 1500.0}
    assert figures["webhook_to_2xx"]["count"] == 9 and figures["statuses"] == {"202": 9, "503": 1}
    assert figures["verdict"] == "PASS" and figures["budget_page_p99_ms"] == BUDGET_PAGE_P99_MS
    assert figures["outage"] == {"incidents": 1, "linked_reports": 8, "pages": 1, "sns_messages": 2}
    assert figures["errors"] == 1 and figures["drain_s"] == 0.5
    report = format_report(r)
    assert "budget p99 ≤ 2,000 ms: PASS" in report and "503: 1" in report
    assert "8 reports → 1 suspected incident(s)" in report
    assert "page p99 1,500 ms (budget ≤ 2,000 ms, PASS)" in summary(r)
