"""The replies benchmark's report: a short table for a human, and one line for the README."""

from __future__ import annotations

from collections import defaultdict

from bench.replies import DELIVERIES, RepliesResult
from bench.replies_cost import AWS_REQUEST_MS, INVOCATION_MS, PROVIDER_MS, standing_usd_a_month

PHASES = {"triage": "triage", "sender": "replies function", "sweep": "sweep (every minute)"}


def format_report(result: RepliesResult) -> str:
    o, q, b = result.outcomes, result.queue, result.bill
    st = o.states
    lines = [
        f"Replies – {result.tickets} tickets (+ {result.follow_ups} follow-ups in their threads) × {DELIVERIES} "
        f"deliveries, the provider failing {result.fault_rate:.0%} of sends, seed {result.seed}",
        f"  replies recorded:    {o.replies} ({o.follow_up_replies} on follow-ups)",
        f"  sent:                {st['sent']}",
        f"  permanent failures:  {st['failed']}",
        f"  skipped:             {st['skipped']}",
        *(f"    {n:>5}  {reason}" for reason, n in o.skipped_because.items()),
        f"  still pending:       {st['pending']}",
        f"  provider attempts:   {o.attempts} ({_outcomes(o.provider)}); at most {o.most_attempts} on one reply",
        f"  customers reached:   {o.received} replies received; sent but never received: {o.sent_not_received}; "
        f"received but recorded not sent: {o.received_not_sent}",
        f"  duplicates sent:     {o.duplicates} extra copies ({o.duplicates_after_lost_answer} after a timeout "
        f"that followed sending; {o.uncounted_duplicates} not counted by the outbox)",
        f"  possible duplicates: {o.possible_duplicates} counted by the outbox",
        f"  sooner than Retry-After: {o.early_retries} attempts",
        f"  queue:               {q.messages} messages, {q.receives} receives in {q.batches} batches; "
        f"DLQ {q.dlq_messages} messages of {q.dlq_replies} replies; {q.sweeps} sweeps queued {q.requeued} again",
        "",
        f"  Extra AWS requests the reply path adds, per reply recorded ({o.replies}); a reply item is "
        f"{o.reply_item_bytes:,} bytes on average, a replied ticket {o.ticket_item_bytes:,} (a write bills per KB):",
        f"    {'where':<22}{'request':<40}{'requests':>10}{'WRU':>9}{'RRU':>9}",
    ]
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for (service, phase, purpose), (n, wru, rru) in sorted(result.requests.items(), key=lambda kv: _order(kv[0])):
        lines.append(
            f"    {PHASES.get(phase, phase):<22}{purpose:<40}{_per(n, o.replies):>10}"
            f"{_per(wru, o.replies):>9}{_per(rru, o.replies):>9}"
        )
        for i, v in enumerate((n, wru, rru)):
            totals[service][i] += v
    for service, (calls, writes, reads) in sorted(totals.items()):
        lines.append(
            f"    {'all ' + service:<62}{_per(calls, o.replies):>10}{_per(writes, o.replies):>9}"
            f"{_per(reads, o.replies):>9}"
        )
    per = b.per_reply
    lines += [
        "",
        f"  Cost (us-east-1 on-demand, free tiers spent): ${1000 * per(b.total_usd):.4f} per 1,000 replies = "
        f"DynamoDB ${1000 * per(b.dynamodb_usd):.4f} + SQS ${1000 * per(b.sqs_usd):.4f} + "
        f"Lambda ${1000 * per(b.lambda_usd):.4f} ({b.invocations} invocations, {b.lambda_ms / 1000:.0f} s at 256 MB, "
        f"stated: {PROVIDER_MS:.0f} ms a provider call, {AWS_REQUEST_MS:.0f} ms an AWS request, "
        f"{INVOCATION_MS:.0f} ms an invocation)",
        f"  Standing, with no replies: ${standing_usd_a_month():.2f} a month (the sweep's Query every minute, "
        "the replies queue's idle poller)",
    ]
    return "\n".join(lines)


def summary(result: RepliesResult) -> str:
    o, b = result.outcomes, result.bill
    st = o.states
    return (
        f"Replies at {result.fault_rate:.0%} provider failures ({result.tickets} tickets × {DELIVERIES}): "
        f"{o.replies} replies, {st['sent']} sent, {st['failed']} failed for good, {st['skipped']} skipped, "
        f"{o.duplicates} duplicates to customers ({o.possible_duplicates} possible counted), "
        f"{result.queue.dlq_messages} to the DLQ; ${1000 * b.per_reply(b.total_usd):.3f} of AWS per 1,000 replies."
    )


def _outcomes(outcomes: dict[str, int]) -> str:
    return ", ".join(f"{n} {kind}" for kind, n in outcomes.items())


def _per(value: float, replies: int) -> str:
    return f"{value / replies:.2f}" if replies else "-"


def _order(key: tuple[str, str, str]) -> tuple[int, str, str]:
    service, phase, purpose = key
    return (list(PHASES).index(phase) if phase in PHASES else len(PHASES), service, purpose)
