"""The pipeline under a burst: 1,000 signed webhooks in a minute on loopback to the local platform.

An outage-like mix (bench/burst_mix.py) is sent evenly paced from a few threads, so a slow answer
does not delay the schedule; the platform runs as `make run` does (worker, scheduler, replies) on a
clock started at a Tuesday 10:00 in New York. Measured with the real clock (perf_counter): webhook →
HTTP 2xx, webhook → page published on SNS for each paging message (the Publish call returning, seen
through botocore's events on the functions' SNS clients), last answer → events queue empty. Then
everything is counted: answers other than 2xx, tickets against accepted webhooks (exactly one each),
the dead-letter queue, worker errors, pages missing or not delivered to the pager inbox, and what the
outage folded into. A report, not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.burst_mix import AT, OUTAGE, PAGING, Mix, Planned, build, schedule
from bench.burst_report import BUDGET_PAGE_P99_MS, BurstResult, Cpu, Latencies, Sent, format_report, summary
from local.replay import send
from local.samples import local_secrets, signed

if TYPE_CHECKING:
    from local.platform import Platform

DEFAULT_COUNT = 1000
DEFAULT_SECONDS = 60.0
QUICK_COUNT, QUICK_SECONDS = 200, 12.0
SENDERS = 8
#: concurrent triage invocations: Lambda starts five pollers on an SQS source and scales with the backlog
CONSUMERS = 4
#: after the last answer: how long the queue may take to drain before the bench gives up on it
DRAIN_TIMEOUT_S = 300.0
#: after the drain: how long pages still being published (a retry after a fault) may take
PAGE_GRACE_S = 10.0
FASTER_DYNAMODB = "bench.moto_speed:faster_dynamodb"


@dataclass(frozen=True)
class Published:
    """One SNS Publish that succeeded: when (perf_counter) and its message attributes."""

    at: float
    attributes: dict[str, str]


class PublishLog:
    """Every successful SNS Publish of the functions' clients, timed as the call returns (botocore events)."""

    def __init__(self) -> None:
        self.published: list[Published] = []

    def watch(self, client: Any) -> None:
        events = client.meta.events
        events.register("provide-client-params.sns.Publish", self._params, unique_id="burst-params")
        events.register("after-call.sns.Publish", self._returned, unique_id="burst-returned")

    @staticmethod
    def _params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        attrs = params.get("MessageAttributes") or {}
        context["burst_attributes"] = {k: str(v.get("StringValue", "")) for k, v in attrs.items()}

    def _returned(self, http_response: Any, context: dict[str, Any], **_: Any) -> None:
        if 200 <= http_response.status_code < 300:
            self.published.append(Published(time.perf_counter(), context.get("burst_attributes", {})))

    def pages(self) -> list[Published]:
        return [p for p in self.published if p.attributes.get("kind") == "page"]


def tell(message: str) -> None:
    """Progress on stderr, only for a person watching: the report on stdout stays clean for redirection."""
    if sys.stderr.isatty():
        print(f"  burst: {message}", file=sys.stderr, flush=True)


def run(
    count: int = DEFAULT_COUNT,
    seconds: float = DEFAULT_SECONDS,
    *,
    senders: int = SENDERS,
    consumers: int = CONSUMERS,
    progress: Callable[[str], None] | None = None,
) -> BurstResult:
    """Start the local platform as `make run` does (without the replay) on the bench's clock, and measure."""
    from local.clock import running_from
    from local.platform import Platform, PlatformOptions

    say = progress or (lambda _m: None)
    mix = build(count)
    warnings: list[str] = []

    def show(line: str) -> None:
        if line.lstrip().startswith("⚠"):  # the worker's and the consumers' failures; the rest is the demo's chatter
            warnings.append(line.strip())

    say("starting the local platform (moto server, stack from infra/, the app on loopback, worker, scheduler)")
    # moto's TransactWriteItems copies whole tables and its index Query sorts every item: costs that grow
    # with the table, not the request, and that DynamoDB does not have (bench/moto_speed.py); in the
    # moto server's process, where they are paid
    options = PlatformOptions(
        port=0,
        moto_port=0,
        show=show,
        clock=running_from(AT),
        triage_consumers=consumers,
        moto_setup=(FASTER_DYNAMODB,),
    )
    with Platform(options) as platform:
        return measure(platform, mix, seconds, senders, warnings, say)


