"""Cost per million messages, measured on the real pipeline: `python -m bench.cost [--messages N] [--json PATH]`.

The local platform (bench/platform_run.py) takes a realistic mix (bench/cost_mix.py) over HTTP,
signed as each provider signs; the queue workers run the triage and replies functions a batch of
up to ten at a time; the escalation schedule fires every simulated minute. Every AWS request is
counted per function and per message, each invocation timed and its INFO logs measured, and the
usage priced per million messages (bench/cost_bill.py, bench/prices.py). The clock is simulated:
the bench reads the real one for durations only. A benchmark: it measures and compares with the
budgets, it does not fail on them.
"""

from __future__ import annotations

import argparse
import json
import math
import shlex
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.cost_bill import Tally, added, amortise, beyond_baseline, price, standing_a_month
from bench.cost_mix import AFTER_HOURS, plan, silent_event_ids
from bench.platform_count import Call, Invocation, Unit
from bench.platform_run import LocalRun, local_run
from bench.reliability_world import Clock
from bench.replies_cost import AWS_REQUEST_MS
from local.samples import CHALICE_CONFIG

DEFAULT_MESSAGES = 200  # a few hundred: moto slows as its tables grow (400 took ~10 min and 3.6 GB here)
QUICK_MESSAGES = 60
BATCH = 10  # the event source mappings' batch size (app.py); a batch is drained when this many have arrived
#: a quiet hour: messages minutes apart, so Lambda's poller hands each over alone (what a small team mostly sees)
QUIET_BATCH = 1
QUIET_MESSAGES = 60
IDLE_SWEEPS = 3
BUDGET_REQUESTS = 4.0  # per non-paging message, amortised
BUDGET_USD = 5.0  # per million messages, SMS and voice (and email delivery) excluded
QUEUES = 2  # the events and replies queues, each long-polled by Lambda

Progress = Callable[[str], None]


def lambda_settings(path: Path = CHALICE_CONFIG, stage: str = "prod") -> tuple[int, str]:
    """(memory MB, architecture) as .chalice/config.json deploys ``stage`` (architecture: ``lambda_architecture``)."""
    config = json.loads(path.read_text(encoding="utf-8"))
    staged = config.get("stages", {}).get(stage, {})
    memory = int(staged.get("lambda_memory_size") or config.get("lambda_memory_size") or 128)
    architecture = str(staged.get("lambda_architecture") or config.get("lambda_architecture") or "x86_64")
    return memory, architecture


def functions_deployed(path: Path = CHALICE_CONFIG, stage: str = "prod") -> int:
    """The Lambda functions ``stage`` deploys: the API's, and each one .chalice/config.json configures."""
    config = json.loads(path.read_text(encoding="utf-8"))
    return 1 + len(config.get("stages", {}).get(stage, {}).get("lambda_functions", {}))


@dataclass(frozen=True)
class CostResult:
    messages: int
    kinds: dict[str, int]  # "kind/channel" → messages sent
    classes: dict[str, Tally]  # "paging" / "non-paging"
    idle_sweep: Tally  # one sweep that finds nothing
    invocation_ms: dict[str, tuple[float, ...]]  # function → each invocation's time, measured (moto's included)
    #: function → each invocation's own time plus AWS_REQUEST_MS per AWS request: what Lambda is billed for here
    billed_ms: dict[str, tuple[float, ...]]
    sms_segments: int
    emails: int
    memory_mb: int
    architecture: str
    batches: int  # SQS batches the two consumers received
    records: int  # records in them
    acknowledged: int  # pages taken from their link
    functions: int = 5  # Lambda functions deployed, each with a SnapStart snapshot of its live version
    batch: int = BATCH  # messages sent, and drained, together

    @property
    def total(self) -> Tally:
        total = Tally()
        for tally in self.classes.values():
            total = total.add(tally)
        return total

    def to_dict(self) -> dict[str, Any]:
        from bench.cost_report import figures

        return figures(self)


