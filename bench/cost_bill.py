"""The cost benchmark's arithmetic: counted requests and measured time shared out per message, then priced.

Pure: it takes what bench/platform_run.py recorded (calls, invocations) and a function naming the
messages each unit served, and returns per-class tallies and a bill per million messages. A request
made for one message is that message's; one made for a batch (the poller's ReceiveMessage and
DeleteMessageBatch, a handler's set-up) is shared evenly by the batch's messages; one made for no
message (an empty long poll, the every-minute sweep finding nothing) is a standing cost, billed by
the month and never per message.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bench import prices
from bench.platform_count import Call, Invocation, Unit

#: each log event is sized as CloudWatch Logs sizes a PutLogEvents batch: its UTF-8 bytes plus 26
LOG_EVENT_OVERHEAD = 26
MINUTES_A_MONTH = 30 * 24 * 60
SECONDS_A_DAY = 24 * 60 * 60
#: the share of invocations that start a new execution environment, i.e. restore a SnapStart snapshot. A bench
#: on loopback cannot see Lambda's environments come and go, so this is AWS's figure, not a measurement: "an
#: analysis of production Lambda workloads" finds cold starts "typically" in under 1% of invocations (Lambda
#: operator guide, "Lambda execution environments")
RESTORE_SHARE = 0.01
#: amounts by name (requests by "service.Operation", milliseconds by function, …): fractional, as shares are
Amounts = defaultdict[str, float]


def amounts(values: Mapping[str, float] | None = None) -> Amounts:
    return defaultdict(float, values or {})


def added(a: Mapping[str, float], b: Mapping[str, float]) -> Amounts:
    total = amounts(a)
    for key, value in b.items():
        total[key] += value
    return total


@dataclass
class Tally:
    """What a set of messages cost, summed (divide by ``messages`` for a message's share)."""

    messages: int = 0
    requests: Amounts = field(default_factory=amounts)  # "service.Operation" → requests (fractional)
    wru: float = 0.0
    rru: float = 0.0
    wru_by: Amounts = field(default_factory=amounts)  # "service.Operation" → write units
    invocations: Amounts = field(default_factory=amounts)  # function → invocations
    ms: Amounts = field(default_factory=amounts)  # function → billed milliseconds
    log_bytes: float = 0.0  # including LOG_EVENT_OVERHEAD per event

    def add(self, other: Tally) -> Tally:
        total = Tally(self.messages + other.messages, added(self.requests, other.requests))
        total.wru, total.rru = self.wru + other.wru, self.rru + other.rru
        total.wru_by = added(self.wru_by, other.wru_by)
        total.invocations = added(self.invocations, other.invocations)
        total.ms = added(self.ms, other.ms)
        total.log_bytes = self.log_bytes + other.log_bytes
        return total

    @property
    def aws_requests(self) -> float:
        """Requests to AWS APIs (botocore's), the poller's included; API Gateway's inbound calls are not among them."""
        return sum(self.requests.values())

    def per_message(self, value: float) -> float:
        return value / self.messages if self.messages else 0.0


def amortise(
    calls: Iterable[Call],
    invocations: Iterable[Invocation],
    events_of: Callable[[Unit | None], tuple[str, ...]],
    class_of: Mapping[str, str],
    aws_request_ms: float | None = None,
) -> tuple[dict[str, Tally], Tally]:
    """Per class of message (``class_of[event id]``), the tally of its messages' shares; and the standing tally.

    ``events_of(unit)`` names the messages a unit served (a webhook's, a batch's records', one record's);
    an empty answer makes the request or the invocation standing. ``aws_request_ms``: bill each invocation
    as its own time plus this much per AWS request, instead of as measured (moto's round trips included).
    """
    tallies: dict[str, Tally] = {}
    for name in class_of.values():
        tallies.setdefault(name, Tally()).messages += 1
    standing = Tally()

    def shares(unit: Unit | None) -> list[tuple[Tally, float]]:
        events = [e for e in events_of(unit) if e in class_of]
        if not events:
            return [(standing, 1.0)]
        return [(tallies[class_of[e]], 1 / len(events)) for e in events]

    for call in calls:
        key = f"{call.service}.{call.operation}"
        for tally, share in shares(None if call.empty else call.unit):
            tally.requests[key] += share
            tally.wru += call.wru * share
            tally.wru_by[key] += call.wru * share
            tally.rru += call.rru * share
    for inv in invocations:
        billed = math.ceil(inv.billed_ms(aws_request_ms))  # Lambda bills by the millisecond, rounded up
        rest_ms = billed - sum(p.billed_ms(aws_request_ms) for p in inv.parts.values())
        rest_log = inv.log_bytes - sum(p.log_bytes for p in inv.parts.values())
        rest_events = inv.log_events - sum(p.log_events for p in inv.parts.values())
        overall = [s for u in inv.units for s in shares(u)] or shares(None)
        weight = sum(share for _, share in overall)
        for tally, share in overall:
            part = share / weight
            tally.invocations[inv.function] += part
            tally.ms[inv.function] += rest_ms * part
            tally.log_bytes += (rest_log + LOG_EVENT_OVERHEAD * rest_events) * part
        for unit, measured in inv.parts.items():
            for tally, share in shares(unit):
                tally.ms[inv.function] += measured.billed_ms(aws_request_ms) * share
                tally.log_bytes += (measured.log_bytes + LOG_EVENT_OVERHEAD * measured.log_events) * share
    return tallies, standing


def beyond_baseline(sweep_calls: Iterable[Call], sweeps: int, baseline: Mapping[str, int], idle_sweeps: int) -> Amounts:
    """The requests ``sweeps`` sweeps made beyond what as many idle ones make (``baseline`` from ``idle_sweeps``)."""
    made = Counter(f"{c.service}.{c.operation}" for c in sweep_calls)
    per_sweep = {key: n / idle_sweeps for key, n in baseline.items()} if idle_sweeps else {}
    return amounts(
        {key: n - per_sweep.get(key, 0.0) * sweeps for key, n in made.items() if n > per_sweep.get(key, 0.0) * sweeps}
    )


@dataclass(frozen=True)
class Bill:
    """Dollars for ``messages`` messages, by line item; ``delivery`` is SMS, voice and email sent to people."""

    lines: dict[str, float]
    delivery: dict[str, float]

    @property
    def total(self) -> float:
        return sum(self.lines.values())

    def scaled(self, factor: float) -> Bill:
        return Bill({k: v * factor for k, v in self.lines.items()}, {k: v * factor for k, v in self.delivery.items()})

    def to_dict(self) -> dict[str, Any]:
        return {"lines": self.lines, "total": self.total, "delivery": self.delivery}


def price(tally: Tally, memory_mb: int, architecture: str, sms_segments: float = 0.0, emails: float = 0.0) -> Bill:
    """The AWS bill for a tally's usage (us-east-1 on-demand, bench/prices.py), and the delivery charges beside it."""
    requests = tally.requests
    sqs = sum(n for key, n in requests.items() if key.startswith("sqs."))
    gb_seconds = sum(tally.ms.values()) / 1000 * memory_mb / 1024
    lines = {
        # every API function invocation is one request to the HTTP API (each of this mix's is under 512 KB)
        "API Gateway HTTP API requests": tally.invocations["api_handler"] * prices.API_GATEWAY_HTTP_REQUEST,
        "Lambda requests": sum(tally.invocations.values()) * prices.LAMBDA_REQUEST,
        f"Lambda duration ({architecture}, {memory_mb} MB)": gb_seconds * prices.lambda_gb_second(architecture),
        "SQS requests": sqs * prices.SQS_REQUEST,
        "DynamoDB writes": tally.wru * prices.DYNAMODB_WRU,
        "DynamoDB reads": tally.rru * prices.DYNAMODB_RRU,
        "SNS publishes": requests["sns.Publish"] * prices.SNS_PUBLISH,
        "CloudWatch Logs ingestion": tally.log_bytes / prices.GB * prices.LOGS_INGESTED_GB,
        # every function has SnapStart: a new execution environment resumes from the snapshot, billed per GB
        "SnapStart restores (1% of invocations)": sum(tally.invocations.values())
        * RESTORE_SHARE
        * memory_mb
        / 1024
        * prices.SNAPSTART_RESTORE_GB,
    }
    delivery = {
        "Twilio SMS replies": sms_segments * prices.TWILIO_SMS_SEGMENT,
        "SES email replies": emails * prices.SES_EMAIL,
    }
    return Bill(lines, delivery)


def snapshots_a_month(functions: int, memory_mb: int) -> float:
    """SnapStart's cache of each function's live version, a month: billed for as long as the version exists."""
    return functions * memory_mb / 1024 * MINUTES_A_MONTH * 60 * prices.SNAPSTART_CACHE_GB_SECOND


def superseded_by_a_deploy(functions: int, memory_mb: int) -> float:
    """What the versions one deploy supersedes go on costing in SnapStart's cache if nothing deletes them: each
    stays cached until its snapshot has gone unused for 14 days (`switchboard versions prune` deletes them)."""
    return functions * memory_mb / 1024 * prices.SNAPSHOT_UNUSED_DAYS * SECONDS_A_DAY * prices.SNAPSTART_CACHE_GB_SECOND


def standing_a_month(idle_sweep: Tally, queues: int, memory_mb: int, architecture: str, functions: int = 0) -> float:
    """What runs with no messages at all, a month: the every-minute sweep finding nothing (``idle_sweep`` is one),
    Lambda's pollers long-polling each of ``queues`` queues (bench/replies_cost.py's IDLE_POLLS_A_MONTH), and
    SnapStart's cache of the live version of each of ``functions`` functions."""
    from bench.replies_cost import IDLE_POLLS_A_MONTH

    sweeps = price(idle_sweep, memory_mb, architecture).total * MINUTES_A_MONTH
    polls = queues * IDLE_POLLS_A_MONTH * prices.SQS_REQUEST
    return sweeps + polls + snapshots_a_month(functions, memory_mb)