def measure(
    platform: Platform,
    mix: Mix,
    seconds: float,
    senders: int,
    warnings: list[str],
    say: Callable[[str], None],
) -> BurstResult:
    from chalicelib import bootstrap
    from chalicelib.adapters.customers_table import DynamoCustomerDirectory

    assert platform.stack is not None and platform.worker is not None
    outputs = platform.stack.outputs
    DynamoCustomerDirectory(platform.clients["dynamodb"], outputs["CustomersTableName"]).put_many(list(mix.customers))
    log = PublishLog()
    for function in platform.users:
        log.watch(bootstrap.container(function).sns)
    slots = schedule(len(mix.planned), seconds)
    say(f"sending {len(mix.planned)} webhooks over {seconds:g} s from {senders} threads")
    cpu_before, moto_before = time.process_time(), platform.moto_cpu_seconds()
    senders_cpu: list[float] = []
    with sending(platform, mix.planned, slots, senders, senders_cpu) as sent:
        pass
    last_answer = max(s[2] for s in sent)
    first_send = min(s[1] for s in sent)
    say(f"sent in {last_answer - first_send:.1f} s; waiting for the queue to drain")
    drain_s = drained(platform, last_answer)
    moto_after = platform.moto_cpu_seconds()
    cpu = Cpu(
        messages=len(mix.planned),
        process_s=time.process_time() - cpu_before,
        senders_s=sum(senders_cpu),
        moto_s=None if moto_before is None or moto_after is None else moto_after - moto_before,
    )
    say("drained" if drain_s is not None else "the queue did not drain in time; counting what is there")
    records = [s[0] for s in sent]
    return count_up(platform, mix, records, {s[0].label: s[1] for s in sent}, log, drain_s, seconds, senders,
                    warnings, last_answer - first_send, cpu)  # fmt: skip


#: (what was sent, perf_counter when sent, perf_counter when the answer was read)
Outcome = tuple[Sent, float, float]


