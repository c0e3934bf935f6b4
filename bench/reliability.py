"""Reliability under faults: events delivered three times, DynamoDB and SNS failing, and what reached a human.

`python -m bench.reliability [--events N] [--fault-rate F] [--seed S]`: moto in-process, the
stack from infra/, the app's own triage handler fed shuffled SQS batches (redelivering what
``batchItemFailures`` lists, up to the redrive policy's receives, then the DLQ), and the
`escalate` sweep every simulated minute, all under injected faults; then the counts of
bench/reliability_counts.py. Seeded: the same arguments give the same figures.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.reliability_counts import Counts, Observed, count
from bench.reliability_faults import AFTER_SHARE, FaultStats
from bench.reliability_world import (
    BATCH,
    POLL,
    START,
    SWEEP_EVERY,
    Message,
    QueuePolicy,
    World,
    deliveries,
    make_events,
    record,
    world,
)

DEFAULT_EVENTS = 1000
QUICK_EVENTS = 100  # `python -m bench --quick`
DEFAULT_FAULT_RATE = 0.10
DEFAULT_SEED = 10
DELIVERIES = 3
#: sweeps go on this long after the queue drains: the longest ladder (70 minutes) and a rate window
HORIZON = timedelta(minutes=90)
#: then the faults stop and the sweep runs this long: whatever would still go out goes out (late, not
#: silent); what is still unsent after it never will be
RECOVERY = timedelta(minutes=30)

Progress = Callable[[str], None]


@dataclass(frozen=True)
class RunStats:
    messages: int
    receives: int
    batches: int
    failed_batches: int
    sweeps: int
    failed_sweeps: int
    faults: FaultStats
    late: int = 0  # messages (pages, digests) published in the recovery sweeps, after the faults stopped


@dataclass(frozen=True)
class ReliabilityResult:
    events: int
    fault_rate: float
    seed: int
    counts: Counts
    stats: RunStats
    lost_answers: float = AFTER_SHARE

    def to_dict(self) -> dict[str, Any]:
        s = self.stats
        return {
            "events": self.events,
            "deliveries_per_event": DELIVERIES,
            "fault_rate": self.fault_rate,
            "lost_answer_share": self.lost_answers,
            "seed": self.seed,
            "counts": self.counts.to_dict(),
            "run": {
                "messages": s.messages,
                "receives": s.receives,
                "batches": s.batches,
                "failed_batches": s.failed_batches,
                "sweeps": s.sweeps,
                "failed_sweeps": s.failed_sweeps,
                "calls": s.faults.calls,
                "faults_before_call": s.faults.before,
                "faults_after_call": s.faults.after,
                "published_after_faults_stopped": s.late,
            },
        }


def run(
    events: int = DEFAULT_EVENTS,
    fault_rate: float = DEFAULT_FAULT_RATE,
    seed: int = DEFAULT_SEED,
    progress: Progress | None = None,
    drop: Callable[[dict[str, Any]], bool] | None = None,
    lost_answers: float = AFTER_SHARE,
) -> ReliabilityResult:
    """One seeded run; ``drop`` swallows chosen publishes (success answered, nothing sent): a test's silent page."""
    say = progress or (lambda _line: None)
    rng = random.Random(seed)
    with world(random.Random(f"faults-{seed}"), fault_rate, after_share=lost_answers) as w:
        if drop is not None:
            w.hooks.drop = drop
        generated = make_events(events, rng)
        messages = deliveries(generated, DELIVERIES, rng)
        say(f"{len(generated)} events, {len(messages)} deliveries, faults at {fault_rate:.0%}")
        w.hooks.enabled = True
        dlq, stats = _deliver_and_sweep(w, messages, rng, say)  # ends with the faults off
        say("reading back tickets, timelines and pages")
        observed = _observe(w, [e.event_id for e in generated], dlq)
    return ReliabilityResult(events, fault_rate, seed, count(observed), stats, lost_answers)


