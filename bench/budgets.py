"""The budgets of `make bench` in one table: each figure the issues set a budget for, measured in this run.

Printed last, in Markdown, so the README's performance section can show one run's table as it came.
A benchmark that was skipped leaves its rows out rather than showing a figure from another run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bench import cost_report, decisions
from bench.burst_report import BurstResult
from bench.cold_start_report import ColdStartResult
from bench.cost import BUDGET_REQUESTS, BUDGET_USD, CostResult
from bench.decisions import DecisionsResult
from bench.package_size import MB, PackageSizeResult
from bench.snapshot import Row
from bench.voice_report import VoiceResult
from bench.webhooks import BUDGET_MS, ProviderTiming


@dataclass(frozen=True)
class Budgeted:
    what: str
    budget: str
    measured: str
    verdict: str


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "OVER"


def cold_rows(cold: ColdStartResult) -> list[Budgeted]:
    rows = []
    for name, first in (("ingest", "a signed widget webhook"), ("triage", "the SQS batch ingest queued")):
        timing, floor = getattr(cold, name), cold.floor(name)
        rows.append(
            Budgeted(
                f"Cold start, {name}: `import app` + {first} (CPU, median of {cold.runs} rounds)",
                f"≤ {cold.budgets[name]:g}× its floor ({floor.cpu_median_ms:.0f} ms)",
                f"{timing.cpu_median_ms:.0f} ms = {cold.ratios[name]:.2f}×",
                cold.verdict(name),
            )
        )
    return rows


def snapshot_rows(rows: Sequence[Row]) -> list[Budgeted]:
    moved = ", ".join(f"{r.function} {r.moved_ms:.0f}" for r in rows)
    return [Budgeted("SnapStart: first-request work moved into the snapshot, ms per function", "—", moved, "—")]


def decision_rows(decided: DecisionsResult) -> list[Budgeted]:
    rows = []
    if (rate := decided.at(decisions.BUDGET_RATE_ROUTES)) is not None:
        rows.append(
            Budgeted(
                f"`decide()` at {decisions.BUDGET_RATE_ROUTES} routes, one core",
                f"≥ {decided.budget_rate:,}/s",
                f"{rate.decide.per_second:,.0f}/s",
                decided.rate_verdict or "—",
            )
        )
    if (big := decided.at(decisions.BUDGET_P99_ROUTES)) is not None:
        rows.append(
            Budgeted(
                f"`decide()` p99 at {decisions.BUDGET_P99_ROUTES:,} routes",
                f"≤ {decided.budget_p99_ms:g} ms",
                f"{big.decide.p99_ms:.2f} ms",
                decided.p99_verdict or "—",
            )
        )
    if (corpus := decided.corpus) is not None:
        rows.append(
            Budgeted(
                "urgency + intent + `decide()` over the labeled corpus, p99",
                f"≤ {decisions.BUDGET_CORPUS_P99_MS} ms",
                f"{corpus.p99_ms:.2f} ms",
                _verdict(corpus.p99_ms <= decisions.BUDGET_CORPUS_P99_MS),
            )
        )
    return rows


def cost_rows(cost: CostResult, quiet: CostResult | None = None) -> list[Budgeted]:
    requests, x86, arm = cost_report.headline(cost)
    usd = x86 if cost.architecture == "x86_64" else arm
    rows = []
    if quiet is not None:
        alone, quiet_x86, quiet_arm = cost_report.headline(quiet)
        rows.append(
            Budgeted(
                f"AWS requests per non-paging message in a quiet hour (batches of {quiet.batch}; "
                f"{quiet.messages} messages): beside the budget, which is amortised",
                f"≤ {BUDGET_REQUESTS:g}",
                f"{alone:.2f} (${quiet_x86 if quiet.architecture == 'x86_64' else quiet_arm:.2f} a million)",
                _verdict(alone <= BUDGET_REQUESTS),
            )
        )
    return [
        Budgeted(
            f"AWS requests per non-paging message, amortised ({cost.messages} messages on the local platform)",
            f"≤ {BUDGET_REQUESTS:g}",
            f"{requests:.2f}",
            _verdict(requests <= BUDGET_REQUESTS),
        ),
        Budgeted(
            "Dollars per million messages, SMS and voice excluded",
            f"≤ ${BUDGET_USD:g}",
            f"${x86:.2f} x86_64, ${arm:.2f} arm64 ({cost.architecture} shipped)",
            _verdict(usd <= BUDGET_USD),
        ),
        *rows,
    ]


def burst_rows(burst: BurstResult) -> list[Budgeted]:
    def ms(value: float | None) -> str:
        return "—" if value is None else f"{value:,.0f} ms"

    accept, page = burst.accept_ms, burst.page_ms
    drain = "timed out" if burst.drain_s is None else f"{burst.drain_s:.1f} s"
    return [
        Budgeted(
            f"Burst: {burst.count:,} signed webhooks in {burst.seconds:g} s, webhook → 2xx p50 / p99",
            "—",
            f"{ms(accept.p50)} / {ms(accept.p99)}",
            "—",
        ),
        Budgeted(
            f"Burst: webhook → SNS page, p50 / p99 ({page.count} paging messages)",
            f"p99 ≤ {burst.budget_page_p99_ms / 1000:g} s",
            f"{ms(page.p50)} / {ms(page.p99)}",
            burst.verdict,
        ),
        Budgeted("Burst: queue drained after the last answer; errors", "no errors", f"{drain}; {burst.errors}", "—"),
    ]


def package_rows(package: PackageSizeResult) -> list[Budgeted]:
    return [
        Budgeted(
            "`deployment.zip` from `chalice package`",
            f"≤ {package.budget_bytes / MB:.0f} MB",
            f"{package.zip_bytes / MB:.2f} MB",
            package.verdict,
        )
    ]


def webhook_rows(hooks: Sequence[ProviderTiming]) -> list[Budgeted]:
    worst = max(hooks, key=lambda h: h.median_ms)
    return [
        Budgeted(
            "CPU per webhook: verify + parse + map, median, the slowest provider",
            f"≤ {BUDGET_MS} ms",
            f"{worst.provider} {worst.median_ms:.2f} ms",
            _verdict(all(h.verdict == "PASS" for h in hooks)),
        )
    ]


def voice_rows(live: VoiceResult) -> list[Budgeted]:
    return [
        Budgeted(
            f"Live call: Twilio voice webhook → TwiML, local platform, {live.count} calls, p99",
            f"≤ {live.budget_p99_ms:g} ms",
            f"{live.p99_ms:.1f} ms",
            live.verdict,
        )
    ]


def format_table(rows: Sequence[Budgeted]) -> str:
    lines = ["| What | Budget | Measured | Verdict |", "|---|---|---|---|"]
    lines += [f"| {r.what} | {r.budget} | {r.measured} | {r.verdict} |" for r in rows]
    return "\n".join(lines)
