"""The cost benchmark's report: requests per message, each function's time and logs, dollars per million."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from bench import prices
from bench.cost_bill import RESTORE_SHARE, Tally, snapshots_a_month, superseded_by_a_deploy

if TYPE_CHECKING:
    from bench.cost import CostResult

CLASSES = ("non-paging", "paging")
#: messages a month for the README's comparison with per-seat tools
VOLUMES = (10_000, 100_000, 1_000_000)
ARCHITECTURES = ("x86_64", "arm64")


def percentile(values: tuple[float, ...] | list[float], q: float) -> float:
    """Nearest rank: a time that really happened (0.0 for none)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(round(q * len(ordered) / 100, 9)) - 1)]


def a_month(per_million: float, standing: float, messages: int) -> float:
    """Dollars a month at ``messages`` messages: their share of the per-million figure, plus the standing cost."""
    return per_million * messages / 1_000_000 + standing


def verdict(value: float, budget: float) -> str:
    return "PASS" if value <= budget else "OVER"


def _tally(result: CostResult, name: str) -> Tally:
    return result.classes.get(name) or Tally()


def figures(result: CostResult) -> dict[str, Any]:
    """Everything the report shows, as JSON-ready numbers (per message, per million, per month)."""
    from bench.cost import BUDGET_REQUESTS, BUDGET_USD, bill_per_million, standing_usd

    total = result.total
    non_paging = _tally(result, "non-paging")
    requests = {
        name: {k: round(v / t.messages, 4) for k, v in sorted(t.requests.items())} if t.messages else {}
        for name, t in (*((n, _tally(result, n)) for n in CLASSES), ("all", total))
    }
    bills = {arch: bill_per_million(result, arch).to_dict() for arch in ARCHITECTURES}
    usd = bills[result.architecture]["total"]
    return {
        "messages": result.messages,
        "mix": result.kinds,
        "messages_by_class": {n: _tally(result, n).messages for n in CLASSES},
        "batches": result.batches,
        "requests_per_message": requests,
        "aws_requests_per_message": {
            n: round(t.per_message(t.aws_requests), 3)
            for n, t in (*((n, _tally(result, n)) for n in CLASSES), ("all", total))
        },
        "functions": {
            f: {
                "invocations": len(ms),
                "p50_ms": round(percentile(ms, 50), 2),
                "p99_ms": round(percentile(ms, 99), 2),
                "billed_p50_ms": round(percentile(result.billed_ms.get(f, ()), 50), 2),
                "billed_p99_ms": round(percentile(result.billed_ms.get(f, ()), 99), 2),
                "invocations_per_message": round(total.per_message(total.invocations[f]), 4),
                "billed_ms_per_message": round(total.per_message(total.ms[f]), 2),
            }
            for f, ms in sorted(result.invocation_ms.items())
        },
        "log_bytes_per_message": round(total.per_message(total.log_bytes)),
        "dynamodb_units_per_message": {
            "wru": round(total.per_message(total.wru), 3),
            "rru": round(total.per_message(total.rru), 3),
        },
        "memory_mb": result.memory_mb,
        "architecture": result.architecture,
        "usd_per_million": bills,
        "standing_usd_a_month": round(standing_usd(result), 4),
        "snapstart_cache_usd_a_month": round(snapshots_a_month(result.functions, result.memory_mb), 4),
        "superseded_versions_usd_a_deploy": round(superseded_by_a_deploy(result.functions, result.memory_mb), 4),
        "usd_a_month": {
            str(volume): {
                "aws": round(a_month(usd, standing_usd(result), volume), 2),
                "delivery": round(a_month(sum(bills[result.architecture]["delivery"].values()), 0.0, volume), 2),
            }
            for volume in VOLUMES
        },
        "prices_read_on": prices.READ_ON,
        "budgets": {
            "requests_per_non_paging_message": BUDGET_REQUESTS,
            "requests_verdict": verdict(non_paging.per_message(non_paging.aws_requests), BUDGET_REQUESTS),
            "usd_per_million": BUDGET_USD,
            "usd_verdict": verdict(usd, BUDGET_USD),
        },
    }