def _deliver_and_sweep(
    w: World, messages: list[Message], rng: random.Random, say: Progress
) -> tuple[Counter[str], RunStats]:
    from chalicelib.api.escalation_handler import sweep
    from chalicelib.api.triage_handler import handle_batch

    policy = QueuePolicy.from_template()
    queue_arn = "arn:aws:sqs:us-east-1:123456789012:" + w.stack.outputs["EventsQueueUrl"].rsplit("/", 1)[-1]
    pending = {m.message_id: m for m in messages}
    dlq: Counter[str] = Counter()
    receives = batches = failed_batches = sweeps = failed_sweeps = 0
    now, next_sweep, end = START, START + SWEEP_EVERY, None
    reported = now
    while end is None or now < end:
        w.clock.now = now
        ready = sorted((m for m in pending.values() if m.visible_at <= now), key=lambda m: m.message_id)
        rng.shuffle(ready)  # SQS promises no order, and a standard queue gives none
        for i in range(0, len(ready), BATCH):
            batch = ready[i : i + BATCH]
            for m in batch:
                m.receives += 1
            receives += len(batch)
            batches += 1
            try:
                answer = handle_batch({"Records": [record(m, queue_arn) for m in batch]}, None)
                failed = {f["itemIdentifier"] for f in answer["batchItemFailures"]}
            except Exception:  # the whole batch failed: Lambda retries all of it
                failed = {m.message_id for m in batch}
                failed_batches += 1
            for m in batch:
                if m.message_id not in failed:
                    del pending[m.message_id]  # the event source mapping deletes it
                elif m.receives >= policy.max_receives:
                    del pending[m.message_id]
                    dlq[m.event.event_id] += 1  # the redrive policy moves it
                else:
                    m.visible_at = now + policy.visibility
        if now >= next_sweep:
            sweeps += 1
            next_sweep += SWEEP_EVERY
            try:
                sweep()
            except Exception:  # the scheduled run fails; the next minute's runs again
                failed_sweeps += 1
        if end is None and not pending:
            end = now + HORIZON
        if now - reported >= timedelta(minutes=10):
            reported = now
            say(f"t+{(now - START) // timedelta(minutes=1)} min: {len(pending)} messages in flight, {sweeps} sweeps")
        now += POLL
    w.hooks.enabled = False
    before_recovery = len(w.hooks.published)
    say(f"faults off: {RECOVERY // SWEEP_EVERY} more sweeps send what is still due")
    for _ in range(RECOVERY // SWEEP_EVERY):
        now += SWEEP_EVERY
        w.clock.now = now
        sweeps += 1
        try:
            sweep()
        except Exception:
            failed_sweeps += 1
    late = len(w.hooks.published) - before_recovery
    stats = RunStats(len(messages), receives, batches, failed_batches, sweeps, failed_sweeps, w.hooks.stats, late)
    return dlq, stats


def _observe(w: World, event_ids: list[str], dlq: Counter[str]) -> Observed:
    """Everything the counts need, through the app's repositories where they offer it."""
    c = w.container
    table = c.settings.tickets_table
    records: list[tuple[str, bool]] = []
    marked: list[str] = []
    ticket_ids: set[str] = set()
    for item in _scan(w.clients["dynamodb"], table):
        sk, pk = item["sk"]["S"], item["pk"]["S"]
        if not pk.startswith("TICKET#") or not (sk == "TICKET" or sk.startswith("MSG#")):
            continue
        ticket_id = pk.removeprefix("TICKET#")
        ticket_ids.add(ticket_id)
        records.append((item["event_id"]["S"], sk != "TICKET"))
        if item.get("page_status", {}).get("S") == "sent":
            marked.append(ticket_id)
    delivered = {}
    for event_id in event_ids:
        found = c.tickets.for_event(event_id)
        delivered[event_id] = found.ticket.ticket_id if found else None
    timelines = {t: c.pages.timeline(t) for t in sorted(ticket_ids)}
    page_ids = sorted({e.page_id for entries in timelines.values() for e in entries if e.page_id})
    pages = {p: page for p in page_ids if (page := c.pages.get(p)) is not None}
    return Observed(
        events=event_ids,
        delivered=delivered,
        dlq_events=dict(dlq),
        records=records,
        marked_paged=marked,
        timelines=timelines,
        pages=pages,
        published=list(w.hooks.published),
        topics=w.topics,
    )


def _scan(client: Any, table: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": table}
    while True:
        page = client.scan(**kwargs)
        items.extend(page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def format_report(result: ReliabilityResult) -> str:
    c, s = result.counts, result.stats
    return "\n".join(
        [
            f"Reliability – {result.events} events × {DELIVERIES} deliveries, "
            f"{result.fault_rate:.0%} DynamoDB and SNS faults ({result.lost_answers:.0%} of them after the call "
            f"succeeded), seed {result.seed}",
            f"  delivery:   {s.messages} messages, {s.receives} receives in {s.batches} batches of up to {BATCH} "
            f"({s.failed_batches} failed whole); {s.sweeps} sweeps ({s.failed_sweeps} failed), "
            f"the last {RECOVERY // SWEEP_EVERY} without faults ({s.late} messages published late in them)",
            f"  faults:     {s.faults.before + s.faults.after} of {s.faults.calls} calls "
            f"({s.faults.before} before the call, {s.faults.after} after it succeeded)",
            f"  tickets:    {c.tickets} (+ {c.follow_ups} follow-ups)",
            f"  lost events:         {c.lost}",
            f"  duplicate tickets:   {c.duplicates}",
            f"  pages:               {c.pages} ({c.steps} level steps notified)",
            f"  silent pages:        {c.silent_pages} ({c.silent_steps} silent level steps; "
            f"{c.silent_tickets} tickets marked paged with no page)",
            f"  extra notifications: {c.extra} of {c.notifications} ({c.extra_share:.1%})",
            f"  via rate-limit digest: {c.via_digest} person × step ({c.digests} digests published)",
            f"  DLQ:                 {c.dlq_messages} messages of {c.dlq_events} events "
            f"({c.dlq_without_ticket} with no ticket: recoverable by redrive)",
        ]
    )


def summary(result: ReliabilityResult) -> str:
    c = result.counts
    return (
        f"Reliability at {result.fault_rate:.0%} faults ({result.events} events × {DELIVERIES}): "
        f"{c.lost} lost, {c.duplicates} duplicate tickets, {c.silent_pages} silent pages, "
        f"{c.extra_share:.1%} extra notifications, {c.dlq_messages} to the DLQ."
    )


def tell(line: str) -> None:
    print(f"  reliability: {line}", file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.reliability", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--events", type=int, default=DEFAULT_EVENTS, metavar="N", help="distinct events (default %(default)s)"
    )
    parser.add_argument(
        "--fault-rate", type=float, default=DEFAULT_FAULT_RATE, metavar="F",
        help="share of DynamoDB and SNS Publish calls that fail, 0 to 1 (default %(default)s)",
    )  # fmt: skip
    parser.add_argument(
        "--lost-answers", type=float, default=AFTER_SHARE, metavar="F",
        help="share of the faults that strike after the call succeeded, its answer lost: an SNS publish that went "
        "out but reads as failed can only be sent again (default %(default)s)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, metavar="S", help="RNG seed (default %(default)s)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures to PATH as JSON")
    args = parser.parse_args(argv)
    if args.events < 1:
        parser.error("--events must be at least 1")
    if not 0 <= args.lost_answers <= 1:
        parser.error("--lost-answers must be between 0 and 1")
    if not 0 <= args.fault_rate <= 1:
        parser.error("--fault-rate must be between 0 and 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    result = run(args.events, args.fault_rate, args.seed, progress=tell, lost_answers=args.lost_answers)
    tell(f"done in {time.perf_counter() - started:.0f} s")
    print(format_report(result))
    print(f"Summary: {summary(result)}")
    if args.json:
        args.json.write_text(json.dumps(result.to_dict(), indent=2) + "\n", encoding="utf-8")
        print(f"Figures written to {args.json}")
    # a report, not a gate: the figures are for a human to read
    return 0


if __name__ == "__main__":
    sys.exit(main())
