"""Replies under a failing provider: tickets delivered three times, their auto-replies sent, and what it costs.

`python -m bench.replies [--tickets N] [--fault-rate F] [--seed S]`: moto in-process with the stack
from infra/, the app's own triage handler fed each event three times (so each reply is queued three
times), the app's own replies handler fed by a simulated replies queue (visibility, receive counts,
the DLQ after the redrive policy's receives), the replies sweep every simulated minute, and a
seeded provider failing a share of sends (bench/replies_provider.py). Then: what customers got,
what the outbox recorded, and every request the reply path added, priced (bench/replies_cost.py).
Seeded: the same arguments give the same figures. A benchmark: it measures, it does not assert.
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

from bench.reliability_world import BATCH, POLL, SWEEP_EVERY, QueuePolicy
from bench.reliability_world import deliveries as event_deliveries
from bench.reliability_world import record as event_record
from bench.replies_cost import Bill, bill
from bench.replies_meter import item_size
from bench.replies_provider import Provider
from bench.replies_world import START, World, record, ticket_events, world
from chalicelib.adapters.reply_items import reply_json

DEFAULT_TICKETS = 1000
QUICK_TICKETS = 100  # `python -m bench --quick`
DEFAULT_FAULT_RATE = 0.10
DEFAULT_SEED = 12
DELIVERIES = 3
FOLLOW_UP_SHARE = 0.10
#: sweeps go on this long after the queues drain: a reply a lost message stranded is found in it
HORIZON = timedelta(minutes=30)

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Outcomes:
    """What the outbox recorded and what customers received."""

    replies: int
    follow_up_replies: int
    states: dict[str, int]
    #: why the skipped ones were not sent, most common first (the outbox's own words)
    skipped_because: dict[str, int]
    received: int  # replies the customer got at least once
    duplicates: int  # extra copies customers got
    duplicates_after_lost_answer: int  # of those, on a reply whose provider answer was lost after sending
    possible_duplicates: int  # counted by the outbox
    uncounted_duplicates: int  # extra copies beyond what the outbox counted on that reply
    sent_not_received: int
    received_not_sent: int  # the customer has it, the outbox says failed (a lost answer on the last try)
    attempts: int
    provider: dict[str, int]
    early_retries: int  # attempts sooner than the provider's Retry-After
    most_attempts: int
    reply_item_bytes: int  # mean, as DynamoDB sizes it: what each claim, release and settle bills by
    ticket_item_bytes: int  # mean: what marking the ticket replied bills by


@dataclass(frozen=True)
class QueueStats:
    messages: int
    receives: int
    batches: int
    dlq_messages: int
    dlq_replies: int
    sweeps: int
    requeued: int


@dataclass(frozen=True)
class RepliesResult:
    tickets: int
    follow_ups: int
    fault_rate: float
    seed: int
    outcomes: Outcomes
    queue: QueueStats
    #: (service, phase, purpose) -> requests, write request units, read request units
    requests: dict[tuple[str, str, str], tuple[int, int, float]]
    bill: Bill

    def to_dict(self) -> dict[str, Any]:
        return {
            "tickets": self.tickets,
            "follow_ups": self.follow_ups,
            "deliveries_per_event": DELIVERIES,
            "fault_rate": self.fault_rate,
            "seed": self.seed,
            "outcomes": self.outcomes.__dict__,
            "queue": self.queue.__dict__,
            "requests": [
                {"service": s, "phase": p, "purpose": n, "requests": r, "write_units": w, "read_units": u}
                for (s, p, n), (r, w, u) in sorted(self.requests.items())
            ],
            "cost": self.bill.to_dict(),
        }


def run(
    tickets: int = DEFAULT_TICKETS,
    fault_rate: float = DEFAULT_FAULT_RATE,
    seed: int = DEFAULT_SEED,
    progress: Progress | None = None,
) -> RepliesResult:
    say = progress or (lambda _line: None)
    rng = random.Random(seed)
    provider = Provider(fault_rate, seed, random.Random(f"provider-{seed}"))
    with world(provider, random.Random(f"jitter-{seed}")) as w:
        events = ticket_events(w, tickets, FOLLOW_UP_SHARE, rng)
        messages = event_deliveries(events, DELIVERIES, rng)
        say(f"{tickets} tickets (+ {len(events) - tickets} follow-ups), {len(messages)} deliveries, "
            f"provider failing {fault_rate:.0%}")  # fmt: skip
        queue = _deliver_and_sweep(w, messages, rng, say)
        outcomes = _observe(w)
        requests = {
            ("DynamoDB", *key): (n, w.meter.write_units[key], w.meter.read_units[key])
            for key, n in w.meter.requests.items()
        } | {("SQS", *key): (n, 0, 0.0) for key, n in w.queue.requests.items()}
        priced = bill(
            outcomes.replies,
            w.meter.requests,
            w.meter.write_units,
            w.meter.read_units,
            w.queue.requests,
            invocations=queue.batches,
            provider_calls=outcomes.attempts,
        )
    return RepliesResult(tickets, len(events) - tickets, fault_rate, seed, outcomes, queue, requests, priced)


def _deliver_and_sweep(w: World, messages: list[Any], rng: random.Random, say: Progress) -> QueueStats:
    from chalicelib.api.replies_handler import handle_batch as send_batch
    from chalicelib.api.triage_handler import handle_batch as triage_batch

    events_policy, policy = QueuePolicy.from_template(), QueuePolicy.from_template("RepliesQueue")
    arn = "arn:aws:sqs:us-east-1:123456789012:switchboard-local-"
    inbound = {m.message_id: m for m in messages}
    q, dlq = w.queue, Counter[str]()
    receives = batches = sweeps = requeued = 0
    now, next_sweep, end, reported = START, START + SWEEP_EVERY, None, START
    while end is None or now < end:
        w.clock.now = now
        w.meter.phase = "triage"  # the events queue is the ticket's cost: only what triage adds for a reply counts
        ready = sorted((m for m in inbound.values() if m.visible_at <= now), key=lambda m: m.message_id)
        rng.shuffle(ready)
        for i in range(0, len(ready), BATCH):
            batch = ready[i : i + BATCH]
            for m in batch:
                m.receives += 1
            try:
                answer = triage_batch({"Records": [event_record(m, arn + "events") for m in batch]}, None)
                failed = {f["itemIdentifier"] for f in answer["batchItemFailures"]}
            except Exception:
                failed = {m.message_id for m in batch}
            for m in batch:
                if m.message_id not in failed or m.receives >= events_policy.max_receives:
                    del inbound[m.message_id]
                else:
                    m.visible_at = now + events_policy.visibility
        w.meter.phase = "sender"
        ready_replies = q.ready(now)
        rng.shuffle(ready_replies)
        for i in range(0, len(ready_replies), BATCH):
            batch = ready_replies[i : i + BATCH]
            q.count("ReceiveMessage")  # Lambda's poller: one receive per batch it hands the function
            for m in batch:
                m.receives += 1
                m.hidden_until = None
            receives, batches = receives + len(batch), batches + 1
            try:
                answer = send_batch({"Records": [record(m, arn + "replies") for m in batch]}, None)
                failed = {f["itemIdentifier"] for f in answer["batchItemFailures"]}
            except Exception:  # every record failed: Lambda retries the whole batch
                failed = {m.message_id for m in batch}
            if len(failed) < len(batch):
                q.count("DeleteMessageBatch")  # the poller deletes what succeeded, in one request
            for m in batch:
                if m.message_id not in failed:
                    del q.messages[m.message_id]
                elif m.receives >= policy.max_receives:
                    del q.messages[m.message_id]
                    q.dlq.append(m)  # the redrive policy moves it on its next receive
                    dlq[m.reply_id] += 1
                else:  # back after the handler's backoff, or after the queue's visibility timeout
                    m.visible_at = m.hidden_until or now + policy.visibility
        if now >= next_sweep:
            w.meter.phase = "sweep"
            sweeps, next_sweep = sweeps + 1, next_sweep + SWEEP_EVERY
            requeued += w.container.replies.sweep(now)
        w.meter.phase = None
        if end is None and not inbound and not q.messages:
            end = now + HORIZON
        if now - reported >= timedelta(minutes=10):
            reported = now
            say(f"t+{(now - START) // timedelta(minutes=1)} min: {len(q.messages)} reply messages queued")
        now += POLL
    return QueueStats(q._sent, receives, batches, len(q.dlq), len(dlq), sweeps, requeued)


def _observe(w: World) -> Outcomes:
    """The outbox's records (read without the meter) against what the provider stand-in delivered."""
    items: list[dict[str, Any]] = []
    tickets: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {}
    while True:
        page = w.meter.reader.scan(TableName=w.container.settings.tickets_table, **kwargs)
        items.extend(i for i in page["Items"] if i["sk"]["S"].startswith("REPLY#"))
        tickets.extend(i for i in page["Items"] if i["sk"]["S"] == "TICKET" and "replied_at" in i)
        if "LastEvaluatedKey" not in page:
            break
        kwargs = {"ExclusiveStartKey": page["LastEvaluatedKey"]}
    p = w.provider
    states: Counter[str] = Counter(i["state"]["S"] for i in items)
    counted = {i["sk"]["S"].removeprefix("REPLY#"): int(i.get("possible_duplicates", {}).get("N", "0")) for i in items}
    state = {i["sk"]["S"].removeprefix("REPLY#"): i["state"]["S"] for i in items}
    extra = {rid: n - 1 for rid, n in p.delivered.items() if n > 1}
    return Outcomes(
        replies=len(items),
        follow_up_replies=sum("/follow-up-" in json.loads(reply_json(i))["event"]["event_id"] for i in items),
        states={s: states[s] for s in ("sent", "failed", "skipped", "pending")},
        skipped_because=dict(
            Counter(i.get("reason", {}).get("S", "?") for i in items if i["state"]["S"] == "skipped").most_common()
        ),
        received=len(p.delivered),
        duplicates=p.duplicates,
        duplicates_after_lost_answer=sum(n for rid, n in extra.items() if p.lost_answers[rid]),
        possible_duplicates=sum(counted.values()),
        uncounted_duplicates=sum(max(0, n - counted.get(rid, 0)) for rid, n in extra.items()),
        sent_not_received=sum(1 for rid, s in state.items() if s == "sent" and not p.delivered[rid]),
        received_not_sent=sum(1 for rid in p.delivered if state.get(rid) != "sent"),
        attempts=sum(p.attempts.values()),
        provider=dict(sorted(p.outcomes.items())),
        early_retries=p.early,
        most_attempts=max(p.attempts.values(), default=0),
        reply_item_bytes=sum(map(item_size, items)) // max(1, len(items)),
        ticket_item_bytes=sum(map(item_size, tickets)) // max(1, len(tickets)),
    )