def run(
    messages: int = DEFAULT_MESSAGES, seed: int = 16, progress: Progress | None = None, batch: int = BATCH
) -> CostResult:
    """Start the platform, send the mix ``batch`` messages at a time (each batch drained before the next is sent),
    sweep, and tally what every message cost."""
    from bench.workload import make_customers

    say = progress or (lambda _line: None)
    customers = make_customers(300, seed=seed)
    planned = plan(messages, customers, seed)
    clock = Clock(AFTER_HOURS - timedelta(minutes=IDLE_SWEEPS))
    say(f"cost: starting the local platform; {messages} messages to send")
    with local_run(clock, customers) as r:
        assert r.platform.worker and r.platform.replies_worker
        r.platform.replies_worker.on_success = None  # the platform's own printing reads the outbox: not the app's
        records = acked = 0
        for _ in range(IDLE_SWEEPS):
            r.sweep("idle-sweep")
            clock.now += timedelta(minutes=1)
        next_sweep = clock.now
        for start in range(0, len(planned), batch):
            posted: list[str] = []
            for message in planned[start : start + batch]:
                clock.now = message.at
                delivery = r.post(message.request, silent_event_ids(message.request))
                if not delivery.ok:
                    raise RuntimeError(f"{message.request.name}: the API answered {delivery.status}: {delivery.body}")
                posted += delivery.event_ids or silent_event_ids(message.request)
            records += r.drain(r.platform.worker)
            # each page is taken from its link before its first level times out: the common case, not the worst
            acked += sum(r.acknowledge(event_id) for event_id in posted)
            records += r.drain(r.platform.replies_worker)
            while next_sweep <= clock.now or next_sweep < clock.now - timedelta(minutes=1):
                r.sweep("sweep")
                next_sweep = max(next_sweep + timedelta(minutes=1), clock.now - timedelta(minutes=1))
            if progress and start % 100 < batch:
                say(f"cost: {start + batch}/{len(planned)} sent")
        for _ in range(5):  # the escalations the last pages started
            clock.now += timedelta(minutes=1)
            r.sweep("sweep")
        return _result(r, planned, records, acked, batch)


def _result(r: LocalRun, planned: list[Any], records: int, acked: int, batch: int = BATCH) -> CostResult:
    from chalicelib.adapters.replies_table import DynamoReplyOutbox
    from chalicelib.adapters.tickets_table import DynamoTicketRepository
    from chalicelib.model.ticket import PageStatus

    assert r.platform.stack is not None
    table = r.platform.stack.outputs["TicketsTableName"]
    tickets = DynamoTicketRepository(r.recorder.reader, table)
    outbox = DynamoReplyOutbox(r.recorder.reader, table)
    event_ids = [e for unit in r.fanout.values() for _, e in unit]
    class_of = {}
    for event_id in event_ids:
        delivery = tickets.for_event(event_id)
        paged = delivery is not None and delivery.page_status is not PageStatus.NONE
        class_of[event_id] = "paging" if paged else "non-paging"
    replies: dict[str, str] = {}
    sms = emails = 0
    calls, sweeps, idle = _split_sweeps(r.recorder.calls)
    for call in calls:
        if call.unit and call.unit[0] == "reply_id" and call.unit[1] not in replies:
            reply = outbox.get(call.unit[1])
            replies[call.unit[1]] = reply.event.event_id if reply else ""
            if reply is not None and reply.state.value == "sent" and reply.event.channel.value == "sms":
                sms += 1 + len(reply.text) // 153 if len(reply.text) > 160 else 1
        emails += call.service == "sesv2" and call.operation == "SendEmail"

    def events_of(unit: Unit | None) -> tuple[str, ...]:
        if unit is None:
            return ()
        kind, value = unit
        if kind == "event_id":
            return (value,)
        if kind == "reply_id":
            return (replies.get(value, ""),)
        if kind == "ack":
            return (value,)
        if kind == "webhook":
            return tuple(e for _, e in r.fanout.get(unit, ()))
        if kind == "poll":
            return tuple(e for u in r.recorder.batches.get(unit, ()) for e in events_of(u))
        return ()

    invocations = [i for i in r.recorder.invocations if not _is_sweep(i)]
    classes, _standing = amortise(calls, invocations, events_of, class_of, AWS_REQUEST_MS)
    paging = classes.setdefault("paging", Tally())
    idle_calls = Counter(f"{c.service}.{c.operation}" for c in idle)
    escalation = beyond_baseline(sweeps, r.sweeps.get("sweep", 0), idle_calls, r.sweeps.get("idle-sweep", 0))
    paging.requests = added(paging.requests, escalation)
    idle_sweep = _idle_sweep(idle, r.recorder.invocations, r.sweeps.get("idle-sweep", 0))
    durations: dict[str, list[float]] = {}
    own: dict[str, list[float]] = {}
    for inv in r.recorder.invocations:
        durations.setdefault(inv.function, []).append(inv.ms)
        own.setdefault(inv.function, []).append(inv.billed_ms(AWS_REQUEST_MS))
    memory, architecture = lambda_settings()
    return CostResult(
        messages=len(event_ids),
        kinds=dict(Counter(f"{p.kind}/{p.channel}" for p in planned)),
        classes=classes,
        idle_sweep=idle_sweep,
        invocation_ms={f: tuple(ms) for f, ms in durations.items()},
        billed_ms={f: tuple(ms) for f, ms in own.items()},
        sms_segments=sms,
        emails=int(emails),
        memory_mb=memory,
        architecture=architecture,
        batches=len(r.recorder.batches),
        records=records,
        acknowledged=acked,
        functions=functions_deployed(),
        batch=batch,
    )