@contextmanager
def sending(
    platform: Platform,
    planned: tuple[Planned, ...],
    slots: list[float],
    senders: int,
    cpu: list[float] | None = None,
) -> Iterator[list[Outcome]]:
    """Send each webhook at its slot from ``senders`` threads, each taking the next slot when free.

    Each thread adds the CPU it used to ``cpu``: the providers' side of the loopback, not the platform's.
    """
    secrets = local_secrets()
    results: list[Outcome] = []
    lock = threading.Lock()
    cursor = iter(range(len(planned)))
    start = time.perf_counter() + 0.2  # every thread is up before the first slot

    def worker() -> None:
        started = time.thread_time()
        while True:
            with lock:
                i = next(cursor, None)
            if i is None:
                if cpu is not None:
                    with lock:
                        cpu.append(time.thread_time() - started)
                return
            wait = start + slots[i] - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            item = planned[i]
            # signed at send time with the platform's clock, as the provider signs (the window is 5 minutes)
            request = signed(item.request, secrets, platform.now(), platform.api_url)
            t0 = time.perf_counter()
            delivery = send(request, platform.api_url)
            t1 = time.perf_counter()
            record = Sent(
                label=item.request.name,
                kind=item.kind,
                status=delivery.status,
                ms=(t1 - t0) * 1000,
                late_ms=max(0.0, (t0 - start - slots[i]) * 1000),
                event_id=item.event_id,
            )
            with lock:
                results.append((record, t0, t1))

    threads = [threading.Thread(target=worker, name=f"burst-sender-{n}", daemon=True) for n in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    yield results


def _depth(sqs: Any, url: str) -> int:
    names = [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
    ]
    # "All", as the worker asks (local/worker.py): moto works out every attribute, a pass over every queued
    # message, twice per name asked for; polled through a backlog it took the moto server's CPU from triage
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return sum(int(attrs.get(n, "0")) for n in names)


def drained(platform: Platform, since: float, timeout: float = DRAIN_TIMEOUT_S) -> float | None:
    """Seconds from ``since`` until the events queue holds nothing visible, in flight or delayed; None: timed out."""
    assert platform.stack is not None
    sqs, url = platform.clients["sqs"], platform.stack.outputs["EventsQueueUrl"]
    while time.perf_counter() - since < timeout:
        if _depth(sqs, url) == 0:
            return time.perf_counter() - since
        time.sleep(0.1)  # each look costs the moto server a pass over the queue: a tenth of a second is precise enough
    return None


def count_up(
    platform: Platform,
    mix: Mix,
    sent: list[Sent],
    sent_at: dict[str, float],
    log: PublishLog,
    drain_s: float | None,
    seconds: float,
    senders: int,
    warnings: list[str],
    send_span_s: float,
    cpu: Cpu | None = None,
) -> BurstResult:
    from chalicelib import bootstrap
    from chalicelib.services.triage import ticket_id_for

    assert platform.stack is not None and platform.inbox is not None
    outputs = platform.stack.outputs
    ticket_of = {s.label: ticket_id_for(s.event_id) for s in sent if s.accepted}
    paging = [s for s in sent if s.kind == PAGING]
    expected = {ticket_of[s.label]: s.label for s in paging if s.label in ticket_of}
    deadline = time.perf_counter() + PAGE_GRACE_S
    while time.perf_counter() < deadline and not set(expected) <= {p.attributes.get("ticket_id") for p in log.pages()}:
        time.sleep(0.1)
    first_page: dict[str, float] = {}
    for page in log.pages():
        first_page.setdefault(page.attributes.get("ticket_id", ""), page.at)
    # webhook → first page, slowest first
    paged = sorted(
        (((first_page[t] - sent_at[label]) * 1000, t, label) for t, label in expected.items() if t in first_page),
        reverse=True,
    )
    missing = tuple(
        sorted(
            f"{s.label} ({_page_lines(ticket_of.get(s.label))})"
            for s in paging
            if ticket_of.get(s.label) not in first_page
        )
    )
    late = tuple(f"{label} ({ms:,.0f} ms: {_page_lines(t)})" for ms, t, label in paged if ms > BUDGET_PAGE_P99_MS)
    inbox = {p.ticket_id for p in platform.inbox.receive_all() if p.attributes.get("kind") == "page"}
    undelivered = tuple(sorted(label for t, label in expected.items() if t in first_page and t not in inbox))
    found = _tickets(platform)
    accepted = {s.event_id for s in sent if s.accepted}
    by_event: dict[str, int] = {}
    for event_id in found:
        by_event[event_id] = by_event.get(event_id, 0) + 1
    duplicated = sum(n - 1 for n in by_event.values()) + len(set(by_event) - accepted)
    outage_tickets = {ticket_of[s.label] for s in sent if s.kind == OUTAGE and s.label in ticket_of}
    outage = [p for p in log.pages() if p.attributes.get("ticket_id") in outage_tickets]
    incidents = bootstrap.container().incidents_table
    opened = incidents.open_incidents()
    dlq = _depth(platform.clients["sqs"], outputs["EventsDeadLetterQueueUrl"])
    return BurstResult(
        count=len(sent),
        seconds=seconds,
        senders=senders,
        clock=AT.isoformat(),
        sent=tuple(sent),
        send_span_s=send_span_s,
        page_ms=Latencies(tuple(ms for ms, _, _ in paged)),
        pages_expected=len(paging),
        pages_missing=missing,
        pages_late=late,
        pages_undelivered=undelivered,
        drain_s=drain_s,
        tickets_expected=len(accepted),
        tickets_found=len(found),
        tickets_missing=len(accepted - set(by_event)),
        tickets_duplicated=duplicated,
        dead_letters=dlq,
        worker_errors=tuple(warnings),
        incidents=len(opened),
        incident_reports=sum(len(incidents.reports(i.incident_id)) for i in opened),
        outage_pages=len({p.attributes.get("page_id") for p in outage}),
        outage_publishes=len(outage),
        mix={kind: mix.count(kind) for kind in (OUTAGE, "ordinary", PAGING)},
        providers=mix.providers(),
        cpu=cpu,
    )


def _page_lines(ticket_id: str | None) -> str:
    """Every page line of a paging message's timeline (opened, notified, held for a digest…), each at the
    platform's time, so a missing or late page explains itself."""
    from chalicelib import bootstrap
    from chalicelib.model.timeline import Kind, in_order

    if ticket_id is None:
        return "not accepted"
    paging = {Kind.PAGE_OPENED, Kind.NOTIFIED, Kind.DEFERRED, Kind.FOLDED, Kind.DIGEST}
    lines = [
        f"{e.at.strftime('%H:%M:%S.%f')[:-3]} {e.kind}: {e.text[:160]}"
        for e in in_order(bootstrap.container().pages.timeline(ticket_id))
        if e.kind in paging
    ]
    return " | ".join(lines) or "no page in its timeline"


def _tickets(platform: Platform) -> list[str]:
    """Every ticket in the table, by the event that opened it (a scan: the bench's table holds only the burst)."""
    assert platform.stack is not None
    client, table = platform.clients["dynamodb"], platform.stack.outputs["TicketsTableName"]
    events: list[str] = []
    kwargs: dict[str, Any] = {
        "TableName": table,
        "FilterExpression": "sk = :ticket",
        "ExpressionAttributeValues": {":ticket": {"S": "TICKET"}},
        "ProjectionExpression": "event_id",
    }
    while True:
        page = client.scan(**kwargs)
        events += [item["event_id"]["S"] for item in page.get("Items", [])]
        if "LastEvaluatedKey" not in page:
            return events
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.burst",
        description=(
            "Send a burst of signed webhooks (an outage told by many people, ordinary questions, messages that "
            "must page) evenly over a time to the local platform, and report webhook → 2xx and webhook → page "
            "latencies (budget: page p99 ≤ 2 s), the queue's drain and every error. A report, not a gate: "
            "the exit code is 1 only when something was lost (a page, a ticket, an answer)."
        ),
    )
    parser.add_argument(
        "--count", type=int, default=DEFAULT_COUNT, metavar="N", help=f"webhooks (default {DEFAULT_COUNT})"
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=DEFAULT_SECONDS,
        metavar="S",
        help=f"over this long (default {DEFAULT_SECONDS:g})",
    )
    parser.add_argument("--senders", type=int, default=SENDERS, metavar="N", help=f"sender threads (default {SENDERS})")
    parser.add_argument(
        "--consumers",
        type=int,
        default=CONSUMERS,
        metavar="N",
        help=f"concurrent triage invocations on the events queue (default {CONSUMERS})",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures to PATH as JSON")
    args = parser.parse_args(argv)
    if args.count < 10 or args.seconds <= 0 or args.senders < 1 or args.consumers < 1:
        parser.error("--count must be at least 10, --seconds positive, --senders and --consumers at least 1")
    result = run(args.count, args.seconds, senders=args.senders, consumers=args.consumers, progress=tell)
    print(format_report(result))
    if args.json:
        figures = {"command": shlex.join(sys.orig_argv), "burst": result.to_dict(), "summary": summary(result)}
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"Figures written to {args.json}")
    return 1 if result.errors else 0


if __name__ == "__main__":
    sys.exit(main())