def format_report(result: CostResult) -> str:
    from bench.cost import BUDGET_REQUESTS, BUDGET_USD, bill_per_million, standing_usd
    from bench.replies_cost import AWS_REQUEST_MS

    total = result.total
    tallies = [_tally(result, n) for n in CLASSES]
    counts = ", ".join(f"{n} {k}" for k, n in sorted(result.kinds.items(), key=lambda kv: -kv[1]))
    lines = [
        f"Cost per million messages – {result.messages} messages through the local platform "
        f"({tallies[0].messages} non-paging, {tallies[1].messages} paging), batches of up to {result.batch}",
        f"  mix: {counts}",
        "",
        "  AWS requests per message (the poller's share of each batch's ReceiveMessage and DeleteMessageBatch included):",
        f"    {'service.operation':<34}{'non-paging':>12}{'paging':>10}{'all':>10}",
    ]
    keys = sorted(set(total.requests))
    for key in keys:
        row = [t.per_message(t.requests[key]) for t in (*tallies, total)]
        lines.append(f"    {key:<34}" + "".join(f"{v:>{w}.2f}" for v, w in zip(row, (12, 10, 10), strict=True)))
    row = [t.per_message(t.aws_requests) for t in (*tallies, total)]
    lines.append(f"    {'total':<34}" + "".join(f"{v:>{w}.2f}" for v, w in zip(row, (12, 10, 10), strict=True)))
    lines += [
        f"    budget ≤ {BUDGET_REQUESTS:g} per non-paging message: {verdict(row[0], BUDGET_REQUESTS)}",
        f"    DynamoDB request units per message: {total.per_message(total.wru):.2f} WRU, "
        f"{total.per_message(total.rru):.2f} RRU (worked out from the items: moto's ConsumedCapacity is fixed)",
        "",
        "  Functions: each handler call's wall time in-process, measured (every AWS round trip takes moto's time, which",
        f"  grows with its tables), and billed: the function's own time plus {AWS_REQUEST_MS:g} ms per AWS request it made",
        f"    {'function':<16}{'invocations':>12}{'per message':>12}{'p50 ms':>9}{'p99 ms':>9}{'billed p50':>11}"
        f"{'p99':>8}{'billed ms/message':>19}",
    ]
    for function, ms in sorted(result.invocation_ms.items()):
        billed = result.billed_ms.get(function, ())
        lines.append(
            f"    {function:<16}{len(ms):>12}{total.per_message(total.invocations[function]):>12.2f}"
            f"{percentile(ms, 50):>9.1f}{percentile(ms, 99):>9.1f}{percentile(billed, 50):>11.1f}"
            f"{percentile(billed, 99):>8.1f}{total.per_message(total.ms[function]):>19.1f}"
        )
    lines += [
        f"    logs at INFO (Lambda's START/END/REPORT lines and 26 bytes an event included): "
        f"{total.per_message(total.log_bytes):,.0f} bytes per message",
        "",
        f"  Dollars per million messages (us-east-1 on-demand, free tiers spent, prices read {prices.READ_ON}, "
        f"bench/prices.py; Lambda at {result.memory_mb} MB):",
        f"    {'line item':<34}" + "".join(f"{arch:>12}" for arch in ARCHITECTURES),
    ]
    bills = {arch: bill_per_million(result, arch) for arch in ARCHITECTURES}
    for (name, value), arm in zip(bills["x86_64"].lines.items(), bills["arm64"].lines.values(), strict=True):
        label = name.split(" (")[0] if name.startswith(("Lambda duration", "SnapStart")) else name
        lines.append(f"    {label:<34}{value:>12.3f}{arm:>12.3f}")
    totals = [bills[a].total for a in ARCHITECTURES]
    lines.append(f"    {'total':<34}" + "".join(f"{v:>12.3f}" for v in totals))
    lines.append(
        f"    (SnapStart restores: {RESTORE_SHARE:.0%} of invocations start a new environment, which resumes from the "
        "snapshot: AWS's figure for production workloads, not measured here)"
    )
    lines.append(
        f"    budget ≤ ${BUDGET_USD:g} per million, SMS, voice and email delivery excluded "
        f"(deployed: {result.architecture}): {verdict(bills[result.architecture].total, BUDGET_USD)}"
    )
    delivery = bills["x86_64"].delivery
    lines += [
        "    delivered to people, per million messages of this mix (not in the budget):",
        *(f"      {name:<32}{value:>12.2f}" for name, value in delivery.items()),
        f"      live calls: ${prices.TWILIO_VOICE_INBOUND_MINUTE}/min in + ${prices.TWILIO_VOICE_OUTBOUND_MINUTE}/min "
        "for the dial to the on-call person (Twilio US); none in this mix",
        f"  Standing, with no messages at all: ${standing_usd(result):.2f} a month (the every-minute sweep, "
        f"Lambda's pollers long-polling the {2} queues, and SnapStart's cache of the {result.functions} functions' "
        f"live versions: ${snapshots_a_month(result.functions, result.memory_mb):.2f})",
        f"  Each deploy: the versions it supersedes stay in SnapStart's cache until deleted or unused for "
        f"{prices.SNAPSHOT_UNUSED_DAYS} days, up to ${superseded_by_a_deploy(result.functions, result.memory_mb):.2f} "
        "(`switchboard versions prune --apply` deletes them, but for one kept for a rollback unless --keep 0)",
        "  A month of this mix: "
        + "; ".join(
            f"{volume:,} messages ${a_month(bills[result.architecture].total, standing_usd(result), volume):,.2f} AWS"
            f" + ${a_month(sum(delivery.values()), 0.0, volume):,.2f} SMS and email replies"
            for volume in VOLUMES
        ),
    ]
    return "\n".join(lines)


