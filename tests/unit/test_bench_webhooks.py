"""The per-webhook CPU benchmark runs over every provider's samples (it reports; it asserts no time)."""

from __future__ import annotations

from bench import webhooks


def test_every_provider_is_measured_on_its_samples():
    results = webhooks.run(repeats=2)
    assert [r.provider for r in results] == list(webhooks.PROVIDERS)
    for r in results:
        assert r.samples > 0 and r.median_ms > 0 and r.worst_ms >= r.median_ms
        assert r.worst_sample.startswith(f"{r.provider}/")
    assert "budget: median ≤ 0.5 ms per webhook" in webhooks.format_report(results)
