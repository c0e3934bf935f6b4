"""The burst's CPU figures: per message, by process, the senders' CPU kept out of the platform's."""

from __future__ import annotations

import pytest

from bench.burst_report import Cpu


@pytest.mark.parametrize(
    ("cpu", "platform_ms", "moto_ms"),
    [
        pytest.param(Cpu(messages=200, process_s=6.0, senders_s=0.4, moto_s=8.0), 28.0, 40.0, id="both processes"),
        pytest.param(
            Cpu(messages=200, process_s=6.0, senders_s=0.0, moto_s=None), 30.0, None, id="no /proc: moto unknown"
        ),
    ],
)
def test_cpu_per_message_by_process(cpu: Cpu, platform_ms: float, moto_ms: float | None) -> None:
    # GIVEN CPU seconds measured over a burst / WHEN read per message
    figures = cpu.to_dict()
    # THEN the platform's excludes the senders', and an unknown figure stays unknown
    assert figures["platform_ms_per_message"] == platform_ms
    assert figures["moto_ms_per_message"] == moto_ms