def headline(result: CostResult) -> tuple[float, float, float]:
    """AWS requests per non-paging message (amortised), and dollars per million messages on x86_64 and arm64."""
    from bench.cost import bill_per_million

    non_paging = _tally(result, "non-paging")
    x86, arm = (bill_per_million(result, a).total for a in ARCHITECTURES)
    return non_paging.per_message(non_paging.aws_requests), x86, arm


def summary(result: CostResult) -> str:
    """One line for the README's performance section."""
    from bench.cost import BUDGET_REQUESTS, BUDGET_USD

    requests, x86, arm = headline(result)
    return (
        f"Cost ({result.messages} messages on the local platform): {requests:.1f} AWS requests per non-paging message "
        f"(budget ≤ {BUDGET_REQUESTS:g}, {verdict(requests, BUDGET_REQUESTS)}); ${x86:.2f} per million messages on "
        f"x86_64, ${arm:.2f} on arm64 (budget ≤ ${BUDGET_USD:g}, "
        f"{verdict(x86 if result.architecture == 'x86_64' else arm, BUDGET_USD)})."
    )


def quiet_line(result: CostResult) -> str:
    """The mix at batches of ``result.batch`` (a quiet hour), in one line beside the amortised report."""
    from bench.cost import BUDGET_REQUESTS

    requests, x86, arm = headline(result)
    usd = x86 if result.architecture == "x86_64" else arm
    return (
        f"Cost in a quiet hour ({result.messages} messages, batches of {result.batch}: Lambda's poller hands each "
        f"message over alone): {requests:.2f} AWS requests per non-paging message (the budget of "
        f"{BUDGET_REQUESTS:g} is for amortised traffic: {verdict(requests, BUDGET_REQUESTS)} here), "
        f"${usd:.2f} per million messages ({result.architecture})."
    )
