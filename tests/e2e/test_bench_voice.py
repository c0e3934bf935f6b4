"""The live-call benchmark on the e2e platform, with a few calls: every answer dials someone (no timing asserted)."""

from __future__ import annotations

import pytest

from bench import voice, voice_report
from local.platform import Platform

pytestmark = pytest.mark.e2e

CALLS = 5


def test_every_live_call_is_answered_with_a_dial_and_queued(platform: Platform) -> None:
    result = voice.measure(platform, calls=CALLS, warmup=2)

    assert result.count == CALLS and all(ms > 0 for ms in result.calls_ms) and result.first_ms > 0
    assert result.samples == ("twilio/call-01-incoming", "twilio/night-call-marco")
    # alternately the two callers, every answer a <Dial> to someone
    assert {name: sum(numbers.values()) for name, numbers in result.dialled.items()} == {
        "twilio/call-01-incoming": 3,
        "twilio/night-call-marco": 2,
    }
    assert all(number.startswith("…") for numbers in result.dialled.values() for number in numbers)
    assert result.queued == CALLS  # one message per call on the events queue, deleted again
    assert result.cache_hits + result.cache_misses == CALLS
    assert result.p50_ms <= result.p90_ms <= result.p99_ms <= result.max_ms
    # the verdict is the measured p99 against the budget, whichever way it falls on this machine
    assert result.verdict == ("PASS" if result.p99_ms <= voice_report.BUDGET_P99_MS else "OVER")
    assert max(result.calls_ms) == result.max_ms and min(result.calls_ms) <= result.p50_ms

    figures = result.to_dict()
    assert figures["calls"] == CALLS and figures["budget_p99_ms"] == voice_report.BUDGET_P99_MS
    assert figures["verdict"] == result.verdict and figures["p99_ms"] == round(result.p99_ms, 2)
    report = voice_report.format_report(result)
    assert f"{CALLS} calls after 2 warm-up requests" in report
    assert "budget: p99 ≤ 300 ms" in report
    assert f"{result.p99_ms:.1f} ms  {result.verdict}" in report


def test_a_cold_cache_reads_the_customer_table_on_every_call(platform: Platform) -> None:
    result = voice.measure(platform, calls=2, warmup=1, cold_cache=True, keep_queue=True)

    assert result.cache_misses == 2 and result.cache_hits == 0
    assert result.queued == 2  # left on the queue while timing, collected after