def tell(line: str) -> None:
    print(f"  replies: {line}", file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.replies", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--tickets", type=int, default=DEFAULT_TICKETS, metavar="N", help="tickets (default %(default)s)"
    )
    parser.add_argument(
        "--fault-rate", type=float, default=DEFAULT_FAULT_RATE, metavar="F",
        help="share of provider sends that fail, 0 to 1: 30%% of it permanent per reply, 70%% transient per attempt "
        "(default %(default)s)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, metavar="S", help="RNG seed (default %(default)s)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures to PATH as JSON")
    args = parser.parse_args(argv)
    if args.tickets < 1:
        parser.error("--tickets must be at least 1")
    if not 0 <= args.fault_rate <= 1:
        parser.error("--fault-rate must be between 0 and 1")
    return args


def main(argv: list[str] | None = None) -> int:
    from bench.replies_report import format_report, summary

    args = parse_args(argv)
    started = time.perf_counter()
    result = run(args.tickets, args.fault_rate, args.seed, progress=tell)
    tell(f"done in {time.perf_counter() - started:.0f} s")
    print(format_report(result))
    print(f"Summary: {summary(result)}")
    if args.json:
        args.json.write_text(json.dumps(result.to_dict(), indent=2) + "\n", encoding="utf-8")
        print(f"Figures written to {args.json}")
    return 0  # a report, not a gate


if __name__ == "__main__":
    sys.exit(main())