def _is_sweep(inv: Invocation) -> bool:
    return inv.function == "escalate"


def _split_sweeps(calls: list[Call]) -> tuple[list[Call], list[Call], list[Call]]:
    """(the messages' calls, the sweeps' during the run, the idle sweeps' before any message)."""
    ordinary: list[Call] = []
    sweeps: list[Call] = []
    idle: list[Call] = []
    for call in calls:
        kind = call.unit[0] if call.unit else ""
        (sweeps if kind == "sweep" else idle if kind == "idle-sweep" else ordinary).append(call)
    return ordinary, sweeps, idle


def _idle_sweep(idle: list[Call], invocations: list[Invocation], count: int) -> Tally:
    """One idle sweep's usage: the requests, invocation, time and logs of the idle sweeps, averaged."""
    tally = Tally(messages=0)
    if not count:
        return tally
    for call in idle:
        tally.requests[f"{call.service}.{call.operation}"] += 1 / count
        tally.wru += call.wru / count
        tally.rru += call.rru / count
    runs = [i for i in invocations if _is_sweep(i)][:count]
    for inv in runs:
        tally.invocations[inv.function] += 1 / count
        tally.ms[inv.function] += math.ceil(inv.billed_ms(AWS_REQUEST_MS)) / count
        tally.log_bytes += (inv.log_bytes + 26 * inv.log_events) / count
    return tally


def standing_usd(result: CostResult) -> float:
    return standing_a_month(result.idle_sweep, QUEUES, result.memory_mb, result.architecture, result.functions)


def bill_per_million(result: CostResult, architecture: str | None = None) -> Any:
    total = result.total
    bill = price(total, result.memory_mb, architecture or result.architecture, result.sms_segments, result.emails)
    return bill.scaled(1_000_000 / total.messages if total.messages else 0.0)


def tell(message: str) -> None:
    """Progress on stderr, only for a person watching: the report on stdout stays clean for redirection."""
    if sys.stderr.isatty():
        print(f"  {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    from bench.cost_report import format_report, summary

    parser = argparse.ArgumentParser(prog="python -m bench.cost", description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=DEFAULT_MESSAGES, metavar="N", help="messages to send")
    parser.add_argument("--seed", type=int, default=16, help="the mix's seed (same seed, same messages)")
    parser.add_argument(
        "--batch",
        type=int,
        default=BATCH,
        metavar="N",
        help=f"messages per SQS batch (default {BATCH}, the event sources' batch size; {QUIET_BATCH} is a quiet hour, "
        "when Lambda's poller hands each message over alone)",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures to PATH as JSON")
    args = parser.parse_args(argv)
    if args.messages < 2:
        parser.error("--messages must be at least 2")
    if not 1 <= args.batch <= BATCH:
        parser.error(f"--batch must be between 1 and {BATCH} (the event sources' batch size)")
    result = run(args.messages, args.seed, progress=tell, batch=args.batch)
    print(format_report(result))
    if args.json:
        figures = {"command": shlex.join(sys.orig_argv), "cost": result.to_dict(), "summary": summary(result)}
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"Figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
